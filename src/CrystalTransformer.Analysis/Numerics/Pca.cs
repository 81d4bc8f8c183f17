using MathNet.Numerics.LinearAlgebra;

namespace CrystalTransformer.Analysis.Numerics;

/// <summary>Principal components of a data matrix (rows = samples), as scikit-learn's PCA computes them.</summary>
public sealed record PcaResult(
    /// <summary>Projections of the samples on the components [samples, components].</summary>
    double[,] Scores,
    /// <summary>Unit component vectors [components, features].</summary>
    double[,] Components,
    /// <summary>Variance along each component (divisor n − 1).</summary>
    double[] ExplainedVariance,
    double[] ExplainedVarianceRatio,
    double[] Mean);

public static class Pca
{
    /// <summary>
    /// Centres the columns, takes the SVD and keeps the first <paramref name="components"/> directions. Signs follow
    /// scikit-learn's svd_flip (u-based): in each column of U the entry of largest magnitude is positive.
    /// </summary>
    public static PcaResult Fit(double[,] x, int components)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        if (n < 2) throw new ArgumentException("PCA needs at least two samples");
        components = Math.Min(components, Math.Min(n, d));
        var mean = Matrices.ColumnMeans(x);
        var centred = Matrix<double>.Build.Dense(n, d, (i, j) => x[i, j] - mean[j]);
        var svd = centred.Svd(computeVectors: true);
        var u = svd.U;
        var vt = svd.VT;
        var s = svd.S;
        double totalVariance = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) totalVariance += centred[i, j] * centred[i, j];
        totalVariance /= n - 1;
        var scores = new double[n, components];
        var comps = new double[components, d];
        var variance = new double[components];
        var ratio = new double[components];
        for (int c = 0; c < components; c++)
        {
            int argmax = 0;
            for (int i = 1; i < n; i++) if (Math.Abs(u[i, c]) > Math.Abs(u[argmax, c])) argmax = i;
            double sign = u[argmax, c] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) scores[i, c] = sign * u[i, c] * s[c];
            for (int j = 0; j < d; j++) comps[c, j] = sign * vt[c, j];
            variance[c] = s[c] * s[c] / (n - 1);
            ratio[c] = totalVariance > 0 ? variance[c] / totalVariance : 0;
        }
        return new PcaResult(scores, comps, variance, ratio, mean);
    }
}
