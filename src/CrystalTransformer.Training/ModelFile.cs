using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.Models;
using CrystalTransformer.IO;
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

    /// <summary>Largest size one entry may inflate to; a file claiming or producing more is refused before it fills memory.</summary>
    public const long MaxEntryBytes = 1L << 30;

    public static ModelInfo ReadInfo(string path) => ReadInfo(ReadEntries(path, [InfoEntry]), path);

    /// <summary>
    /// Loads the model of any registered kind with its weights, in eval mode, on <paramref name="device"/>. Every entry is
    /// checked against its CRC-32 first, and the architecture is measured (without allocating) before it is built: a
    /// model.json that asks for more weights than weights.bin holds is refused, never allocated.
    /// </summary>
    public static (TrainableModel Model, ModelInfo Info) Load(string path, Device? device = null)
    {
        var entries = ReadEntries(path, [InfoEntry, WeightsEntry]);
        var info = ReadInfo(entries, path);
        byte[] weights = entries.TryGetValue(WeightsEntry, out var w) ? w : throw new InputError($"not a {FormatName} file (no {WeightsEntry})", path);
        CheckSize(info, weights.LongLength, path);
        TrainableModel model;
        try { model = ModelKinds.Get(info.Kind).Load(info.Config, info.Targets.Length); }
        catch (Exception ex) when (ex is not InputError and not OperationCanceledException)
        {
            throw new InputError($"{InfoEntry} describes an architecture that cannot be built ({ex.Message.ReplaceLineEndings(" ")})", path);
        }
        try
        {
            using var r = new BinaryReader(new MemoryStream(weights));
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

    private static readonly object MetaGate = new();

    /// <summary>
    /// Builds the stored architecture on the meta device (shapes only, no memory) and refuses it when its parameters need
    /// more bytes than weights.bin holds, or when it cannot be built at all (negative or absurd sizes).
    /// </summary>
    private static void CheckSize(ModelInfo info, long weightBytes, string path)
    {
        // Every size or count of an architecture (widths, layers, neighbours) is below the number of weights it has, and
        // far below 65,536: a larger one is damage, refused before the model is even measured (which takes time per layer).
        double limit = Math.Min(1 << 16, Math.Max(1024, weightBytes / 4));
        foreach (var (name, value) in Numbers(info.Config, ""))
            if (Math.Abs(value) > limit && value == Math.Floor(value))
                throw new InputError($"{InfoEntry}: setting {name} = {value:G6} is larger than any architecture this file's {weightBytes / 1e6:0.###} MB of weights can hold (damaged or inconsistent file)", path);
        long bytes;
        lock (MetaGate)
        {
            var previous = get_default_device();
            set_default_device(new Device(DeviceType.META));
            try
            {
                using var probe = ModelKinds.Get(info.Kind).Load(info.Config, info.Targets.Length);
                bytes = probe.parameters().Concat<Tensor>(probe.buffers()).Sum(p => p.numel() * p.element_size());
            }
            catch (InputError ex) when (ex.Origin is null)
            {
                throw new InputError($"{InfoEntry} describes an architecture that cannot be built ({ex.Reason})", path);
            }
            catch (Exception ex) when (ex is not InputError and not OperationCanceledException)
            {
                throw new InputError($"{InfoEntry} describes an architecture that cannot be built ({ex.Message.ReplaceLineEndings(" ")})", path);
            }
            finally { set_default_device(previous); }
        }
        if (bytes > weightBytes)
            throw new InputError(string.Create(CultureInfo.InvariantCulture, $"{InfoEntry} describes {bytes:N0} bytes of weights but {WeightsEntry} holds {weightBytes:N0} (damaged or inconsistent file)"), path);
    }

    private static IEnumerable<(string Name, double Value)> Numbers(JsonNode? node, string name)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                    foreach (var x in Numbers(v, name.Length == 0 ? k : $"{name}.{k}")) yield return x;
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                    foreach (var x in Numbers(a[i], $"{name}[{i}]")) yield return x;
                break;
            case JsonValue v when v.TryGetValue(out double d):
                yield return (name, d);
                break;
        }
    }

    /// <summary>Opens another entry (e.g. a checkpoint's optimizer state); null when absent.</summary>
    public static byte[]? ReadEntry(string path, string name) =>
        ReadEntries(path, [name]).TryGetValue(name, out var bytes) ? bytes : null;

    /// <summary>
    /// Reads every entry of the file, each at most <see cref="MaxEntryBytes"/> once inflated and checked against the
    /// CRC-32 the zip holds for it (so a flipped bit anywhere is found), and returns the ones named in <paramref name="keep"/>.
    /// </summary>
    private static Dictionary<string, byte[]> ReadEntries(string path, IReadOnlyCollection<string> keep)
    {
        try { return ReadEntriesOf(path, keep); }
        catch (InvalidDataException ex) { throw new InputError($"damaged file: not a readable zip archive ({ex.Message.ReplaceLineEndings(" ")})", path); }
    }

    private static Dictionary<string, byte[]> ReadEntriesOf(string path, IReadOnlyCollection<string> keep)
    {
        using var zip = OpenZip(path);
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long total = 0;
        foreach (var entry in zip.Entries)
        {
            if (entry.Length > MaxEntryBytes || (total += entry.Length) > 2 * MaxEntryBytes)
                throw new InputError($"entry {entry.FullName} inflates to {entry.Length / 1e6:0.#} MB, more than a model file may hold ({MaxEntryBytes / 1e6:0} MB per entry)", path);
            byte[] bytes;
            try
            {
                using var s = entry.Open();
                using var m = new MemoryStream((int)Math.Min(entry.Length, 1 << 24));
                var buffer = new byte[1 << 16];
                int n;
                while ((n = s.Read(buffer)) > 0)
                {
                    if (m.Length + n > entry.Length)
                        throw new InputError($"entry {entry.FullName} inflates to more than the {entry.Length} bytes it declares (damaged file)", path);
                    m.Write(buffer, 0, n);
                }
                bytes = m.ToArray();
            }
            catch (InvalidDataException ex) { throw new InputError($"damaged file: entry {entry.FullName} cannot be read ({ex.Message.ReplaceLineEndings(" ")})", path); }
            if (bytes.LongLength != entry.Length || ContentChecksums.Crc32(bytes) != entry.Crc32)
                throw new InputError($"damaged file: entry {entry.FullName} does not match its CRC-32", path);
            if (keep.Contains(entry.FullName)) result[entry.FullName] = bytes;
        }
        return result;
    }

    private static ZipArchive OpenZip(string path)
    {
        if (!File.Exists(path)) throw new InputError("model file not found", path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException) { throw new InputError($"not a {FormatName} file (not a zip archive)", path); }
    }

    private static ModelInfo ReadInfo(Dictionary<string, byte[]> entries, string path)
    {
        ModelInfo? info;
        if (!entries.TryGetValue(InfoEntry, out var json)) throw new InputError($"not a {FormatName} file (no {InfoEntry})", path);
        try
        {
            info = JsonSerializer.Deserialize<ModelInfo>(json, TrainingOptions.Json);
            if (info?.Config is { } config) _ = Numbers(config, "").Count(); // JsonObject reads its keys lazily: find repeated ones here
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            // (a repeated key in an object is an ArgumentException of JsonObject)
            throw new InputError($"{InfoEntry} is not valid ({ex.Message.ReplaceLineEndings(" ")})", path);
        }
        if (info is null || info.Format != FormatName) throw new InputError($"not a {FormatName} file", path);
        if (info.Version > FormatVersion)
            throw new InputError($"model file version {info.Version} is newer than this program reads ({FormatVersion}); update ct", path);
        if (info.Kind is null || info.Config is null || info.Targets is null || info.TargetMean is null || info.TargetStd is null
            || info.TargetMean.Length != info.Targets.Length || info.TargetStd.Length != info.Targets.Length)
            throw new InputError($"{InfoEntry} is not valid (targets and their scaling disagree)", path);
        return info;
    }
}
