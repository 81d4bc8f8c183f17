using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>Everything about a trained model except its weights: kind, architecture, targets and their scaling.</summary>
public sealed record ModelInfo
{
    public string Format { get; init; } = ModelFile.FormatName;
    public int Version { get; init; } = ModelFile.FormatVersion;
    public required string Kind { get; init; }
    /// <summary>Architecture and featurisation settings (<see cref="TrainableModel.Config"/>).</summary>
    public required JsonObject Config { get; init; }
    public required string[] Targets { get; init; }
    public required double[] TargetMean { get; init; }
    public required double[] TargetStd { get; init; }
    /// <summary>Atomic numbers present in the training split: only their element-table rows were trained.</summary>
    public int[] TrainedElements { get; init; } = [];
    public int Epoch { get; init; }
    public string DataHash { get; init; } = "";
    public string DataSource { get; init; } = "";
    public int Seed { get; init; }

    [JsonIgnore] public TargetScaler Scaler => new(TargetMean, TargetStd);

    /// <summary>A composition-mode front-end: predicts from a formula alone (without loading the weights).</summary>
    [JsonIgnore] public bool ReadsCompositionOnly => Kind == CrystalTransformerModel.KindName && Config["input"] is JsonValue v && v.TryGetValue(out string? s) && s == "fraction";
}

/// <summary>
/// The self-contained, versioned model file (a zip): <c>model.json</c> (<see cref="ModelInfo"/>) and <c>weights.bin</c>
/// (TorchSharp state). Checkpoints for resuming are model files with two more entries, <c>optimizer.bin</c> and
/// <c>state.json</c>. Written atomically.
/// </summary>
public static class ModelFile
{
    public const string FormatName = "ct-model";
    public const int FormatVersion = 1;
    private const string InfoEntry = "model.json", WeightsEntry = "weights.bin";

    public static void Save(string path, TrainableModel model, ModelInfo info, IReadOnlyDictionary<string, Action<Stream>>? extraEntries = null)
    {
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var s = zip.CreateEntry(InfoEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(s, info, TrainingOptions.Json);
            using (var s = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open())
            using (var w = new BinaryWriter(s))
                model.save(w);
            if (extraEntries is null) return;
            foreach (var (name, write) in extraEntries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                write(s);
            }
        });
    }

    public static ModelInfo ReadInfo(string path)
    {
        using var zip = OpenZip(path);
        return ReadInfo(zip, path);
    }

    /// <summary>Loads the model of any registered kind with its weights, in eval mode, on <paramref name="device"/>.</summary>
    public static (TrainableModel Model, ModelInfo Info) Load(string path, Device? device = null)
    {
        using var zip = OpenZip(path);
        var info = ReadInfo(zip, path);
        var model = ModelKinds.Get(info.Kind).Load(info.Config, info.Targets.Length);
        try
        {
            using (var s = OpenEntry(zip, WeightsEntry, path))
            using (var r = new BinaryReader(s))
                model.load(r);
        }
        catch (Exception ex) when (ex is not InputError)
        {
            model.Dispose();
            throw new InputError($"weights do not match the stored architecture ({ex.Message.ReplaceLineEndings(" ")})", path);
        }
        if (device is not null) model.to(device);
        model.eval();
        return (model, info);
    }

    /// <summary>Opens another entry (e.g. a checkpoint's optimizer state); null when absent.</summary>
    public static byte[]? ReadEntry(string path, string name)
    {
        using var zip = OpenZip(path);
        var entry = zip.GetEntry(name);
        if (entry is null) return null;
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static ZipArchive OpenZip(string path)
    {
        if (!File.Exists(path)) throw new InputError("model file not found", path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException) { throw new InputError($"not a {FormatName} file (not a zip archive)", path); }
    }

    private static Stream OpenEntry(ZipArchive zip, string name, string path) =>
        (zip.GetEntry(name) ?? throw new InputError($"not a {FormatName} file (no {name})", path)).Open();

    private static ModelInfo ReadInfo(ZipArchive zip, string path)
    {
        ModelInfo? info;
        try
        {
            using var s = OpenEntry(zip, InfoEntry, path);
            info = JsonSerializer.Deserialize<ModelInfo>(s, TrainingOptions.Json);
        }
        catch (JsonException ex) { throw new InputError($"{InfoEntry} is not valid ({ex.Message.ReplaceLineEndings(" ")})", path); }
        if (info is null || info.Format != FormatName) throw new InputError($"not a {FormatName} file", path);
        if (info.Version > FormatVersion)
            throw new InputError($"model file version {info.Version} is newer than this program reads ({FormatVersion}); update ct", path);
        return info;
    }
}
