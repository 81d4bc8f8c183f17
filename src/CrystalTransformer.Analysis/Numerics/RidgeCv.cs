using MathNet.Numerics.LinearAlgebra;

namespace CrystalTransformer.Analysis.Numerics;

/// <summary>Out-of-fold predictions of one target and their scores.</summary>
public sealed record RidgeCvResult(int N, double R2, double Mae, double[] Predictions, double[] ChosenAlphas);

/// <summary>
/// Cross-validated ridge regression, equal to scikit-learn's
/// <c>cross_val_predict(make_pipeline(StandardScaler(), RidgeCV(alphas)), X, y, cv=PredefinedSplit(i mod folds))</c>
/// followed by <c>r2_score</c> and <c>mean_absolute_error</c>:
/// <list type="bullet">
/// <item>outer folds: sample i (in the given order) is held out in fold i mod <c>folds</c>;</item>
/// <item>in each fold the features are standardised on the training part, and the penalty is chosen from the grid by
/// the exact leave-one-out error on the training part (RidgeCV's efficient LOO, intercept not penalised);</item>
/// <item>R² and MAE are computed once over all out-of-fold predictions.</item>
/// </list>
/// Several targets on the same rows share each fold's decomposition (each target chooses its own penalty).
/// </summary>
public static class RidgeCv
{
    /// <summary>10^-3 … 10^5 in half decades (17 values).</summary>
    public static readonly IReadOnlyList<double> DefaultAlphas =
        Enumerable.Range(0, 17).Select(i => Math.Pow(10, -3 + 0.5 * i)).ToArray();

    public static RidgeCvResult CrossValidate(double[,] x, double[] y, int folds = 10, IReadOnlyList<double>? alphas = null) =>
        CrossValidate(x, [y], folds, alphas)[0];

    public static RidgeCvResult[] CrossValidate(double[,] x, IReadOnlyList<double[]> ys, int folds = 10, IReadOnlyList<double>? alphas = null)
    {
        alphas ??= DefaultAlphas;
        int n = x.GetLength(0), d = x.GetLength(1);
        if (folds < 2 || folds > n) throw new ArgumentException($"folds ({folds}) must be between 2 and the number of samples ({n})");
        foreach (var y in ys)
            if (y.Length != n || y.Any(double.IsNaN)) throw new ArgumentException("targets must have one value per row and no NaN");
        var predictions = ys.Select(_ => new double[n]).ToArray();
        var chosen = ys.Select(_ => new double[folds]).ToArray();
        for (int f = 0; f < folds; f++)
        {
            var train = Enumerable.Range(0, n).Where(i => i % folds != f).ToArray();
            var test = Enumerable.Range(0, n).Where(i => i % folds == f).ToArray();
            var xs = Matrices.Standardize(Matrices.Rows(x, train), out var mean, out var scale);
            var basis = Decompose(xs);
            for (int t = 0; t < ys.Count; t++)
            {
                var yTrain = train.Select(i => ys[t][i]).ToArray();
                double alpha = ChooseAlpha(basis, yTrain, alphas);
                chosen[t][f] = alpha;
                var beta = Coefficients(basis, xs, yTrain, alpha);
                double yMean = yTrain.Average();
                foreach (int i in test)
                {
                    double p = yMean;
                    for (int j = 0; j < d; j++) p += (x[i, j] - mean[j]) / scale[j] * beta[j];
                    predictions[t][i] = p;
                }
            }
        }
        return ys.Select((y, t) => new RidgeCvResult(n, R2(y, predictions[t]), Mae(y, predictions[t]), predictions[t], chosen[t])).ToArray();
    }

    public static double R2(double[] y, double[] p)
    {
        double mean = y.Average(), ssRes = 0, ssTot = 0;
        for (int i = 0; i < y.Length; i++) { ssRes += (y[i] - p[i]) * (y[i] - p[i]); ssTot += (y[i] - mean) * (y[i] - mean); }
        return ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1 : 0);
    }

    public static double Mae(double[] y, double[] p)
    {
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += Math.Abs(y[i] - p[i]);
        return s / y.Length;
    }

    /// <summary>
    /// The centred design X (m × d) as X = U diag(s) Vᵀ restricted to its non-null part, from the eigendecomposition of
    /// the smaller of XᵀX (then U = X V / s) and X Xᵀ (V then stays implicit, β = Xᵀ U diag(1/(s²+α)) Uᵀ y).
    /// Directions with s² ≤ 1e-12 × the largest are null directions and dropped.
    /// </summary>
    private sealed record Basis(Matrix<double> U, double[] S2, Matrix<double>? V, double[] S);

    private static Basis Decompose(double[,] xs)
    {
        int m = xs.GetLength(0), d = xs.GetLength(1);
        var X = Matrix<double>.Build.DenseOfArray(xs);
        bool primal = d < m;
        var evd = (primal ? X.TransposeThisAndMultiply(X) : X.TransposeAndMultiply(X)).Evd(Symmetricity.Symmetric);
        var lambda = evd.EigenValues.Select(c => c.Real).ToArray();
        double max = lambda.DefaultIfEmpty(0).Max();
        var keep = Enumerable.Range(0, lambda.Length).Where(i => lambda[i] > 1e-12 * max).ToArray();
        var s2 = keep.Select(i => lambda[i]).ToArray();
        var s = s2.Select(Math.Sqrt).ToArray();
        var vectors = Matrix<double>.Build.Dense(primal ? d : m, keep.Length, (r, c) => evd.EigenVectors[r, keep[c]]);
        if (!primal) return new Basis(vectors, s2, null, s);
        var u = X * vectors;
        for (int c = 0; c < keep.Length; c++)
            for (int r = 0; r < m; r++) u[r, c] /= s[c];
        return new Basis(u, s2, vectors, s);
    }

    /// <summary>Uᵀ (y − mean).</summary>
    private static double[] ProjectCentred(Basis b, double[] y, double yMean)
    {
        var p = new double[b.S2.Length];
        for (int c = 0; c < p.Length; c++)
        {
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += b.U[i, c] * (y[i] - yMean);
            p[c] = s;
        }
        return p;
    }

    /// <summary>The penalty with the smallest mean squared leave-one-out error (first on ties, as RidgeCV).</summary>
    private static double ChooseAlpha(Basis b, double[] y, IReadOnlyList<double> alphas)
    {
        int m = y.Length, r = b.S2.Length;
        double yMean = y.Average();
        var uty = ProjectCentred(b, y, yMean);
        double bestAlpha = alphas[0], bestError = double.PositiveInfinity;
        var shrink = new double[r];
        foreach (double alpha in alphas)
        {
            for (int c = 0; c < r; c++) shrink[c] = b.S2[c] / (b.S2[c] + alpha);
            double err = 0;
            for (int i = 0; i < m; i++)
            {
                // Hat matrix of ridge with an unpenalised intercept: H = 11ᵀ/m + U diag(s²/(s²+α)) Uᵀ.
                double fit = yMean, h = 1.0 / m;
                for (int c = 0; c < r; c++)
                {
                    double u = b.U[i, c];
                    fit += u * shrink[c] * uty[c];
                    h += u * u * shrink[c];
                }
                double e = (y[i] - fit) / (1 - h);
                err += e * e;
            }
            err /= m;
            if (err < bestError) { bestError = err; bestAlpha = alpha; }
        }
        return bestAlpha;
    }

    private static double[] Coefficients(Basis b, double[,] xs, double[] y, double alpha)
    {
        int m = y.Length, d = xs.GetLength(1), r = b.S2.Length;
        var w = ProjectCentred(b, y, y.Average());
        var beta = new double[d];
        if (b.V is not null)
        {
            // β = V diag(s/(s²+α)) Uᵀ y
            for (int c = 0; c < r; c++)
            {
                double coef = b.S[c] / (b.S2[c] + alpha) * w[c];
                for (int j = 0; j < d; j++) beta[j] += b.V[j, c] * coef;
            }
        }
        else
        {
            // β = Xᵀ U diag(1/(λ+α)) Uᵀ y
            var dual = new double[m];
            for (int c = 0; c < r; c++)
            {
                double coef = w[c] / (b.S2[c] + alpha);
                for (int i = 0; i < m; i++) dual[i] += b.U[i, c] * coef;
            }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < d; j++) beta[j] += xs[i, j] * dual[i];
        }
        return beta;
    }
}
