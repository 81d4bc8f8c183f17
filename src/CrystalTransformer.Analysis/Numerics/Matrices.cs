namespace CrystalTransformer.Analysis.Numerics;

/// <summary>Small helpers on row-major sample matrices (rows = samples).</summary>
public static class Matrices
{
    public static double[] ColumnMeans(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += x[i, j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        return mean;
    }

    /// <summary>
    /// Column z-scores with the population standard deviation; columns that are constant (relative spread below 1e-12)
    /// are only centred, as scikit-learn's StandardScaler does.
    /// </summary>
    public static double[,] Standardize(double[,] x) => Standardize(x, out _, out _);

    public static double[,] Standardize(double[,] x, out double[] mean, out double[] scale)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        mean = ColumnMeans(x);
        scale = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) { double t = x[i, j] - mean[j]; scale[j] += t * t; }
        for (int j = 0; j < d; j++)
        {
            scale[j] = Math.Sqrt(scale[j] / n);
            if (scale[j] <= 1e-12 * Math.Max(1.0, Math.Abs(mean[j]))) scale[j] = 1;
        }
        var z = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) z[i, j] = (x[i, j] - mean[j]) / scale[j];
        return z;
    }

    /// <summary>Squared Euclidean distances between all rows [n, n].</summary>
    public static double[,] SquaredDistances(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var dist = new double[n, n];
        Parallel.For(0, n, i =>
        {
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) { double t = x[i, k] - x[j, k]; s += t * t; }
                dist[i, j] = s;
                dist[j, i] = s;
            }
        });
        return dist;
    }

    public static double[,] Distances(double[,] x)
    {
        var d = SquaredDistances(x);
        int n = d.GetLength(0);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) d[i, j] = Math.Sqrt(d[i, j]);
        return d;
    }

    /// <summary>Cosine similarity between all rows; a zero row has similarity 0 with every row (1 with itself).</summary>
    public static double[,] CosineSimilarity(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var norm = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k < d; k++) s += x[i, k] * x[i, k];
            norm[i] = Math.Sqrt(s);
        }
        var sim = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            sim[i, i] = 1;
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += x[i, k] * x[j, k];
                double v = norm[i] > 0 && norm[j] > 0 ? s / (norm[i] * norm[j]) : 0;
                sim[i, j] = v;
                sim[j, i] = v;
            }
        }
        return sim;
    }

    public static double[] Column(double[,] x, int j)
    {
        var c = new double[x.GetLength(0)];
        for (int i = 0; i < c.Length; i++) c[i] = x[i, j];
        return c;
    }

    public static double[,] Rows(double[,] x, IReadOnlyList<int> rows)
    {
        int d = x.GetLength(1);
        var r = new double[rows.Count, d];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < d; j++) r[i, j] = x[rows[i], j];
        return r;
    }
}
