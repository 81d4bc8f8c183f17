using CrystalTransformer.Structures;
using MathNet.Numerics.Distributions;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>The comparable runs of one setting: same budget, data set, target, training size, back-end and mode.</summary>
public sealed record Setting(int Epochs, string Dataset, string Target, int TrainCount, bool WholeSplit, string Model, string Mode)
{
    public string SizeText => WholeSplit ? $"{TrainCount} (all)" : $"{TrainCount}";
}

/// <summary>Mean and sample standard deviation over seeds.</summary>
public sealed record Stat(double Mean, double Std, int N)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new Stat(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : double.NaN;
        return new Stat(mean, std, v.Length);
    }
}

/// <summary>One embedding in one setting: its runs and their statistics.</summary>
public sealed record Group(Setting Setting, string Embedding, IReadOnlyList<RunRecord> Runs)
{
    public Stat Mae { get; } = Stat.Of(Runs.Select(r => r.Mae));
    public Stat Rmse { get; } = Stat.Of(Runs.Select(r => r.Rmse));
    public Stat R2 { get; } = Stat.Of(Runs.Select(r => r.R2));
}

/// <summary>A paired comparison over seeds: candidate minus reference test MAE.</summary>
public sealed record Paired(string Candidate, string Reference, int N, double MeanDifference, double Relative, int Wins, double PValue)
{
    /// <summary>"helps" / "hurts" at p &lt; 0.05 (paired t-test, two-sided), else "no significant difference".</summary>
    public string Verdict => N < 2 ? "too few seeds" : double.IsNaN(PValue) ? "identical" : PValue < 0.05 ? (MeanDifference < 0 ? "helps" : "hurts") : "no significant difference";
}

/// <summary>Groups the store's runs and computes the comparisons the report shows.</summary>
public sealed class ResultTables
{
    public IReadOnlyList<RunRecord> Runs { get; }
    public IReadOnlyList<Group> Groups { get; }

    public ResultTables(IReadOnlyList<RunRecord> runs)
    {
        Runs = runs;
        Groups = runs.GroupBy(r => (SettingOf(r), r.Cell.Embedding))
            .Select(g => new Group(g.Key.Item1, g.Key.Embedding, g.OrderBy(r => r.Cell.Seed).ToArray()))
            .OrderBy(g => g.Setting.Epochs).ThenBy(g => g.Setting.Dataset, StringComparer.Ordinal).ThenBy(g => g.Setting.Target, StringComparer.Ordinal)
            .ThenBy(g => ModelOrder(g.Setting.Model)).ThenBy(g => g.Setting.TrainCount).ThenBy(g => g.Setting.Mode, StringComparer.Ordinal)
            .ThenBy(g => EmbeddingOrder(g.Embedding)).ToArray();
    }

    public static Setting SettingOf(RunRecord r) =>
        new(r.Configuration.Epochs, r.Cell.Dataset, r.Cell.Target, r.TrainCount, r.Cell.TrainSize is null, r.Cell.Model, r.Cell.Mode);

    public static int ModelOrder(string model) => Array.IndexOf(Profiles.Models, model) is var i and >= 0 ? i : 99;

    /// <summary>Baselines in the grid's order, then the ct-UAEs, then anything else.</summary>
    public static int EmbeddingOrder(string embedding)
    {
        int i = Array.IndexOf(Profiles.BaselineTables, embedding);
        if (i >= 0) return i;
        int u = Array.IndexOf(UaeCatalog.Names, embedding);
        return u >= 0 ? 100 + u : 200;
    }

    public IEnumerable<Setting> Settings => Groups.Select(g => g.Setting).Distinct();

    public IReadOnlyList<Group> In(Setting s) => Groups.Where(g => g.Setting == s).ToArray();

    /// <summary>"None" of the paper: the back-end's own table, frozen, in the same budget, data set and size.</summary>
    public Group? Reference(Setting s) =>
        Groups.FirstOrDefault(g => g.Setting == s with { Mode = GridCell.Frozen } && g.Embedding == Profiles.DefaultTable(s.Model));

    /// <summary>Relative change of the mean MAE against <see cref="Reference"/> (−0.1 = 10 % lower).</summary>
    public double RelativeToReference(Group g)
    {
        var reference = Reference(g.Setting);
        return reference is null || reference.Mae.Mean == 0 ? double.NaN : g.Mae.Mean / reference.Mae.Mean - 1;
    }

    /// <summary>Candidate vs reference over the seeds both have.</summary>
    public static Paired Compare(Group candidate, Group reference)
    {
        var refBySeed = reference.Runs.ToDictionary(r => r.Cell.Seed, r => r.Mae);
        var diffs = candidate.Runs.Where(r => refBySeed.ContainsKey(r.Cell.Seed) && !double.IsNaN(r.Mae) && !double.IsNaN(refBySeed[r.Cell.Seed]))
            .Select(r => (Diff: r.Mae - refBySeed[r.Cell.Seed], Ref: refBySeed[r.Cell.Seed])).ToArray();
        int n = diffs.Length;
        if (n == 0) return new Paired(Label(candidate), Label(reference), 0, double.NaN, double.NaN, 0, double.NaN);
        double mean = diffs.Average(d => d.Diff), refMean = diffs.Average(d => d.Ref);
        return new Paired(Label(candidate), Label(reference), n, mean, refMean == 0 ? double.NaN : mean / refMean,
            diffs.Count(d => d.Diff < 0), PairedTTest(diffs.Select(d => d.Diff).ToArray()));
    }

    public static string Label(Group g) => g.Setting.Mode == GridCell.Frozen ? g.Embedding : $"{g.Embedding} ({g.Setting.Mode})";

    /// <summary>Two-sided p-value of the paired t-test on the differences (NaN when they are all equal).</summary>
    public static double PairedTTest(IReadOnlyList<double> differences)
    {
        int n = differences.Count;
        if (n < 2) return double.NaN;
        double mean = differences.Average();
        double sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        if (sd == 0) return mean == 0 ? double.NaN : 0;
        double t = mean / (sd / Math.Sqrt(n));
        return 2 * (1 - StudentT.CDF(0, 1, n - 1, Math.Abs(t)));
    }

    /// <summary>The best (lowest mean MAE) baseline table of a setting in either mode, ct-UAEs excluded.</summary>
    public Group? BestBaseline(Setting s) =>
        Groups.Where(g => g.Setting with { Mode = s.Mode } == s && !UaeCatalog.IsUae(g.Embedding) && !double.IsNaN(g.Mae.Mean)).MinBy(g => g.Mae.Mean);

    /// <summary>Every ct-UAE group compared with "None" and with the best baseline table of its setting.</summary>
    public IReadOnlyList<(Group Uae, Paired? VsDefault, Group? Baseline, Paired? VsBaseline)> UaeComparisons()
    {
        var list = new List<(Group, Paired?, Group?, Paired?)>();
        foreach (var g in Groups.Where(g => UaeCatalog.IsUae(g.Embedding)))
        {
            var reference = Reference(g.Setting);
            var best = BestBaseline(g.Setting);
            list.Add((g, reference is null ? null : Compare(g, reference), best, best is null ? null : Compare(g, best)));
        }
        return list;
    }
}
