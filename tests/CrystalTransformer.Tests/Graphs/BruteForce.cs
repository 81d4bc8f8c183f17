using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Graphs;

/// <summary>Reference neighbour search by enumerating every image in a box that certainly contains the sphere.</summary>
internal static class BruteForce
{
    public readonly record struct Neighbor(int I, int J, int Na, int Nb, int Nc, double D);

    /// <summary>All (i, j, n) with d² &lt; r² + 1e-8, i.e. the neighbour list's own inclusion rule, excluding (i, i, 0).</summary>
    public static List<Neighbor> Pairs(Lattice lattice, IReadOnlyList<Vec3> frac, double r)
    {
        var widths = lattice.PerpendicularWidths;
        var result = new List<Neighbor>();
        double rr = r * r + 1e-8;
        for (int i = 0; i < frac.Count; i++)
        for (int j = 0; j < frac.Count; j++)
        {
            var df = frac[j] - frac[i];
            // |df_k + n_k| <= r / width_k is necessary for a neighbour; widen by one image for safety.
            var (aLo, aHi) = Range(df.X, r / widths.X);
            var (bLo, bHi) = Range(df.Y, r / widths.Y);
            var (cLo, cHi) = Range(df.Z, r / widths.Z);
            for (int na = aLo; na <= aHi; na++)
            for (int nb = bLo; nb <= bHi; nb++)
            for (int nc = cLo; nc <= cHi; nc++)
            {
                if (i == j && na == 0 && nb == 0 && nc == 0) continue;
                var v = lattice.ToCartesian(new Vec3(df.X + na, df.Y + nb, df.Z + nc));
                double d2 = v.NormSquared;
                if (d2 < rr) result.Add(new Neighbor(i, j, na, nb, nc, Math.Sqrt(d2)));
            }
        }
        return result;
    }

    private static (int, int) Range(double df, double reach) =>
        ((int)Math.Floor(-reach - df) - 1, (int)Math.Ceiling(reach - df) + 1);
}
