using MathNet.Numerics.Distributions;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>
/// One seed's run of an arm of a comparison: its test MAE and, when its test predictions were stored, the absolute error
/// of every test crystal by id (for the bootstrap over crystals).
/// </summary>
public sealed record SeedRun(double Mae, IReadOnlyDictionary<string, double>? AbsoluteErrors);

/// <summary>
/// A candidate against a reference over the seeds both have. <see cref="Differences"/> are candidate − reference test MAE
/// per seed; <see cref="Relative"/> the per-seed relative differences (candidate / reference − 1; mean ± std over seeds);
/// <see cref="Better"/> the seeds on which the candidate's MAE is lower; <see cref="PValue"/> the two-sided paired
/// t-test (NaN when not testable); <see cref="BootstrapLow"/>–<see cref="BootstrapHigh"/> the 95 % interval of the mean
/// relative difference when the test crystals are resampled (NaN without predictions).
/// </summary>
public sealed record PairedResult(int[] Seeds, double[] Differences, Stat Relative, int Better, double PValue,
    double BootstrapLow, double BootstrapHigh, int BootstrapCrystals)
{
    public int N => Seeds.Length;
    public double MeanDifference => N == 0 ? double.NaN : Differences.Average();
    public bool Testable => !double.IsNaN(PValue);

    /// <summary>Why there is no p-value: fewer than two paired seeds, or the same difference on every seed.</summary>
    public string? Untestable => N < 2 ? "too few seeds" : Testable ? null : "not testable (no spread)";
}

/// <summary>
/// The report's statistics, all in one place: paired differences over seeds, the paired t-test, Holm's correction,
/// sign counts, the relative change with its spread over seeds, and a bootstrap interval over test crystals.
/// </summary>
public static class PairedStatistics
{
    /// <summary>Significance level of the verdicts, applied to Holm-adjusted p-values.</summary>
    public const double Alpha = 0.05;
    public const int BootstrapResamples = 2000;
    /// <summary>Seed of the bootstrap's generator: the same resamples every time the report is written.</summary>
    public const int BootstrapSeed = 2025;

    /// <summary>Pairs two arms by seed (seeds both have, with finite MAEs) and computes every statistic of the comparison.</summary>
    public static PairedResult Compare(IReadOnlyDictionary<int, SeedRun> candidate, IReadOnlyDictionary<int, SeedRun> reference,
        int resamples = BootstrapResamples, int seed = BootstrapSeed)
    {
        var seeds = candidate.Keys.Where(s => reference.ContainsKey(s) && double.IsFinite(candidate[s].Mae) && double.IsFinite(reference[s].Mae))
            .Order().ToArray();
        double[] c = seeds.Select(s => candidate[s].Mae).ToArray(), r = seeds.Select(s => reference[s].Mae).ToArray();
        double[] differences = c.Zip(r, (a, b) => a - b).ToArray();
        var (better, _) = SignCount(differences);
        var (low, high, crystals) = seeds.Length == 0 ? (double.NaN, double.NaN, 0) : Bootstrap(seeds.Select(s => candidate[s]).ToArray(), seeds.Select(s => reference[s]).ToArray(), resamples, seed);
        return new PairedResult(seeds, differences, RelativeChange(c, r), better, TTest(differences), low, high, crystals);
    }

    /// <summary>
    /// Two-sided p-value of the paired t-test on the differences. NaN with fewer than two differences, and NaN when they
    /// are all equal (to rounding): with no spread there is no estimate of the noise, which is not the same as certainty.
    /// </summary>
    public static double TTest(IReadOnlyList<double> differences)
    {
        int n = differences.Count;
        if (n < 2) return double.NaN;
        double mean = differences.Average();
        double sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        // Equal up to rounding (e.g. 0.9 − 1.0 three times) is equal: a spread of a few ulps is no estimate of noise.
        if (!(sd > 1e-12 * differences.Max(Math.Abs))) return double.NaN;
        double t = mean / (sd / Math.Sqrt(n));
        return 2 * (1 - StudentT.CDF(0, 1, n - 1, Math.Abs(t)));
    }

    /// <summary>
    /// Holm's step-down adjustment: with the m finite p-values sorted ascending, p(i) becomes
    /// max over j ≤ i of min(1, (m − j + 1) p(j)). NaN entries are not tests: they stay NaN and do not count in m.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        var adjusted = Enumerable.Repeat(double.NaN, pValues.Count).ToArray();
        var order = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).OrderBy(i => pValues[i]).ToArray();
        int m = order.Length;
        double running = 0;
        for (int j = 0; j < m; j++)
        {
            running = Math.Max(running, Math.Min(1, (m - j) * pValues[order[j]]));
            adjusted[order[j]] = running;
        }
        return adjusted;
    }

    /// <summary>On how many of the seeds the candidate is better (a negative difference), out of how many.</summary>
    public static (int Better, int N) SignCount(IReadOnlyList<double> differences) => (differences.Count(d => d < 0), differences.Count);

    /// <summary>Per-seed relative differences candidate / reference − 1, as mean ± std over seeds.</summary>
    public static Stat RelativeChange(IReadOnlyList<double> candidate, IReadOnlyList<double> reference) =>
        Stat.Of(candidate.Zip(reference, (c, r) => r == 0 ? double.NaN : c / r - 1));

    /// <summary>
    /// Percentile interval (2.5 %, 97.5 %) of the mean over seeds of the relative difference of MAE, the test crystals
    /// resampled with replacement. Both arms and all seeds share the test set, so each resample is applied to all of them;
    /// crystals are matched by id and only those present in every run count. NaN when a run has no stored predictions.
    /// </summary>
    public static (double Low, double High, int Crystals) Bootstrap(IReadOnlyList<SeedRun> candidate, IReadOnlyList<SeedRun> reference,
        int resamples = BootstrapResamples, int seed = BootstrapSeed)
    {
        var runs = candidate.Concat(reference).ToArray();
        if (runs.Any(r => r.AbsoluteErrors is null || r.AbsoluteErrors.Count == 0)) return (double.NaN, double.NaN, 0);
        var ids = runs[0].AbsoluteErrors!.Keys.Where(id => runs.All(r => r.AbsoluteErrors!.ContainsKey(id))).Order(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0) return (double.NaN, double.NaN, 0);
        double[][] c = candidate.Select(r => ids.Select(id => r.AbsoluteErrors![id]).ToArray()).ToArray();
        double[][] f = reference.Select(r => ids.Select(id => r.AbsoluteErrors![id]).ToArray()).ToArray();
        var (low, high) = BootstrapRelative(c, f, resamples, seed);
        return (low, high, ids.Length);
    }

    /// <summary>
    /// The bootstrap on aligned errors: <paramref name="candidateErrors"/>[s][i] and <paramref name="referenceErrors"/>[s][i]
    /// are the absolute errors of seed s on crystal i. Each resample draws as many crystals as there are, with replacement
    /// (one seeded generator), recomputes every seed's MAE of both arms on it and takes the mean over seeds of the relative
    /// differences; the interval is the 2.5th and 97.5th percentile of those means (linear interpolation).
    /// </summary>
    public static (double Low, double High) BootstrapRelative(IReadOnlyList<double[]> candidateErrors, IReadOnlyList<double[]> referenceErrors,
        int resamples = BootstrapResamples, int seed = BootstrapSeed)
    {
        int seeds = candidateErrors.Count, m = candidateErrors.Count == 0 ? 0 : candidateErrors[0].Length;
        if (seeds == 0 || m == 0 || referenceErrors.Count != seeds) return (double.NaN, double.NaN);
        var rng = new Random(seed);
        var counts = new int[m];
        var means = new List<double>(resamples);
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(counts);
            for (int k = 0; k < m; k++) counts[rng.Next(m)]++;
            double sum = 0;
            int used = 0;
            for (int s = 0; s < seeds; s++)
            {
                double c = 0, r = 0;
                for (int i = 0; i < m; i++)
                {
                    if (counts[i] == 0) continue;
                    c += counts[i] * candidateErrors[s][i];
                    r += counts[i] * referenceErrors[s][i];
                }
                if (r > 0) { sum += c / r - 1; used++; }
            }
            if (used == seeds) means.Add(sum / seeds);
        }
        if (means.Count == 0) return (double.NaN, double.NaN);
        var sorted = means.Order().ToArray();
        return (Quantile(sorted, 0.025), Quantile(sorted, 0.975));
    }

    /// <summary>Quantile of sorted values by linear interpolation between order statistics (numpy's default).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
