using CrystalTransformer.Structures;
using MathNet.Numerics.LinearAlgebra;

namespace CrystalTransformer.Analysis.Numerics;

public enum UmapInit { Spectral, Pca }

/// <summary>UMAP settings; the defaults are umap-learn's.</summary>
public sealed record UmapOptions
{
    public int Neighbors { get; init; } = 15;
    public int Components { get; init; } = 2;
    public double MinDist { get; init; } = 0.1;
    public double Spread { get; init; } = 1.0;
    /// <summary>Optimisation epochs; null = umap-learn's default (500 up to 10,000 samples, else 200).</summary>
    public int? Epochs { get; init; }
    public double LearningRate { get; init; } = 1.0;
    public int NegativeSampleRate { get; init; } = 5;
    public double RepulsionStrength { get; init; } = 1.0;
    public UmapInit Init { get; init; } = UmapInit.Spectral;
    public int Seed { get; init; }
    /// <summary>Largest sample count for the dense spectral initialisation; above it PCA initialisation is used.</summary>
    public int SpectralDenseLimit { get; init; } = 2500;
}

/// <summary>What a UMAP run did besides the map (for reports and tests).</summary>
public sealed record UmapResult(double[,] Embedding, UmapInit InitUsed, int Epochs, int Edges, double A, double B, int GraphComponents);

/// <summary>
/// UMAP (McInnes, Healy &amp; Melville 2018) following umap-learn step by step, Euclidean metric:
/// exact k-nearest neighbours (each sample counts as its own first neighbour, as umap-learn's exact path for small data);
/// smooth kNN distances (ρ = distance to the nearest other sample, σ by binary search so that
/// Σ exp(−max(0, d − ρ)/σ) = log2 k, 64 steps, tolerance 1e-5, σ ≥ 1e-3 × the mean neighbour distance);
/// fuzzy union P = A + Aᵀ − A∘Aᵀ; edges below max/n_epochs dropped; spectral initialisation from the eigenvectors of the
/// normalised Laplacian (PCA initialisation when the graph is disconnected or large), scaled to ±10 with N(0, 1e-4) noise
/// and then to [0, 10]; SGD with edge sampling proportional to weight, 5 negative samples per positive one, gradients
/// clipped to ±4 and a linearly decaying learning rate; a and b fitted to the min_dist curve by least squares.
/// Sequential and seeded: the same input and seed give the same map bit for bit.
/// </summary>
public static class Umap
{
    private const double SmoothKTolerance = 1e-5;
    private const double MinKDistScale = 1e-3;

    public static double[,] Embed(double[,] x, UmapOptions? options = null) => Run(x, options).Embedding;

    public static UmapResult Run(double[,] x, UmapOptions? options = null)
    {
        var o = options ?? new UmapOptions();
        int n = x.GetLength(0), dim = o.Components;
        if (n < 3) throw new ArgumentException("UMAP needs at least three samples");
        int k = Math.Min(o.Neighbors, n - 1);
        int epochs = o.Epochs ?? (n <= 10000 ? 500 : 200);
        var rng = new SeededRandom(o.Seed);

        var (knnIndex, knnDist) = NearestNeighbours(x, k);
        var (sigma, rho) = SmoothKnnDistances(knnDist, k);
        var graph = FuzzySimplicialSet(knnIndex, knnDist, sigma, rho, n);
        double maxWeight = graph.Max(e => e.Weight);
        graph = graph.Where(e => e.Weight >= maxWeight / epochs).ToList();

        int components = ConnectedComponents(graph, n);
        var init = o.Init;
        if (init == UmapInit.Spectral && (components > 1 || n > o.SpectralDenseLimit || n <= dim + 1)) init = UmapInit.Pca;
        double[] embedding = init == UmapInit.Spectral ? SpectralLayout(graph, n, dim) : PcaLayout(x, dim);
        NoisyScale(embedding, rng);
        ScaleToBox(embedding, n, dim);

        var (a, b) = FindAbParams(o.Spread, o.MinDist);
        Optimize(embedding, graph, n, dim, epochs, a, b, o, rng);

        var result = new double[n, dim];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < dim; c++) result[i, c] = embedding[i * dim + c];
        return new UmapResult(result, init, epochs, graph.Count, a, b, components);
    }

    // ---------------------------------------------------------------- neighbour graph

    /// <summary>
    /// Exact k nearest neighbours of every row, the row itself first (distance 0), ties by index. Rows are processed in
    /// parallel with a bounded selection, so time is O(n² d) and memory O(n k).
    /// </summary>
    public static (int[,] Index, double[,] Distance) NearestNeighbours(double[,] x, int k)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var index = new int[n, k];
        var dist = new double[n, k];
        Parallel.For(0, n, () => (new double[n], new int[n]), (i, _, buffers) =>
        {
            var (dd, order) = buffers;
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int t = 0; t < d; t++) { double v = x[i, t] - x[j, t]; s += v * v; }
                dd[j] = j == i ? -1 : s;   // self sorts first
                order[j] = j;
            }
            var selected = SelectSmallest(dd, order, k);
            for (int r = 0; r < k; r++)
            {
                index[i, r] = selected[r];
                dist[i, r] = selected[r] == i ? 0 : Math.Sqrt(dd[selected[r]]);
            }
            return buffers;
        }, _ => { });
        return (index, dist);
    }

    private static int[] SelectSmallest(double[] key, int[] order, int k)
    {
        // Max-heap of the k best (key, index) pairs.
        var heap = new int[k];
        int size = 0;
        bool Worse(int p, int q) => key[p] > key[q] || (key[p] == key[q] && p > q);
        foreach (int j in order)
        {
            if (size < k)
            {
                int c = size++;
                heap[c] = j;
                while (c > 0) { int p = (c - 1) / 2; if (!Worse(heap[c], heap[p])) break; (heap[c], heap[p]) = (heap[p], heap[c]); c = p; }
            }
            else if (Worse(heap[0], j))
            {
                heap[0] = j;
                int c = 0;
                while (true)
                {
                    int l = 2 * c + 1, r = l + 1, m = c;
                    if (l < k && Worse(heap[l], heap[m])) m = l;
                    if (r < k && Worse(heap[r], heap[m])) m = r;
                    if (m == c) break;
                    (heap[c], heap[m]) = (heap[m], heap[c]); c = m;
                }
            }
        }
        var result = heap.Take(size).ToArray();
        Array.Sort(result, (p, q) => key[p] != key[q] ? key[p].CompareTo(key[q]) : p.CompareTo(q));
        return result;
    }

    /// <summary>umap-learn's smooth_knn_dist with local_connectivity 1 and bandwidth 1.</summary>
    public static (double[] Sigma, double[] Rho) SmoothKnnDistances(double[,] knnDist, int k, int iterations = 64)
    {
        int n = knnDist.GetLength(0), cols = knnDist.GetLength(1);
        double target = Math.Log2(k);
        var sigma = new double[n];
        var rho = new double[n];
        double meanAll = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < cols; j++) meanAll += knnDist[i, j];
        meanAll /= n * cols;
        for (int i = 0; i < n; i++)
        {
            double firstNonZero = 0;
            for (int j = 0; j < cols; j++) if (knnDist[i, j] > 0) { firstNonZero = knnDist[i, j]; break; }
            rho[i] = firstNonZero;
            double lo = 0, hi = double.PositiveInfinity, mid = 1;
            for (int it = 0; it < iterations; it++)
            {
                double psum = 0;
                for (int j = 1; j < cols; j++)
                {
                    double dd = knnDist[i, j] - rho[i];
                    psum += dd > 0 ? Math.Exp(-(dd / mid)) : 1.0;
                }
                if (Math.Abs(psum - target) < SmoothKTolerance) break;
                if (psum > target) { hi = mid; mid = (lo + hi) / 2; }
                else
                {
                    lo = mid;
                    mid = double.IsPositiveInfinity(hi) ? mid * 2 : (lo + hi) / 2;
                }
            }
            sigma[i] = mid;
            double meanI = 0;
            for (int j = 0; j < cols; j++) meanI += knnDist[i, j];
            meanI /= cols;
            double floor = MinKDistScale * (rho[i] > 0 ? meanI : meanAll);
            if (sigma[i] < floor) sigma[i] = floor;
        }
        return (sigma, rho);
    }

    public readonly record struct Edge(int Head, int Tail, double Weight);

    /// <summary>Membership strengths of each local fuzzy set, combined by the fuzzy union; edges sorted by (head, tail).</summary>
    public static List<Edge> FuzzySimplicialSet(int[,] knnIndex, double[,] knnDist, double[] sigma, double[] rho, int n)
    {
        int k = knnIndex.GetLength(1);
        var directed = new Dictionary<long, double>(n * k);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
            {
                int t = knnIndex[i, j];
                double v;
                if (t == i) v = 0;
                else if (knnDist[i, j] - rho[i] <= 0 || sigma[i] == 0) v = 1;
                else v = Math.Exp(-((knnDist[i, j] - rho[i]) / sigma[i]));
                if (v > 0) directed[(long)i * n + t] = v;
            }
        var union = new Dictionary<long, double>(directed.Count * 2);
        foreach (var (key, v) in directed)
        {
            int i = (int)(key / n), j = (int)(key % n);
            directed.TryGetValue((long)j * n + i, out double back);
            double w = v + back - v * back;
            union[key] = w;
            union[(long)j * n + i] = w;
        }
        return union.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key)
            .Select(kv => new Edge((int)(kv.Key / n), (int)(kv.Key % n), kv.Value)).ToList();
    }

    private static int ConnectedComponents(List<Edge> graph, int n)
    {
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int v) { while (parent[v] != v) { parent[v] = parent[parent[v]]; v = parent[v]; } return v; }
        foreach (var e in graph) { int a = Find(e.Head), b = Find(e.Tail); if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b); }
        return Enumerable.Range(0, n).Count(v => Find(v) == v);
    }

    // ---------------------------------------------------------------- initialisation

    /// <summary>Eigenvectors 2..dim+1 (by increasing eigenvalue) of the normalised Laplacian I − D^-½ W D^-½.</summary>
    private static double[] SpectralLayout(List<Edge> graph, int n, int dim)
    {
        var degree = new double[n];
        foreach (var e in graph) degree[e.Head] += e.Weight;
        var laplacian = Matrix<double>.Build.DenseIdentity(n);
        foreach (var e in graph)
            laplacian[e.Head, e.Tail] -= e.Weight / Math.Sqrt(degree[e.Head] * degree[e.Tail]);
        var evd = laplacian.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        var layout = new double[n * dim];
        for (int c = 0; c < dim; c++)
        {
            int col = order[c + 1];
            for (int i = 0; i < n; i++) layout[i * dim + c] = evd.EigenVectors[i, col];
        }
        return layout;
    }

    private static double[] PcaLayout(double[,] x, int dim)
    {
        int n = x.GetLength(0);
        var scores = Pca.Fit(x, dim).Scores;
        var layout = new double[n * dim];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < Math.Min(dim, scores.GetLength(1)); c++) layout[i * dim + c] = scores[i, c];
        return layout;
    }

    /// <summary>umap-learn's noisy_scale_coords: largest |coordinate| → 10, plus N(0, 1e-4) noise.</summary>
    private static void NoisyScale(double[] layout, SeededRandom rng)
    {
        double max = layout.Max(Math.Abs);
        double expansion = max > 0 ? 10.0 / max : 1.0;
        for (int i = 0; i < layout.Length; i++) layout[i] = layout[i] * expansion + 1e-4 * rng.NextGaussian();
    }

    private static void ScaleToBox(double[] layout, int n, int dim)
    {
        for (int c = 0; c < dim; c++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int i = 0; i < n; i++) { min = Math.Min(min, layout[i * dim + c]); max = Math.Max(max, layout[i * dim + c]); }
            double range = max - min > 0 ? max - min : 1;
            for (int i = 0; i < n; i++) layout[i * dim + c] = 10.0 * (layout[i * dim + c] - min) / range;
        }
    }

    // ---------------------------------------------------------------- layout optimisation

    private static void Optimize(double[] emb, List<Edge> graph, int n, int dim, int epochs, double a, double b, UmapOptions o, SeededRandom rng)
    {
        int m = graph.Count;
        var head = graph.Select(e => e.Head).ToArray();
        var tail = graph.Select(e => e.Tail).ToArray();
        double maxW = graph.Max(e => e.Weight);
        var epochsPerSample = graph.Select(e => epochs / (epochs * (e.Weight / maxW))).ToArray();
        var epochsPerNegative = epochsPerSample.Select(v => v / o.NegativeSampleRate).ToArray();
        var nextNegative = (double[])epochsPerNegative.Clone();
        var nextSample = (double[])epochsPerSample.Clone();
        double gamma = o.RepulsionStrength, alpha = o.LearningRate;
        var current = new double[dim];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int i = 0; i < m; i++)
            {
                if (nextSample[i] > epoch) continue;
                int j = head[i], kk = tail[i];
                double d2 = 0;
                for (int c = 0; c < dim; c++) { double t = emb[j * dim + c] - emb[kk * dim + c]; d2 += t * t; }
                double coeff = 0;
                if (d2 > 0)
                {
                    double pb = Math.Pow(d2, b);
                    coeff = -2.0 * a * b * (pb / d2) / (a * pb + 1.0);
                }
                for (int c = 0; c < dim; c++)
                {
                    double g = Clip(coeff * (emb[j * dim + c] - emb[kk * dim + c]));
                    emb[j * dim + c] += g * alpha;
                    emb[kk * dim + c] -= g * alpha;
                }
                nextSample[i] += epochsPerSample[i];

                int negatives = (int)((epoch - nextNegative[i]) / epochsPerNegative[i]);
                for (int p = 0; p < negatives; p++)
                {
                    int other = (int)(rng.NextUInt64() % (ulong)n);
                    double e2 = 0;
                    for (int c = 0; c < dim; c++) { double t = emb[j * dim + c] - emb[other * dim + c]; e2 += t * t; }
                    double rep;
                    if (e2 > 0) rep = 2.0 * gamma * b / ((0.001 + e2) * (a * Math.Pow(e2, b) + 1));
                    else if (j == other) continue;
                    else rep = 0;
                    if (rep <= 0) continue;
                    for (int c = 0; c < dim; c++)
                        emb[j * dim + c] += Clip(rep * (emb[j * dim + c] - emb[other * dim + c])) * alpha;
                }
                nextNegative[i] += negatives * epochsPerNegative[i];
            }
            alpha = o.LearningRate * (1.0 - (double)epoch / epochs);
        }
    }

    private static double Clip(double v) => v > 4 ? 4 : v < -4 ? -4 : v;

    // ---------------------------------------------------------------- a, b

    /// <summary>
    /// Fits 1/(1 + a x^(2b)) to the offset exponential (1 below min_dist, exp(−(x − min_dist)/spread) above) on 300
    /// points in [0, 3·spread] by Levenberg–Marquardt from (1, 1), as umap-learn's find_ab_params does with curve_fit.
    /// </summary>
    public static (double A, double B) FindAbParams(double spread, double minDist)
    {
        const int points = 300;
        var xs = new double[points];
        var ys = new double[points];
        for (int i = 0; i < points; i++)
        {
            xs[i] = spread * 3 * i / (points - 1);
            ys[i] = xs[i] < minDist ? 1.0 : Math.Exp(-(xs[i] - minDist) / spread);
        }
        double a = 1, b = 1, lambda = 1e-3;
        double Cost(double pa, double pb)
        {
            double s = 0;
            for (int i = 0; i < points; i++) { double r = 1.0 / (1.0 + pa * Math.Pow(xs[i], 2 * pb)) - ys[i]; s += r * r; }
            return s;
        }
        double cost = Cost(a, b);
        for (int iter = 0; iter < 1000; iter++)
        {
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (int i = 0; i < points; i++)
            {
                double x = xs[i];
                double p = x > 0 ? Math.Pow(x, 2 * b) : 0;
                double f = 1.0 / (1.0 + a * p);
                double r = f - ys[i];
                double da = -p * f * f;
                double db = x > 0 ? -a * p * 2 * Math.Log(x) * f * f : 0;
                jaa += da * da; jab += da * db; jbb += db * db;
                ga += da * r; gb += db * r;
            }
            bool improved = false;
            for (int tries = 0; tries < 50 && !improved; tries++)
            {
                double maa = jaa * (1 + lambda), mbb = jbb * (1 + lambda);
                double det = maa * mbb - jab * jab;
                double stepA = -(mbb * ga - jab * gb) / det, stepB = -(maa * gb - jab * ga) / det;
                double newCost = Cost(a + stepA, b + stepB);
                if (newCost < cost && a + stepA > 0 && b + stepB > 0)
                {
                    double change = cost - newCost;
                    a += stepA; b += stepB; cost = newCost; lambda /= 10; improved = true;
                    if (change <= 1e-15 * Math.Max(cost, 1e-300)) return (a, b);
                }
                else lambda *= 10;
            }
            if (!improved) break;
        }
        return (a, b);
    }
}
