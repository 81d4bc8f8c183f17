using CrystalTransformer.Analysis.Numerics;

namespace CrystalTransformer.Analysis;

/// <summary>SSE and silhouette of one k-means run.</summary>
public sealed record ClusterScanRow(int K, int Seed, double Sse, double Silhouette);

/// <summary>The scan over k and seeds, the k it chooses and the final clustering.</summary>
public sealed record ClusterChoice(
    IReadOnlyList<ClusterScanRow> Rows,
    /// <summary>k with the highest silhouette averaged over the seeds (the choice, unless forced).</summary>
    int SilhouetteK,
    /// <summary>Elbow of the mean SSE curve: the k farthest below the chord from the first to the last k.</summary>
    int ElbowK,
    int ChosenK,
    bool Forced,
    /// <summary>Cluster of each sample, numbered 1.. in order of the first sample (lowest Z) in each cluster.</summary>
    int[] Labels)
{
    /// <summary>The silhouette at the chosen k, averaged over the seeds (NaN when the scan did not run that k).</summary>
    public double MeanSilhouette => Rows.Where(r => r.K == ChosenK).Select(r => r.Silhouette).DefaultIfEmpty(double.NaN).Average();
}

/// <summary>
/// Chooses the number of k-means clusters as the paper did: for k = kMin..kMax and several seeds, k-means (k-means++,
/// 10 restarts) gives SSE and mean silhouette; the k with the best silhouette averaged over the seeds is chosen and the
/// elbow of the SSE curve reported next to it.
/// </summary>
public static class ClusterScan
{
    public static ClusterChoice Run(double[,] x, int kMin = 2, int kMax = 10, int seeds = 5, int? forcedK = null, int restarts = 10)
    {
        int n = x.GetLength(0);
        kMax = Math.Min(kMax, n - 1);
        if (kMax < kMin) throw new ArgumentException($"too few samples ({n}) to scan k from {kMin}");
        var distances = Matrices.Distances(x);
        var rows = new List<ClusterScanRow>();
        for (int k = kMin; k <= kMax; k++)
            for (int seed = 0; seed < seeds; seed++)
            {
                var r = KMeans.Fit(x, k, seed, restarts);
                rows.Add(new ClusterScanRow(k, seed, r.Inertia, Silhouette.ScoreFromDistances(distances, r.Labels)));
            }
        var ks = Enumerable.Range(kMin, kMax - kMin + 1).ToArray();
        var meanSil = ks.Select(k => rows.Where(r => r.K == k).Average(r => r.Silhouette)).ToArray();
        var meanSse = ks.Select(k => rows.Where(r => r.K == k).Average(r => r.Sse)).ToArray();
        int silK = ks[Array.IndexOf(meanSil, meanSil.Max())];
        int elbowK = Elbow(ks, meanSse);
        int chosen = forcedK is int f ? Math.Clamp(f, 1, n) : silK;
        var labels = chosen == 1 ? new int[n] : KMeans.Fit(x, chosen, seed: 0, restarts).Labels;
        return new ClusterChoice(rows, silK, elbowK, chosen, forcedK is not null, Canonical(labels));
    }

    /// <summary>The point of a decreasing curve farthest below the straight line from its first to its last point (after scaling both axes to [0, 1]).</summary>
    public static int Elbow(IReadOnlyList<int> ks, IReadOnlyList<double> sse)
    {
        if (ks.Count < 3) return ks[0];
        double x0 = ks[0], x1 = ks[^1], y0 = sse[0], y1 = sse[^1];
        double yRange = Math.Abs(y0 - y1) > 0 ? y0 - y1 : 1;
        int best = ks[0];
        double bestGap = double.NegativeInfinity;
        for (int i = 0; i < ks.Count; i++)
        {
            double xn = (ks[i] - x0) / (x1 - x0), yn = (sse[i] - y1) / yRange;
            double gap = (1 - xn) - yn;   // chord from (0, 1) to (1, 0): y = 1 − x
            if (gap > bestGap) { bestGap = gap; best = ks[i]; }
        }
        return best;
    }

    /// <summary>Renumbers clusters 1.. in order of their first member, so that labels do not depend on k-means' internal order.</summary>
    public static int[] Canonical(int[] labels)
    {
        var map = new Dictionary<int, int>();
        var result = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (!map.TryGetValue(labels[i], out int c)) map[labels[i]] = c = map.Count + 1;
            result[i] = c;
        }
        return result;
    }
}
