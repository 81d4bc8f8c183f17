namespace CrystalTransformer.Analysis.Numerics;

/// <summary>t-SNE settings; the defaults are scikit-learn 1.2's (method "exact", init "pca", learning rate "auto").</summary>
public sealed record TsneOptions
{
    public double Perplexity { get; init; } = 30;
    public int Iterations { get; init; } = 1000;
    public double EarlyExaggeration { get; init; } = 12;
    public int ExplorationIterations { get; init; } = 250;
    public double MinGradNorm { get; init; } = 1e-7;
}

/// <summary>
/// Exact t-SNE (van der Maaten &amp; Hinton 2008) as scikit-learn's TSNE(method="exact", init="pca"): Gaussian
/// affinities with σ_i found by binary search for the perplexity, symmetrised and normalised; Student-t similarities in
/// 2-D; gradient descent with momentum 0.5 → 0.8, early exaggeration for the first 250 iterations, adaptive gains
/// (min 0.01) and learning rate max(n / exaggeration / 4, 50); PCA initialisation scaled to a PC1 standard deviation of
/// 1e-4. No randomness: the map is a function of the input. O(n²) per iteration, meant for element tables (n ≤ a few thousand).
/// </summary>
public static class Tsne
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    public static double[,] Embed(double[,] x, TsneOptions? options = null) => Run(x, options).Embedding;

    /// <summary>The map and its final Kullback–Leibler divergence KL(P‖Q) (scikit-learn's kl_divergence_).</summary>
    public static (double[,] Embedding, double KlDivergence) Run(double[,] x, TsneOptions? options = null)
    {
        var o = options ?? new TsneOptions();
        int n = x.GetLength(0);
        if (n < 4) throw new ArgumentException("t-SNE needs at least four samples");
        double perplexity = Math.Min(o.Perplexity, n - 1);
        var p = JointProbabilities(Matrices.SquaredDistances(x), perplexity);

        var init = Pca.Fit(x, 2).Scores;
        double sd = Math.Sqrt(Enumerable.Range(0, n).Select(i => init[i, 0]).Select(v => v * v).Sum() / n
                              - Math.Pow(Enumerable.Range(0, n).Average(i => init[i, 0]), 2));
        var y = new double[n * 2];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 2; c++) y[i * 2 + c] = init[i, c] / sd * 1e-4;

        double learningRate = Math.Max(n / o.EarlyExaggeration / 4, 50);
        var update = new double[n * 2];
        var gains = Enumerable.Repeat(1.0, n * 2).ToArray();
        var grad = new double[n * 2];
        var q = new double[n * n];
        for (int it = 0; it < o.Iterations; it++)
        {
            bool exploring = it < o.ExplorationIterations;
            double exaggeration = exploring ? o.EarlyExaggeration : 1;
            double momentum = exploring ? 0.5 : 0.8;
            Gradient(p, y, n, exaggeration, q, grad);
            double norm = 0;
            for (int i = 0; i < grad.Length; i++)
            {
                bool sameSign = update[i] * grad[i] >= 0;
                gains[i] = sameSign ? gains[i] * 0.8 : gains[i] + 0.2;
                if (gains[i] < 0.01) gains[i] = 0.01;
                double g = grad[i] * gains[i];
                update[i] = momentum * update[i] - learningRate * g;
                y[i] += update[i];
                norm += grad[i] * grad[i];
            }
            if (!exploring && Math.Sqrt(norm) < o.MinGradNorm) break;
        }
        var result = new double[n, 2];
        for (int i = 0; i < n; i++) { result[i, 0] = y[i * 2]; result[i, 1] = y[i * 2 + 1]; }
        return (result, KlDivergence(p, y, n));
    }

    private static double KlDivergence(double[] p, double[] y, int n)
    {
        double sumW = 0;
        var w = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double dx = y[i * 2] - y[j * 2], dy = y[i * 2 + 1] - y[j * 2 + 1];
                w[i * n + j] = 1.0 / (1.0 + dx * dx + dy * dy);
                sumW += w[i * n + j];
            }
        double kl = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double q = Math.Max(w[i * n + j] / sumW, MachineEpsilon);
                kl += p[i * n + j] * Math.Log(Math.Max(p[i * n + j], MachineEpsilon) / q);
            }
        return kl;
    }

    /// <summary>P = (P_j|i + P_i|j) / Σ, each row's σ chosen so that 2^H(P_i) equals the perplexity (100 bisection steps, tolerance 1e-5).</summary>
    private static double[] JointProbabilities(double[,] d2, double perplexity)
    {
        int n = d2.GetLength(0);
        var cond = new double[n * n];
        double desiredEntropy = Math.Log(perplexity);
        for (int i = 0; i < n; i++)
        {
            double beta = 1, betaMin = double.NegativeInfinity, betaMax = double.PositiveInfinity;
            for (int step = 0; step < 100; step++)
            {
                double sum = 0, weighted = 0;
                for (int j = 0; j < n; j++)
                {
                    if (j == i) { cond[i * n + j] = 0; continue; }
                    double v = Math.Exp(-d2[i, j] * beta);
                    cond[i * n + j] = v;
                    sum += v;
                }
                if (sum == 0) sum = 1e-8;
                for (int j = 0; j < n; j++)
                {
                    cond[i * n + j] /= sum;
                    weighted += d2[i, j] * cond[i * n + j];
                }
                double entropy = Math.Log(sum) + beta * weighted;
                double diff = entropy - desiredEntropy;
                if (Math.Abs(diff) <= 1e-5) break;
                if (diff > 0)
                {
                    betaMin = beta;
                    beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
                }
                else
                {
                    betaMax = beta;
                    beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
                }
            }
        }
        var p = new double[n * n];
        double total = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) { p[i * n + j] = cond[i * n + j] + cond[j * n + i]; total += p[i * n + j]; }
        for (int i = 0; i < p.Length; i++) p[i] = Math.Max(p[i] / total, MachineEpsilon);
        return p;
    }

    private static void Gradient(double[] p, double[] y, int n, double exaggeration, double[] w, double[] grad)
    {
        double sumW = 0;
        for (int i = 0; i < n; i++)
        {
            w[i * n + i] = 0;
            for (int j = i + 1; j < n; j++)
            {
                double dx = y[i * 2] - y[j * 2], dy = y[i * 2 + 1] - y[j * 2 + 1];
                double v = 1.0 / (1.0 + dx * dx + dy * dy);
                w[i * n + j] = v;
                w[j * n + i] = v;
                sumW += 2 * v;
            }
        }
        Array.Clear(grad);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double v = w[i * n + j];
                double qij = Math.Max(v / sumW, MachineEpsilon);
                double coeff = 4 * (exaggeration * p[i * n + j] - qij) * v;
                grad[i * 2] += coeff * (y[i * 2] - y[j * 2]);
                grad[i * 2 + 1] += coeff * (y[i * 2 + 1] - y[j * 2 + 1]);
            }
    }
}
