using CrystalTransformer.Models;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

public enum Split { Train, Validation, Test }

/// <summary>
/// Entries with their target values (NaN = missing label) and their split. <see cref="Rows"/> are the 1-based rows or
/// frame numbers in <see cref="Source"/>, used in error messages.
/// </summary>
public sealed class LabelledData
{
    public IReadOnlyList<DataEntry> Entries { get; }
    public IReadOnlyList<string> Targets { get; }
    /// <summary>[entry][target] raw values, NaN where the label is missing.</summary>
    public double[][] Labels { get; }
    public Split[] Splits { get; }
    public int[] Rows { get; }
    public string Source { get; }
    /// <summary>sha256 of the data file(s) (hex), recorded with every run.</summary>
    public string DataHash { get; }
    /// <summary>How the split was made ("column 'split' of the file" or "random 80/10/10, seed 42").</summary>
    public string SplitDescription { get; }

    public LabelledData(IReadOnlyList<DataEntry> entries, IReadOnlyList<string> targets, double[][] labels, Split[] splits,
        int[] rows, string source, string dataHash, string splitDescription)
    {
        if (entries.Count != labels.Length || entries.Count != splits.Length || entries.Count != rows.Length)
            throw new ArgumentException("entries, labels, splits and rows differ in length");
        Entries = entries; Targets = targets; Labels = labels; Splits = splits; Rows = rows;
        Source = source; DataHash = dataHash; SplitDescription = splitDescription;
    }

    /// <summary>
    /// Keeps <paramref name="count"/> training entries chosen with a seeded shuffle (for learning curves and quick runs);
    /// validation and test entries stay, so metrics remain comparable.
    /// </summary>
    /// <summary>A training-subset size (<c>--train-size</c>) must keep at least one crystal; null keeps them all.</summary>
    public static void CheckTrainSize(int? count)
    {
        if (count < 1) throw new UsageError("--train-size must be at least 1");
    }

    public LabelledData WithTrainSubset(int count, int seed)
    {
        CheckTrainSize(count);
        var train = IndicesOf(Split.Train);
        if (count >= train.Length) return this;
        new Random(seed).Shuffle(train);
        var keep = new HashSet<int>(train.Take(count));
        var indices = Enumerable.Range(0, Entries.Count).Where(i => Splits[i] != Split.Train || keep.Contains(i)).ToArray();
        return new LabelledData(indices.Select(i => Entries[i]).ToArray(), Targets, indices.Select(i => Labels[i]).ToArray(),
            indices.Select(i => Splits[i]).ToArray(), indices.Select(i => Rows[i]).ToArray(), Source, DataHash,
            $"{SplitDescription}; training subset of {count} (System.Random seed {seed})");
    }

    /// <summary>The same data with other entries (e.g. structures reduced to their compositions); labels and split unchanged.</summary>
    public LabelledData WithEntries(IReadOnlyList<DataEntry> entries) =>
        new(entries, Targets, Labels, Splits, Rows, Source, DataHash, SplitDescription);

    /// <summary>
    /// Several data sets as one, each with its own split: the targets are <paramref name="targets"/>, and an entry has
    /// labels only for the targets of its own data set (NaN, i.e. masked, for the others). Ids are prefixed with the
    /// part's number when two parts share an id.
    /// </summary>
    public static LabelledData Join(IReadOnlyList<LabelledData> parts, IReadOnlyList<string> targets)
    {
        var entries = new List<DataEntry>();
        var labels = new List<double[]>();
        var splits = new List<Split>();
        var rows = new List<int>();
        bool clash = parts.SelectMany(p => p.Entries.Select(e => e.Id)).GroupBy(id => id).Any(g => g.Count() > 1);
        for (int k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            var column = targets.Select(t => part.Targets.ToList().IndexOf(t)).ToArray();
            for (int i = 0; i < part.Entries.Count; i++)
            {
                var entry = part.Entries[i];
                entries.Add(clash ? entry with { Id = $"{k + 1}:{entry.Id}" } : entry);
                labels.Add(column.Select(c => c < 0 ? double.NaN : part.Labels[i][c]).ToArray());
                splits.Add(part.Splits[i]);
                rows.Add(part.Rows[i]);
            }
        }
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join("|", parts.Select(p => p.DataHash)))));
        return new LabelledData(entries, targets, labels.ToArray(), splits.ToArray(), rows.ToArray(),
            string.Join(" + ", parts.Select(p => p.Source)), hash,
            string.Join("; ", parts.Select(p => $"{System.IO.Path.GetFileName(p.Source)}: {p.SplitDescription}")));
    }

    /// <summary>
    /// Refuses ids that occur more than once (the same crystal under two labels, or two crystals that predictions and
    /// reports could not tell apart), naming every repeated id and its rows in one message.
    /// </summary>
    public static void CheckUniqueIds(IReadOnlyList<string> ids, IReadOnlyList<int> rows, string source)
    {
        var repeated = Enumerable.Range(0, ids.Count).GroupBy(i => ids[i], StringComparer.Ordinal).Where(g => g.Count() > 1).ToArray();
        if (repeated.Length == 0) return;
        var shown = repeated.Take(10).Select(g => $"'{g.Key}' (rows {string.Join(", ", g.Select(i => rows[i]))})");
        throw new InputError($"{repeated.Length} id(s) occur more than once: {string.Join("; ", shown)}{(repeated.Length > 10 ? $"; … ({repeated.Length - 10} more)" : "")}", source);
    }

    /// <summary>
    /// One line per target with missing labels (NaN or empty): how many entries of each split lack it and the first of
    /// their ids. Such entries stay in the data (their other targets count) but are left out of that target's loss and
    /// metrics; callers show these lines so nothing is masked without a word.
    /// </summary>
    public IReadOnlyList<string> MissingLabels()
    {
        var lines = new List<string>();
        for (int t = 0; t < Targets.Count; t++)
        {
            var missing = Enumerable.Range(0, Entries.Count).Where(i => double.IsNaN(Labels[i][t])).ToArray();
            if (missing.Length == 0) continue;
            var perSplit = string.Join(", ", new[] { Split.Train, Split.Validation, Split.Test }
                .Select(sp => (sp, n: missing.Count(i => Splits[i] == sp))).Where(x => x.n > 0)
                .Select(x => $"{x.n} {x.sp.ToString().ToLowerInvariant()}"));
            var ids = missing.Take(5).Select(i => $"{Entries[i].Id} (row {Rows[i]})");
            lines.Add($"{missing.Length} of {Entries.Count} structures have no '{Targets[t]}' label ({perSplit}): left out of its loss and metrics; " +
                $"e.g. {string.Join(", ", ids)}{(missing.Length > 5 ? ", …" : "")}");
        }
        return lines;
    }

    public int[] IndicesOf(Split split) => Enumerable.Range(0, Entries.Count).Where(i => Splits[i] == split).ToArray();

    /// <summary>
    /// Builds labelled data from structures: the requested labels, the split from the <c>split</c> info field when every
    /// structure has one (train/val/test), else a seeded random 80/10/10 split.
    /// </summary>
    public static LabelledData FromStructures(IReadOnlyList<Structure> structures, IReadOnlyList<string> targets, string source,
        string dataHash, int splitSeed = 42)
    {
        var entries = structures.Select((s, i) => DataEntry.From(s.Id.Length > 0 ? s : s.WithId($"{i + 1}"))).ToArray();
        var labels = structures.Select(s => targets.Select(t => s.Label(t)).ToArray()).ToArray();
        var rows = Enumerable.Range(1, structures.Count).ToArray();
        CheckUniqueIds(entries.Select(e => e.Id).ToArray(), rows, source);
        for (int t = 0; t < targets.Count; t++)
            if (structures.All(s => !s.Labels.ContainsKey(targets[t])))
            {
                var known = structures.SelectMany(s => s.Labels.Keys).Distinct().OrderBy(k => k, StringComparer.Ordinal);
                throw new InputError($"no structure has the label '{targets[t]}' (labels in the file: {string.Join(", ", known)})", source);
            }
        Split[] splits;
        string how;
        if (structures.Count > 0 && structures.All(s => s.Info.ContainsKey("split")))
        {
            splits = structures.Select((s, i) => ParseSplit(s.Info["split"], source, i + 1)).ToArray();
            how = "column 'split' of the data";
        }
        else
        {
            splits = RandomSplit(structures.Count, splitSeed);
            how = $"random 80/10/10 (System.Random seed {splitSeed})";
        }
        return new LabelledData(entries, targets, labels, splits, rows, source, dataHash, how);
    }

    public static Split ParseSplit(string value, string source, int row) => value.Trim().ToLowerInvariant() switch
    {
        "train" => Split.Train,
        "val" or "valid" or "validation" => Split.Validation,
        "test" => Split.Test,
        _ => throw new InputError($"split value '{value}' is not train, val or test", source, row),
    };

    /// <summary>Shuffles 0..n−1 with a seeded generator; the first 80 % train, the next 10 % validation, the rest test.</summary>
    public static Split[] RandomSplit(int n, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        int nTrain = (int)Math.Round(0.8 * n), nVal = (int)Math.Round(0.1 * n);
        var splits = new Split[n];
        for (int k = 0; k < n; k++)
            splits[order[k]] = k < nTrain ? Split.Train : k < nTrain + nVal ? Split.Validation : Split.Test;
        return splits;
    }
}
