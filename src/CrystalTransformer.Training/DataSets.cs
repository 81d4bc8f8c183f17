using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>
/// Labelled structure data by name: the built-in sets with their fixed splits, or a user's files.
/// <list type="bullet">
/// <item><c>perov5</c>: data/perov5/perov5.csv.gz with the split of its <c>split</c> column (6,397 train / 800 val / 799 test).</item>
/// <item><c>nomad2018</c>: data/nomad2018/train.extxyz.gz (2,400 crystals) with a fixed random 80/10/10 split: the indices
/// 0..2399 in file order, shuffled with System.Random(42) (<see cref="LabelledData.RandomSplit"/>): the first 1,920 are
/// train, the next 240 validation, the last 240 test. The split never depends on any option.</item>
/// <item>Anything else is a path read with <see cref="StructureIO.Read"/>: a CGCNN folder (id_prop.csv + CIFs), an extxyz
/// file with labels, or a CSV with a CIF column; the split comes from a <c>split</c> column/info field when every
/// structure has one, else a random 80/10/10 split seeded with the split seed.</item>
/// </list>
/// <c>trainSize</c> keeps a seeded subset of the training split (System.Random(split seed)); validation and test stay whole.
/// </summary>
public static class DataSets
{
    public static readonly string Perov5 = BuiltInDataSets.Perov5.Name, Nomad2018 = BuiltInDataSets.Nomad2018.Name, MpCompositions = BuiltInDataSets.MpCompositions.Name;
    /// <summary>Built-in structure data sets (what <c>ct train</c> accepts by name).</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = BuiltInDataSets.All.Where(d => !d.CompositionOnly).Select(d => d.Name).ToArray();
    /// <summary>Every built-in data set, including the composition-only Materials Project set (pretraining only).</summary>
    public static readonly IReadOnlyList<string> AllBuiltInNames = BuiltInDataSets.All.Select(d => d.Name).ToArray();

    /// <summary>Seed of the fixed NOMAD-2018 split.</summary>
    public static readonly int NomadSplitSeed = BuiltInDataSets.Nomad2018.SplitSeed!.Value;

    /// <summary>The file (or folder) behind a data name.</summary>
    public static string PathOf(string data) => BuiltInDataSets.Find(data)?.Path ?? data;

    /// <summary>The canonical name of a built-in set (by <see cref="BuiltInDataSets"/>' names and aliases), else the text unchanged.</summary>
    public static string Canonical(string data) => BuiltInDataSets.Find(data)?.Name ?? data;

    public static bool IsBuiltIn(string data) => BuiltInDataSets.Find(data) is not null;

    /// <summary>True for the MP compositions and for a CSV whose header has a composition (or formula) column and no cif column.</summary>
    public static bool IsCompositionOnly(string data)
    {
        if (BuiltInDataSets.Find(data) is { } builtIn) return builtIn.CompositionOnly;
        string path = PathOf(data);
        if (!File.Exists(path) || !(path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)))
            return false;
        var header = CompositionData.Header(path).Select(h => h.ToLowerInvariant()).ToArray();
        return (header.Contains("composition") || header.Contains("formula")) && !header.Contains("cif");
    }

    /// <summary>The label names a data set offers (numeric columns of a composition CSV, labels of the structures).</summary>
    public static IReadOnlySet<string> LabelNames(string data)
    {
        string path = PathOf(data);
        if (!File.Exists(path) && !Directory.Exists(path)) throw new InputError($"no data set or file '{data}' (built-in: {string.Join(", ", AllBuiltInNames)})");
        if (IsCompositionOnly(data)) return CompositionData.LabelColumns(path);
        return StructureIO.Read(path).SelectMany(s => s.Labels.Keys).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Reads the data and its split (see the class summary).</summary>
    public static LabelledData Load(string data, IReadOnlyList<string> targets, int splitSeed = 42, int? trainSize = null,
        ReadOptions? read = null)
    {
        if (targets.Count == 0) throw new InputError("no targets given");
        LabelledData.CheckTrainSize(trainSize);
        if (BuiltInDataSets.Find(data) is { CompositionOnly: true } compositions)
            throw new InputError($"{compositions.Name} holds compositions only (no structures): use it with ct pretrain, or a composition-mode transformer via --init-from");
        string path = PathOf(data);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InputError($"no data set or file '{data}' (built-in: {string.Join(", ", BuiltInNames)}; or a CGCNN folder, an extxyz file with labels, a CSV with a cif column, pymatgen JSON, an ASE .db)");
        var structures = StructureIO.Read(path, read);
        if (structures.Count == 0) throw new InputError("no structures", path);
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : [path];
        string hash = RunEnvironment.HashFiles(files);
        var labelled = BuiltInDataSets.Find(data) is { Split: SplitRule.FixedRandom } fixedSplit
            ? WithoutSplitInfo(fixedSplit, structures, targets, path, hash)
            : LabelledData.FromStructures(structures, targets, path, hash, splitSeed);
        return trainSize is int n ? labelled.WithTrainSubset(n, splitSeed) : labelled;
    }

    private static LabelledData WithoutSplitInfo(BuiltInDataSet set, IReadOnlyList<Structure> structures, IReadOnlyList<string> targets, string path, string hash)
    {
        int seed = set.SplitSeed!.Value;
        var plain = structures.Select(s => s.Info.ContainsKey("split") ? s.WithInfo(s.Info.Where(kv => kv.Key != "split").ToDictionary()) : s).ToArray();
        var labelled = LabelledData.FromStructures(plain, targets, path, hash, seed);
        return new LabelledData(labelled.Entries, labelled.Targets, labelled.Labels, labelled.Splits, labelled.Rows, labelled.Source,
            labelled.DataHash, $"{set.Name} fixed split: random 80/10/10 of the file order (System.Random seed {seed})");
    }
}
