using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis.Numerics;

/// <summary>Pearson and Spearman correlation on the pairs where both values are present (NaN = missing).</summary>
public static class Correlation
{
    /// <summary>Pearson r; NaN when fewer than 3 complete pairs or a constant variable.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var (a, b) = Complete(x, y);
        return PearsonComplete(a, b);
    }

    /// <summary>Spearman ρ: Pearson r of the ranks (ties get their average rank).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var (a, b) = Complete(x, y);
        return PearsonComplete(Ranks(a), Ranks(b));
    }

    /// <summary>Number of pairs where both values are present.</summary>
    public static int CompleteCount(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = 0;
        for (int i = 0; i < x.Count; i++) if (!double.IsNaN(x[i]) && !double.IsNaN(y[i])) n++;
        return n;
    }

    internal static double PearsonComplete(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count;
        if (n < 3) return double.NaN;
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n; mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        if (saa <= 0 || sbb <= 0) return double.NaN;
        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1);
    }

    /// <summary>1-based ranks with ties averaged (scipy.stats.rankdata "average").</summary>
    public static double[] Ranks(IReadOnlyList<double> v)
    {
        int n = v.Count;
        var idx = Enumerable.Range(0, n).ToArray();
        Array.Sort(idx, (p, q) => v[p].CompareTo(v[q]));
        var ranks = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) j++;
            double r = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) ranks[idx[t]] = r;
            i = j + 1;
        }
        return ranks;
    }

    private static (List<double>, List<double>) Complete(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException("variables of different length");
        var a = new List<double>(x.Count);
        var b = new List<double>(x.Count);
        for (int i = 0; i < x.Count; i++)
            if (!double.IsNaN(x[i]) && !double.IsNaN(y[i])) { a.Add(x[i]); b.Add(y[i]); }
        return (a, b);
    }
}

/// <summary>Result of a Mantel test: correlation of the two distance matrices and its permutation p-value.</summary>
public sealed record MantelResult(double R, double PValue, int Permutations, int N);

/// <summary>
/// Mantel test (as scikit-bio's mantel with method "pearson", alternative "two-sided"): Pearson r between the upper
/// triangles of two distance matrices over the same objects; p = (1 + #{|r_perm| ≥ |r|}) / (1 + permutations), where
/// each permutation relabels the objects of the second matrix (seeded, so the p-value is reproducible).
/// </summary>
public static class Mantel
{
    public static MantelResult Test(double[,] a, double[,] b, int permutations = 999, int seed = 0)
    {
        int n = a.GetLength(0);
        if (n != b.GetLength(0) || n < 3) throw new ArgumentException("Mantel test needs two n×n distance matrices with n ≥ 3");
        int m = n * (n - 1) / 2;
        var x = new double[m];
        int t = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) x[t++] = a[i, j];
        // Standardise x once. A permutation only reorders the entries of the second matrix, so its mean and
        // standard deviation are those of the unpermuted triangle.
        Standardize(x);
        var y = new double[m];
        t = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) y[t++] = b[i, j];
        double meanB = y.Average(), sdB = Math.Sqrt(y.Select(v => (v - meanB) * (v - meanB)).Sum() / m);
        if (sdB == 0) sdB = 1;
        var identity = Enumerable.Range(0, n).ToArray();
        double r = Cross(x, b, identity, meanB, sdB);
        var rng = new SeededRandom(seed);
        var perm = Enumerable.Range(0, n).ToArray();
        int extreme = 0;
        for (int p = 0; p < permutations; p++)
        {
            rng.Shuffle(perm);
            double rp = Cross(x, b, perm, meanB, sdB);
            if (Math.Abs(rp) >= Math.Abs(r) - 1e-12) extreme++;
        }
        return new MantelResult(r, (extreme + 1.0) / (permutations + 1.0), permutations, n);
    }

    private static double Cross(double[] xz, double[,] b, int[] perm, double mean, double sd)
    {
        int n = perm.Length, t = 0;
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            int pi = perm[i];
            for (int j = i + 1; j < n; j++) s += xz[t++] * (b[pi, perm[j]] - mean);
        }
        return s / (sd * xz.Length);
    }

    private static void Standardize(double[] v)
    {
        double mean = v.Average(), ss = 0;
        foreach (double x in v) ss += (x - mean) * (x - mean);
        double sd = Math.Sqrt(ss / v.Length);
        if (sd == 0) sd = 1;
        for (int i = 0; i < v.Length; i++) v[i] = (v[i] - mean) / sd;
    }
}
