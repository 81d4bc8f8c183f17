using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis.Numerics;

public sealed record KMeansResult(int[] Labels, double[,] Centers, double Inertia, int Iterations);

/// <summary>
/// k-means as scikit-learn's KMeans (algorithm "lloyd"): greedy k-means++ seeding with 2 + ⌊ln k⌋ candidate trials,
/// Lloyd iterations until the labels stop changing or the total squared centre shift falls below tol × the mean feature
/// variance, empty clusters moved to the points farthest from their centres, the best of <c>nInit</c> runs by inertia
/// (sum of squared distances to the nearest centre).
/// </summary>
public static class KMeans
{
    public static KMeansResult Fit(double[,] x, int k, int seed, int nInit = 10, int maxIter = 300, double tol = 1e-4)
    {
        int n = x.GetLength(0);
        if (k < 1 || k > n) throw new ArgumentException($"k = {k} must be between 1 and the number of samples ({n})");
        var rng = new SeededRandom(seed);
        KMeansResult? best = null;
        for (int run = 0; run < nInit; run++)
        {
            var result = Lloyd(x, PlusPlus(x, k, rng), maxIter, tol);
            if (best is null || result.Inertia < best.Inertia) best = result;
        }
        return best!;
    }

    /// <summary>Greedy k-means++ seeding (Arthur &amp; Vassilvitskii 2007, with scikit-learn's local trials).</summary>
    public static double[,] PlusPlus(double[,] x, int k, SeededRandom rng)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        int trials = 2 + (int)Math.Log(k);
        var centers = new double[k, d];
        int first = rng.NextInt(n);
        CopyRow(x, first, centers, 0);
        var closest = new double[n];
        for (int i = 0; i < n; i++) closest[i] = SquaredDistance(x, i, x, first);
        double potential = closest.Sum();
        var candidateDist = new double[n];
        var bestDist = new double[n];
        for (int c = 1; c < k; c++)
        {
            int bestCandidate = -1;
            double bestPotential = double.PositiveInfinity;
            for (int t = 0; t < trials; t++)
            {
                double target = rng.NextDouble() * potential, cumulative = 0;
                int candidate = n - 1;
                for (int i = 0; i < n; i++)
                {
                    cumulative += closest[i];
                    if (cumulative > target) { candidate = i; break; }
                }
                double pot = 0;
                for (int i = 0; i < n; i++)
                {
                    candidateDist[i] = Math.Min(closest[i], SquaredDistance(x, i, x, candidate));
                    pot += candidateDist[i];
                }
                if (pot < bestPotential)
                {
                    bestPotential = pot; bestCandidate = candidate;
                    Array.Copy(candidateDist, bestDist, n);
                }
            }
            CopyRow(x, bestCandidate, centers, c);
            Array.Copy(bestDist, closest, n);
            potential = bestPotential;
        }
        return centers;
    }

    /// <summary>One Lloyd run from the given centres (scikit-learn's _kmeans_single_lloyd).</summary>
    public static KMeansResult Lloyd(double[,] x, double[,] initialCenters, int maxIter = 300, double tol = 1e-4)
    {
        int n = x.GetLength(0), d = x.GetLength(1), k = initialCenters.GetLength(0);
        double tolerance = tol * Variances(x).Average();
        var centers = (double[,])initialCenters.Clone();
        var labels = new int[n];
        var oldLabels = Enumerable.Repeat(-1, n).ToArray();
        bool strict = false;
        int iter = 0;
        for (; iter < maxIter; iter++)
        {
            Assign(x, centers, labels);
            var updated = UpdateCenters(x, centers, labels, k);
            double shift = 0;
            for (int c = 0; c < k; c++)
                for (int j = 0; j < d; j++) { double t = updated[c, j] - centers[c, j]; shift += t * t; }
            centers = updated;
            if (labels.AsSpan().SequenceEqual(oldLabels)) { strict = true; iter++; break; }
            if (shift <= tolerance) { iter++; break; }
            Array.Copy(labels, oldLabels, n);
        }
        if (!strict) Assign(x, centers, labels);
        double inertia = 0;
        for (int i = 0; i < n; i++) inertia += SquaredDistance(x, i, centers, labels[i]);
        return new KMeansResult(labels, centers, inertia, iter);
    }

    /// <summary>Sum of squared distances of each sample to the centre of its label.</summary>
    public static double Inertia(double[,] x, int[] labels, double[,] centers)
    {
        double s = 0;
        for (int i = 0; i < labels.Length; i++) s += SquaredDistance(x, i, centers, labels[i]);
        return s;
    }

    private static double[] Variances(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = Matrices.ColumnMeans(x);
        var v = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) { double t = x[i, j] - mean[j]; v[j] += t * t / n; }
        return v;
    }

    private static void Assign(double[,] x, double[,] centers, int[] labels)
    {
        int n = x.GetLength(0), k = centers.GetLength(0);
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            double bestDist = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                double dist = SquaredDistance(x, i, centers, c);
                if (dist < bestDist) { bestDist = dist; best = c; }
            }
            labels[i] = best;
        }
    }

    private static double[,] UpdateCenters(double[,] x, double[,] oldCenters, int[] labels, int k)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var sums = new double[k, d];
        var counts = new int[k];
        for (int i = 0; i < n; i++)
        {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++) sums[labels[i], j] += x[i, j];
        }
        var empty = Enumerable.Range(0, k).Where(c => counts[c] == 0).ToList();
        if (empty.Count > 0)
        {
            // Move each empty cluster to one of the points farthest from their current centre.
            var far = Enumerable.Range(0, n).OrderByDescending(i => SquaredDistance(x, i, oldCenters, labels[i])).ThenBy(i => i)
                .Take(empty.Count).ToList();
            for (int e = 0; e < empty.Count; e++)
            {
                int i = far[e], from = labels[i], to = empty[e];
                if (counts[from] > 1)
                {
                    counts[from]--;
                    for (int j = 0; j < d; j++) sums[from, j] -= x[i, j];
                }
                counts[to] = 1;
                for (int j = 0; j < d; j++) sums[to, j] = x[i, j];
            }
        }
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++) sums[c, j] /= counts[c];
        return sums;
    }

    internal static double SquaredDistance(double[,] a, int i, double[,] b, int j)
    {
        int d = a.GetLength(1);
        double s = 0;
        for (int t = 0; t < d; t++) { double v = a[i, t] - b[j, t]; s += v * v; }
        return s;
    }

    private static void CopyRow(double[,] from, int i, double[,] to, int j)
    {
        for (int t = 0; t < from.GetLength(1); t++) to[j, t] = from[i, t];
    }
}

/// <summary>Mean silhouette coefficient (Rousseeuw 1987) as scikit-learn's silhouette_score: samples alone in their cluster score 0.</summary>
public static class Silhouette
{
    public static double Score(double[,] x, int[] labels) => Samples(Matrices.Distances(x), labels).Average();

    public static double ScoreFromDistances(double[,] distances, int[] labels) => Samples(distances, labels).Average();

    public static double[] Samples(double[,] distances, int[] labels)
    {
        int n = labels.Length;
        int k = labels.Max() + 1;
        var sizes = new int[k];
        foreach (int l in labels) sizes[l]++;
        if (sizes.Count(s => s > 0) < 2 || sizes.Count(s => s > 0) > n - 1)
            throw new ArgumentException("silhouette needs between 2 and n − 1 clusters");
        var s = new double[n];
        var sum = new double[k];
        for (int i = 0; i < n; i++)
        {
            Array.Clear(sum);
            for (int j = 0; j < n; j++) sum[labels[j]] += distances[i, j];
            int own = labels[i];
            if (sizes[own] <= 1) { s[i] = 0; continue; }
            double a = sum[own] / (sizes[own] - 1);
            double b = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
                if (c != own && sizes[c] > 0) b = Math.Min(b, sum[c] / sizes[c]);
            double m = Math.Max(a, b);
            s[i] = m > 0 ? (b - a) / m : 0;
        }
        return s;
    }
}
