namespace CrystalTransformer.Analysis.Numerics;

/// <summary>
/// Trustworthiness of a low-dimensional map (Venna &amp; Kaski 2001), as scikit-learn's
/// <c>sklearn.manifold.trustworthiness</c>: 1 − 2/(nk(2n − 3k − 1)) Σ_i Σ_{j ∈ N_k(i) in the map} max(0, r(i, j) − k),
/// where r(i, j) is the rank of j among i's neighbours in the input space. Euclidean distances in both spaces; ties in
/// distance are broken by index.
/// </summary>
public static class Trustworthiness
{
    public static double Compute(double[,] input, double[,] embedded, int k = 5)
    {
        int n = input.GetLength(0);
        if (embedded.GetLength(0) != n) throw new ArgumentException("input and map have different numbers of samples");
        if (k >= n / 2.0) throw new ArgumentException($"k ({k}) must be less than half the number of samples ({n})");
        var dIn = Matrices.SquaredDistances(input);
        var dOut = Matrices.SquaredDistances(embedded);
        long penalty = 0;
        var rank = new int[n];
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            SortNeighbours(dIn, i, order);
            for (int r = 0; r < n - 1; r++) rank[order[r]] = r + 1;
            SortNeighbours(dOut, i, order);
            for (int r = 0; r < k; r++) penalty += Math.Max(0, rank[order[r]] - k);
        }
        return 1.0 - penalty * (2.0 / (n * (double)k * (2.0 * n - 3.0 * k - 1.0)));
    }

    /// <summary>Indices of the other samples ordered by distance from <paramref name="i"/> (n − 1 entries, then i).</summary>
    internal static void SortNeighbours(double[,] dist, int i, int[] order)
    {
        int n = order.Length, m = 0;
        for (int j = 0; j < n; j++) if (j != i) order[m++] = j;
        order[n - 1] = i;
        Array.Sort(order, 0, n - 1, Comparer<int>.Create((a, b) =>
        {
            int c = dist[i, a].CompareTo(dist[i, b]);
            return c != 0 ? c : a.CompareTo(b);
        }));
    }
}
