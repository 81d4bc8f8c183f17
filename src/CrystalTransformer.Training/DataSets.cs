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
    public const string Perov5 = "perov5", Nomad2018 = "nomad2018", MpCompositions = "mp-compositions";
    /// <summary>Built-in structure data sets (what <c>ct train</c> accepts by name).</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = [Perov5, Nomad2018];
    /// <summary>Every built-in data set, including the composition-only Materials Project set (pretraining only).</summary>
    public static readonly IReadOnlyList<string> AllBuiltInNames = [Perov5, Nomad2018, MpCompositions];

    /// <summary>Seed of the fixed NOMAD-2018 split.</summary>
    public const int NomadSplitSeed = 42;

    /// <summary>The file (or folder) behind a data name.</summary>
    public static string PathOf(string data) => Canonical(data) switch
    {
        Perov5 => BuiltInData.PathOf("perov5", "perov5.csv.gz"),
        Nomad2018 => BuiltInData.PathOf("nomad2018", "train.extxyz.gz"),
        MpCompositions => BuiltInData.PathOf("mp_compositions", "mp_formation_bandgap.csv.gz"),
        _ => data,
    };

    /// <summary>The canonical name of a built-in set (aliases: perov_5; nomad, nomad-2018; mp_compositions, mp), else the text unchanged.</summary>
    public static string Canonical(string data) => data.Trim().ToLowerInvariant() switch
    {
        "perov5" or "perov_5" => Perov5,
        "nomad2018" or "nomad" or "nomad-2018" => Nomad2018,
        "mp-compositions" or "mp_compositions" or "mp" => MpCompositions,
        _ => data,
    };

    public static bool IsBuiltIn(string data) => AllBuiltInNames.Contains(Canonical(data));

    /// <summary>True for the MP compositions and for a CSV whose header has a composition (or formula) column and no cif column.</summary>
    public static bool IsCompositionOnly(string data)
    {
        if (Canonical(data) == MpCompositions) return true;
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
        if (Canonical(data) == MpCompositions)
            throw new InputError("mp-compositions holds compositions only (no structures): use it with ct pretrain, or a composition-mode transformer via --init-from");
        string path = PathOf(data);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InputError($"no data set or file '{data}' (built-in: {string.Join(", ", BuiltInNames)}; or a CGCNN folder, an extxyz file with labels, a CSV with a cif column, pymatgen JSON, an ASE .db)");
        var structures = StructureIO.Read(path, read);
        if (structures.Count == 0) throw new InputError("no structures", path);
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : [path];
        string hash = RunEnvironment.HashFiles(files);
        var canonical = Canonical(data);
        var labelled = canonical == Nomad2018
            ? WithoutSplitInfo(structures, targets, path, hash)
            : LabelledData.FromStructures(structures, targets, path, hash, splitSeed);
        return trainSize is int n ? labelled.WithTrainSubset(n, splitSeed) : labelled;
    }

    private static LabelledData WithoutSplitInfo(IReadOnlyList<Structure> structures, IReadOnlyList<string> targets, string path, string hash)
    {
        var plain = structures.Select(s => s.Info.ContainsKey("split") ? s.WithInfo(s.Info.Where(kv => kv.Key != "split").ToDictionary()) : s).ToArray();
        var labelled = LabelledData.FromStructures(plain, targets, path, hash, NomadSplitSeed);
        return new LabelledData(labelled.Entries, labelled.Targets, labelled.Labels, labelled.Splits, labelled.Rows, labelled.Source,
            labelled.DataHash, $"nomad2018 fixed split: random 80/10/10 of the file order (System.Random seed {NomadSplitSeed})");
    }
}
