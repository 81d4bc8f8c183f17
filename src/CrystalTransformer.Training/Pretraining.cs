using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>
/// Everything that defines a pretraining run of the front-end; stored in config.json under "pretrain" so --resume
/// rebuilds the same run. <see cref="Data"/> lists one or more data sets (several = multi-source: each keeps its own
/// split, and each crystal carries only its own data set's labels, the others masked).
/// </summary>
public sealed record PretrainSpec(
    [property: JsonConverter(typeof(OneOrManyStrings))] string[] Data,
    string[] Targets, int SplitSeed, int? TrainSize, string Recipe, TransformerConfig Model, TrainingOptions Training, string Directory)
{
    public static PretrainSpec LoadFrom(string dir)
    {
        string path = Trainer.ConfigToResume(dir);
        var node = JsonNode.Parse(File.ReadAllText(path))?["pretrain"] ?? throw new InputError("config.json has no pretrain section", path);
        var spec = node.Deserialize<PretrainSpec>(TrainingOptions.Json) ?? throw new InputError("config.json: empty pretrain section", path);
        return spec with { Directory = dir };
    }
}

/// <summary>One data set of a pretraining run and what the run took from it (the table's provenance).</summary>
public sealed record PretrainSource(
    string Dataset, string Path, string Sha256, string[] Targets, string Split, int TrainCount, int ValidationCount, int TestCount,
    int? TrainSubset, string[] Elements)
{
    /// <summary>The provenance entry: which parts' labels were used (train: gradients; validation: model selection).</summary>
    public JsonObject ToJson() => new()
    {
        ["dataset"] = Dataset, ["sha256"] = Sha256,
        ["targets"] = new JsonArray(Targets.Select(t => (JsonNode)t).ToArray()),
        ["split"] = Split,
        ["parts"] = new JsonArray("train", "validation"),
        ["train_count"] = TrainCount, ["validation_count"] = ValidationCount, ["test_count_not_used"] = TestCount,
        ["train_subset"] = TrainSubset,
        ["elements"] = new JsonArray(Elements.Select(e => (JsonNode)e).ToArray()),
    };
}

/// <summary>
/// Pretraining of the CrystalTransformer front-end (<c>ct pretrain</c>, and step 1 of <c>ct reproduce</c>): loads one or
/// more data sets, trains with the shared loop, and writes the ct-UAE of the best epoch to RUN_DIR/embedding together with
/// <see cref="ProvenanceFile"/>, the record of exactly what the table saw.
/// </summary>
public static class Pretraining
{
    public const string ProvenanceFile = "provenance.json", ProvenanceFormat = "ct-uae-provenance/1";

    /// <summary>Composition mode when any data set is composition-only (structures then enter as their compositions).</summary>
    public static bool IsCompositionMode(IEnumerable<string> data) => data.Any(DataSets.IsCompositionOnly);

    /// <summary>
    /// Reads every data set with its own split and joins them: the targets of the result are <paramref name="targets"/>;
    /// a data set contributes the targets it has (the others are NaN, i.e. masked in the loss). Errors name a target no
    /// data set has and a data set that has none of the targets.
    /// </summary>
    public static (LabelledData Data, IReadOnlyList<PretrainSource> Sources) Load(IReadOnlyList<string> data, IReadOnlyList<string> targets,
        int splitSeed, int? trainSize, Action<string>? message = null)
    {
        if (data.Count == 0) throw new UsageError("--data is required (perov5, nomad2018, mp-compositions, or a file)");
        if (targets.Count == 0) throw new InputError("no targets given");
        if (data.Count > 1 && trainSize is not null) throw new UsageError("--train-size applies to one data set; with several --data it is ambiguous");
        var duplicate = data.GroupBy(DataSets.Canonical).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UsageError($"--data '{duplicate.Key}' is given more than once");
        LabelledData.CheckTrainSize(trainSize);
        bool composition = IsCompositionMode(data);

        var parts = new List<(LabelledData Part, PretrainSource Source)>();
        foreach (var name in data)
        {
            var available = DataSets.LabelNames(name);
            var own = targets.Where(available.Contains).ToArray();
            if (own.Length == 0)
                throw new InputError(data.Count == 1
                    ? $"no column or label '{targets[0]}' (labels in the data: {string.Join(", ", available.Order(StringComparer.Ordinal))})"
                    : $"--data {name} has none of the targets {string.Join(", ", targets)} (its labels: {string.Join(", ", available.Order(StringComparer.Ordinal))})",
                    DataSets.PathOf(name));
            var part = DataSets.IsCompositionOnly(name)
                ? CompositionData.Read(DataSets.PathOf(name), own, splitSeed)
                : DataSets.Load(name, own, splitSeed);
            if (trainSize is int n) part = part.WithTrainSubset(n, splitSeed);
            foreach (var line in part.MissingLabels()) message?.Invoke(data.Count == 1 ? line : $"{name}: {line}");
            parts.Add((part, SourceOf(name, part, trainSize)));
        }
        var missing = targets.Where(t => parts.All(p => !p.Part.Targets.Contains(t))).ToArray();
        if (missing.Length > 0)
            throw new InputError($"no data set has the target(s) {string.Join(", ", missing)} (data: {string.Join(", ", data)})");
        var joined = parts.Count == 1 ? parts[0].Part : LabelledData.Join(parts.Select(p => p.Part).ToArray(), targets);
        if (composition && joined.Entries.Any(e => e.Structure is not null))
            joined = joined.WithEntries(joined.Entries.Select(e => e with { Structure = null }).ToArray());
        return (joined, parts.Select(p => p.Source).ToArray());
    }

    private static PretrainSource SourceOf(string name, LabelledData part, int? trainSize)
    {
        string canonical = DataSets.Canonical(name);
        string dataset = DataSets.IsBuiltIn(canonical) ? canonical : "file:" + System.IO.Path.GetFileName(name.TrimEnd('/', '\\'));
        var seen = part.IndicesOf(Split.Train).Concat(part.IndicesOf(Split.Validation));
        var elements = seen.SelectMany(i => part.Entries[i].Composition.Elements).Distinct().OrderBy(e => e.Z).Select(e => e.Symbol).ToArray();
        return new PretrainSource(dataset, DataSets.PathOf(name), part.DataHash, part.Targets.ToArray(), part.SplitDescription,
            part.IndicesOf(Split.Train).Length, part.IndicesOf(Split.Validation).Length, part.IndicesOf(Split.Test).Length, trainSize, elements);
    }

    /// <summary>Loads the data, trains, and writes the ct-UAE and its provenance into RUN_DIR/embedding.</summary>
    public static TrainingResult Run(PretrainSpec spec, int threads, string device, bool resume, ITrainingObserver observer)
    {
        spec.Training.Validate(); // bad settings are refused before the data are read
        var (labelled, sources) = Load(spec.Data, spec.Targets, spec.SplitSeed, spec.TrainSize, observer.Message);
        if (threads > 0) set_num_threads(threads);
        manual_seed(spec.Training.Seed);
        using var model = new CrystalTransformerModel(spec.Model, spec.Targets.Length);
        var settings = new RunSettings
        {
            Directory = spec.Directory, Device = device, Threads = threads, Resume = resume,
            Description = new JsonObject
            {
                ["pretrain"] = JsonSerializer.SerializeToNode(spec, TrainingOptions.Json),
                ["sources"] = new JsonArray(sources.Select(s => (JsonNode)s.ToJson()).ToArray()),
            },
        };
        var result = Trainer.Train(model, labelled, spec.Training, settings, observer);
        string folder = Path.Combine(spec.Directory, ElementTableIO.UaeFiles.RunSubfolder);
        UaeExport.FromModelFile(Path.Combine(spec.Directory, Trainer.BestFile), folder);
        WriteProvenance(folder, sources, spec);
        return result;
    }

    /// <summary>Writes the provenance of the pretraining run in <paramref name="runDirectory"/> (its config.json) into
    /// <paramref name="folder"/>, reloading its data sets to list what it saw (for runs made before provenance was recorded).</summary>
    public static void WriteProvenance(string runDirectory, string folder)
    {
        var spec = PretrainSpec.LoadFrom(runDirectory);
        var (_, sources) = Load(spec.Data, spec.Targets, spec.SplitSeed, spec.TrainSize);
        WriteProvenance(folder, sources, spec);
    }

    /// <summary>Writes <see cref="ProvenanceFile"/>: every data set, the parts whose labels were used, counts, targets, elements.</summary>
    public static void WriteProvenance(string folder, IReadOnlyList<PretrainSource> sources, PretrainSpec spec)
    {
        var node = new JsonObject
        {
            ["format"] = ProvenanceFormat,
            ["sources"] = new JsonArray(sources.Select(s => (JsonNode)s.ToJson()).ToArray()),
            ["targets"] = new JsonArray(spec.Targets.Select(t => (JsonNode)t).ToArray()),
            ["mode"] = spec.Model.Input == TokenInput.Fraction ? "composition" : "structure",
            ["recipe"] = spec.Recipe,
            ["seed"] = spec.Training.Seed,
            ["note"] = "parts: the split parts whose labels the pretraining used (train: gradients; validation: choice of the best epoch). " +
                       "The test parts were only scored at the end.",
        };
        AtomicFile.WriteAllText(Path.Combine(folder, ProvenanceFile), node.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
    }
}

/// <summary>Reads a JSON string or array of strings as string[] (older run directories stored one data set as a string).</summary>
public sealed class OneOrManyStrings : JsonConverter<string[]>
{
    public override string[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return [reader.GetString()!];
        return JsonSerializer.Deserialize<string[]>(ref reader) ?? [];
    }

    public override void Write(Utf8JsonWriter writer, string[] value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value);
}
