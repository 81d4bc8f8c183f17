using System.Globalization;
using CrystalTransformer.Structures;
using MathNet.Numerics.LinearAlgebra;

namespace CrystalTransformer.IO.ElementTables;

/// <summary>
/// A table reduced to its first principal components, with what is needed to map back: the source row x of a trained
/// element is Mean + Σₖ Table[e][k] · Components[k] whenever K reaches the rank of the centred trained rows.
/// </summary>
public sealed record PrincipalComponents(ElementTable Table, double[,] Components, double[] Mean, double[] SingularValues);

/// <summary>
/// Principal components of an element table (the <c>pca:K:SPEC</c> transform of <see cref="ElementTableIO.Load"/>).
/// </summary>
public static class ElementTablePca
{
    /// <summary>
    /// Centres the columns over the table's trained elements, takes the SVD of the centred rows and keeps the first
    /// <paramref name="components"/> right singular vectors. Sign convention (so that the result never depends on the
    /// SVD routine's choice): in each component the loading of largest magnitude (the first, on ties) is positive.
    /// Every covered row (untrained ones too) is projected with the trained rows' mean; columns are named pc1..pcK.
    /// </summary>
    public static PrincipalComponents Fit(ElementTable table, int components, string name)
    {
        var trained = table.Trained;
        int n = trained.Count, d = table.Dimension, limit = Math.Min(n, d);
        if (components < 1 || components > limit)
            throw new InputError($"pca:{components}: the number of components must be 1..{limit} " +
                $"(min of {n} trained elements and width {d} of table '{table.Name}')", name);
        var rows = table.Matrix(trained);
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) mean[c] += rows[i, c];
        for (int c = 0; c < d; c++) mean[c] /= n;
        var centred = Matrix<double>.Build.Dense(n, d, (i, c) => rows[i, c] - mean[c]);
        var svd = centred.Svd(computeVectors: true);
        var axes = new double[components, d];
        for (int k = 0; k < components; k++)
        {
            int largest = 0;
            for (int c = 1; c < d; c++)
                if (Math.Abs(svd.VT[k, c]) > Math.Abs(svd.VT[k, largest])) largest = c;
            double sign = svd.VT[k, largest] < 0 ? -1 : 1;
            for (int c = 0; c < d; c++) axes[k, c] = sign * svd.VT[k, c];
        }
        var projected = table.Elements.Select(e =>
        {
            var x = table[e];
            var v = new double[components];
            for (int k = 0; k < components; k++)
                for (int c = 0; c < d; c++) v[k] += (x[c] - mean[c]) * axes[k, c];
            return (e, (IReadOnlyList<double>)v);
        }).ToList();
        var names = Enumerable.Range(1, components).Select(k => "pc" + k.ToString(CultureInfo.InvariantCulture)).ToArray();
        var reduced = ElementTable.FromRows(name, projected, table.Untrained, names, table.Source);
        var singular = Enumerable.Range(0, components).Select(k => k < svd.S.Count ? svd.S[k] : 0).ToArray();
        return new PrincipalComponents(reduced, axes, mean, singular);
    }
}
