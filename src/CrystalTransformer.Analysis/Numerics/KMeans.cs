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
        var data = new Rows(x);
        if (k < 1 || k > data.N) throw new ArgumentException($"k = {k} must be between 1 and the number of samples ({data.N})");
        var rng = new SeededRandom(seed);
        double tolerance = tol * data.MeanVariance();
        KMeansResult? best = null;
        for (int run = 0; run < nInit; run++)
        {
            var result = Lloyd(data, PlusPlus(data, k, rng), maxIter, tolerance);
            if (best is null || result.Inertia < best.Inertia) best = result;
        }
        return best!;
    }

    /// <summary>Greedy k-means++ seeding (Arthur &amp; Vassilvitskii 2007, with scikit-learn's local trials).</summary>
    public static double[,] PlusPlus(double[,] x, int k, SeededRandom rng) => ToMatrix(PlusPlus(new Rows(x), k, rng), k, x.GetLength(1));

    /// <summary>One Lloyd run from the given centres (scikit-learn's _kmeans_single_lloyd).</summary>
    public static KMeansResult Lloyd(double[,] x, double[,] initialCenters, int maxIter = 300, double tol = 1e-4)
    {
        var data = new Rows(x);
        return Lloyd(data, new Rows(initialCenters).Values, maxIter, tol * data.MeanVariance());
    }

    /// <summary>Sum of squared distances of each sample to the centre of its label.</summary>
    public static double Inertia(double[,] x, int[] labels, double[,] centers)
    {
        var data = new Rows(x);
        var c = new Rows(centers).Values;
        double s = 0;
        for (int i = 0; i < labels.Length; i++) s += Distance2(data.Values, i, c, labels[i], data.D);
        return s;
    }

    /// <summary>Samples as one row-major array (fast inner loops).</summary>
    private sealed class Rows
    {
        public readonly double[] Values;
        public readonly int N, D;

        public Rows(double[,] x)
        {
            N = x.GetLength(0); D = x.GetLength(1);
            Values = new double[N * D];
            Buffer.BlockCopy(x, 0, Values, 0, Values.Length * sizeof(double));
        }

        public double MeanVariance()
        {
            double total = 0;
            for (int j = 0; j < D; j++)
            {
                double mean = 0, v = 0;
                for (int i = 0; i < N; i++) mean += Values[i * D + j];
                mean /= N;
                for (int i = 0; i < N; i++) { double t = Values[i * D + j] - mean; v += t * t; }
                total += v / N;
            }
            return total / D;
        }
    }

    private static double[] PlusPlus(Rows x, int k, SeededRandom rng)
    {
        int n = x.N, d = x.D;
        int trials = 2 + (int)Math.Log(k);
        var centers = new double[k * d];
        int first = rng.NextInt(n);
        Array.Copy(x.Values, first * d, centers, 0, d);
        var closest = new double[n];
        for (int i = 0; i < n; i++) closest[i] = Distance2(x.Values, i, x.Values, first, d);
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
                    candidateDist[i] = Math.Min(closest[i], Distance2(x.Values, i, x.Values, candidate, d));
                    pot += candidateDist[i];
                }
                if (pot < bestPotential)
                {
                    bestPotential = pot; bestCandidate = candidate;
                    Array.Copy(candidateDist, bestDist, n);
                }
            }
            Array.Copy(x.Values, bestCandidate * d, centers, c * d, d);
            Array.Copy(bestDist, closest, n);
            potential = bestPotential;
        }
        return centers;
    }

    private static KMeansResult Lloyd(Rows x, double[] initialCenters, int maxIter, double tolerance)
    {
        int n = x.N, d = x.D, k = initialCenters.Length / d;
        var centers = (double[])initialCenters.Clone();
        var labels = new int[n];
        var oldLabels = Enumerable.Repeat(-1, n).ToArray();
        bool strict = false;
        int iter = 0;
        for (; iter < maxIter; iter++)
        {
            Assign(x, centers, k, labels);
            var updated = UpdateCenters(x, centers, labels, k);
            double shift = 0;
            for (int i = 0; i < k * d; i++) { double t = updated[i] - centers[i]; shift += t * t; }
            centers = updated;
            if (labels.AsSpan().SequenceEqual(oldLabels)) { strict = true; iter++; break; }
            if (shift <= tolerance) { iter++; break; }
            Array.Copy(labels, oldLabels, n);
        }
        if (!strict) Assign(x, centers, k, labels);
        double inertia = 0;
        for (int i = 0; i < n; i++) inertia += Distance2(x.Values, i, centers, labels[i], d);
        return new KMeansResult(labels, ToMatrix(centers, k, d), inertia, iter);
    }

    private static void Assign(Rows x, double[] centers, int k, int[] labels)
    {
        for (int i = 0; i < x.N; i++)
        {
            int best = 0;
            double bestDist = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                double dist = Distance2(x.Values, i, centers, c, x.D);
                if (dist < bestDist) { bestDist = dist; best = c; }
            }
            labels[i] = best;
        }
    }

    private static double[] UpdateCenters(Rows x, double[] oldCenters, int[] labels, int k)
    {
        int n = x.N, d = x.D;
        var sums = new double[k * d];
        var counts = new int[k];
        for (int i = 0; i < n; i++)
        {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++) sums[labels[i] * d + j] += x.Values[i * d + j];
        }
        var empty = Enumerable.Range(0, k).Where(c => counts[c] == 0).ToList();
        if (empty.Count > 0)
        {
            // Move each empty cluster to one of the points farthest from their current centre.
            var far = Enumerable.Range(0, n).OrderByDescending(i => Distance2(x.Values, i, oldCenters, labels[i], d)).ThenBy(i => i)
                .Take(empty.Count).ToList();
            for (int e = 0; e < empty.Count; e++)
            {
                int i = far[e], from = labels[i], to = empty[e];
                if (counts[from] > 1)
                {
                    counts[from]--;
                    for (int j = 0; j < d; j++) sums[from * d + j] -= x.Values[i * d + j];
                }
                counts[to] = 1;
                Array.Copy(x.Values, i * d, sums, to * d, d);
            }
        }
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++) sums[c * d + j] /= counts[c];
        return sums;
    }

    private static double Distance2(double[] a, int i, double[] b, int j, int d)
    {
        var p = a.AsSpan(i * d, d);
        var q = b.AsSpan(j * d, d);
        double s = 0;
        for (int t = 0; t < d; t++) { double v = p[t] - q[t]; s += v * v; }
        return s;
    }

    private static double[,] ToMatrix(double[] values, int rows, int cols)
    {
        var m = new double[rows, cols];
        Buffer.BlockCopy(values, 0, m, 0, values.Length * sizeof(double));
        return m;
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
