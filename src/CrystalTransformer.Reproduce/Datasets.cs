using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// A data set ready for the cell runner: <see cref="Spec"/> is what the runner resolves (a built-in name or a file),
/// <see cref="Identity"/> enters the configuration hash, <see cref="Notes"/> go into the report.
/// </summary>
public sealed record PreparedData(string Name, string Spec, string Identity, JsonObject Notes);

/// <summary>Resolves the grid's data set names; derives the out-of-distribution perov5 set on first use.</summary>
public sealed class DatasetCatalog(string workDirectory)
{
    private readonly Dictionary<string, PreparedData> _prepared = new(StringComparer.Ordinal);

    public PreparedData Get(string dataset)
    {
        if (_prepared.TryGetValue(dataset, out var p)) return p;
        p = dataset == Profiles.Perov5Ood
            ? OodPerov5.Prepare(BuiltInDataSets.Perov5.Path, Path.Combine(workDirectory, "data"))
            : BuiltInDataSets.Find(dataset) is { CompositionOnly: false } set && set.Name == dataset
                ? BuiltIn(set)
                : throw new InputError($"unknown data set '{dataset}' (known: {string.Join(", ", BuiltInDataSets.All.Where(d => !d.CompositionOnly).Select(d => d.Name))}, {Profiles.Perov5Ood})");
        _prepared[dataset] = p;
        return p;
    }

    private static PreparedData BuiltIn(BuiltInDataSet set)
    {
        string name = set.Name, path = set.Path;
        if (!File.Exists(path)) throw new InputError($"built-in data set '{name}' is missing", path);
        string hash = RunEnvironment.HashFiles([path]);
        return new PreparedData(name, name, $"{name}:sha256={hash}", new JsonObject { ["file"] = path, ["sha256"] = hash });
    }
}

/// <summary>
/// The out-of-distribution test on perov5: <see cref="HeldOutCount"/> B-site elements are drawn with a fixed seed; every
/// crystal containing one of them (on any site) leaves the training and validation parts, and those of the original
/// test split form the test set. Crystals with held-out elements from the original training and validation splits are
/// dropped rather than tested, because the perov5 ct-UAEs were pretrained on the training split's labels (and picked by
/// the validation split): testing on them would leak labels into the comparison.
/// <para>The B site is the second element of the source's formula column (the CMR naming A B anions, e.g. KSbO2N:
/// A = K, B = Sb).</para>
/// </summary>
public static class OodPerov5
{
    public const int Seed = 2025, HeldOutCount = 6;
    public const string FileName = "perov5-ood.csv.gz";

    /// <summary>Key of the notes that maps each test crystal's id to the held-out elements it contains.</summary>
    public const string TestHeldOutKey = "test_held_out";

    /// <summary>
    /// Test crystal id → the held-out elements it contains, from the data set's notes (older notes lack the map: then
    /// from the derived file when it is still there); empty when neither is available.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> TestHeldOutElements(JsonNode? notes)
    {
        if (notes?[TestHeldOutKey] is JsonObject map)
            return map.ToDictionary(kv => kv.Key, kv => (kv.Value as JsonArray ?? []).Select(x => (string)x!).ToArray(), StringComparer.Ordinal);
        var held = (notes?["held_out"] as JsonArray)?.Select(x => (string)x!).ToHashSet(StringComparer.Ordinal);
        if (held is null || (string?)notes?["file"] is not { } file || !File.Exists(file)) return new Dictionary<string, string[]>();
        var table = CsvTable.ReadFile(file);
        int id = table.Column("id"), formula = table.Column("formula"), split = table.Column("split");
        return table.Rows.Where(r => r.Fields[split].Trim() == "test")
            .ToDictionary(r => r.Fields[id].Trim(), r => Elements(r.Fields[formula]).Where(held.Contains).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
    }

    private static readonly Regex ElementToken = new("([A-Z][a-z]?)[0-9.]*", RegexOptions.CultureInvariant);

    /// <summary>The B-site element of a formula written A B anions.</summary>
    public static string BSite(string formula, string source, int line)
    {
        var symbols = ElementToken.Matches(formula).Select(m => m.Groups[1].Value).ToArray();
        if (symbols.Length < 2 || !PeriodicTable.TryGet(symbols[1], out _))
            throw new InputError($"formula '{formula}' does not name an A and a B element", source, line);
        return symbols[1];
    }

    public static IReadOnlyList<string> Elements(string formula) =>
        ElementToken.Matches(formula).Select(m => m.Groups[1].Value).Distinct().ToArray();

    /// <summary>Draws the held-out elements: the sorted list of B-site elements shuffled with <see cref="Seed"/>.</summary>
    public static string[] ChooseHeldOut(IEnumerable<string> bSiteElements, int seed = Seed, int count = HeldOutCount)
    {
        var candidates = bSiteElements.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (candidates.Length <= count) throw new InputError($"only {candidates.Length} B-site elements; cannot hold out {count}");
        new Random(seed).Shuffle(candidates);
        return candidates.Take(count).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Writes the derived CSV (same columns, new split values) to <paramref name="folder"/> and describes it.</summary>
    public static PreparedData Prepare(string perov5Path, string folder)
    {
        var table = CsvTable.ReadFile(perov5Path);
        int formulaCol = table.Column("formula"), splitCol = table.Column("split");
        var heldOut = ChooseHeldOut(table.Rows.Select(r => BSite(r.Fields[formulaCol], perov5Path, r.Line)));
        var held = new HashSet<string>(heldOut, StringComparer.Ordinal);
        int train = 0, val = 0, test = 0, dropped = 0;
        int idCol = table.Header.ToList().FindIndex(h => h.Equals("id", StringComparison.OrdinalIgnoreCase));
        var testHeldOut = new JsonObject();
        var rows = new List<string[]>();
        foreach (var r in table.Rows)
        {
            string split = r.Fields[splitCol].Trim();
            bool isHeld = Elements(r.Fields[formulaCol]).Any(held.Contains);
            string? newSplit = (isHeld, split) switch
            {
                (false, "train") => "train",
                (false, "val") => "val",
                (true, "test") => "test",
                (false, "test") or (true, _) => null,
                _ => throw new InputError($"split value '{split}' is not train, val or test", perov5Path, r.Line),
            };
            if (newSplit is null) { dropped++; continue; }
            if (newSplit == "train") train++; else if (newSplit == "val") val++; else test++;
            if (newSplit == "test" && idCol >= 0)
                testHeldOut[r.Fields[idCol].Trim()] = new JsonArray(Elements(r.Fields[formulaCol]).Where(held.Contains).Order(StringComparer.Ordinal).Select(e => (JsonNode)e).ToArray());
            var fields = (string[])r.Fields.Clone();
            fields[splitCol] = newSplit;
            rows.Add(fields);
        }
        string path = Path.Combine(folder, FileName);
        string sourceHash = RunEnvironment.HashFiles([perov5Path]);
        string identity = string.Create(CultureInfo.InvariantCulture,
            $"{Profiles.Perov5Ood}:source_sha256={sourceHash};seed={Seed};held_out={string.Join("+", heldOut)}");
        // Written once per identity: the file's bytes (and so the runs' data hash) stay the same across resumed runs.
        string stamp = Path.Combine(folder, FileName + ".identity");
        if (!File.Exists(path) || !File.Exists(stamp) || File.ReadAllText(stamp) != identity)
        {
            CsvWriter.Write(path, table.Header, rows);
            TextFiles.WriteAllTextAtomic(stamp, identity);
        }
        var notes = new JsonObject
        {
            ["file"] = path, ["source"] = perov5Path, ["source_sha256"] = sourceHash, ["seed"] = Seed,
            ["held_out"] = new JsonArray(heldOut.Select(e => (JsonNode)e).ToArray()),
            ["train"] = train, ["validation"] = val, ["test"] = test, ["dropped"] = dropped,
            [TestHeldOutKey] = testHeldOut,
        };
        return new PreparedData(Profiles.Perov5Ood, path, identity, notes);
    }
}
