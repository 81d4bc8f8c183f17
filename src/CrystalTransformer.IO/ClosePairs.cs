using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// Finds sites closer than a small cutoff under periodic boundary conditions (overlapping atoms), in time linear in
/// the number of sites: sites are binned in fractional space with bins at least as wide as the cutoff.
/// </summary>
public static class ClosePairs
{
    /// <summary>The closest pair of distinct sites nearer than <paramref name="cutoff"/> Å, or null when there is none.</summary>
    public static (int I, int J, double Distance)? Closest(Lattice lattice, IReadOnlyList<Vec3> frac, double cutoff)
    {
        int n = frac.Count;
        if (n < 2) return null;
        var widths = lattice.PerpendicularWidths;
        // Minimum-image distances are exact only when the cutoff is below half of every cell width.
        if (cutoff * 2 >= Math.Min(widths.X, Math.Min(widths.Y, widths.Z)))
            return n <= 4000 ? BruteForce(lattice, frac, cutoff) : null;
        int nx = Bins(widths.X, cutoff), ny = Bins(widths.Y, cutoff), nz = Bins(widths.Z, cutoff);
        var wrapped = new Vec3[n];
        var cells = new Dictionary<long, List<int>>();
        for (int i = 0; i < n; i++)
        {
            var w = frac[i].Wrap();
            wrapped[i] = w;
            long key = Key(Bin(w.X, nx), Bin(w.Y, ny), Bin(w.Z, nz), ny, nz);
            if (!cells.TryGetValue(key, out var list)) cells[key] = list = new List<int>(4);
            list.Add(i);
        }
        (int, int, double)? best = null;
        double cut2 = cutoff * cutoff;
        Span<long> seen = stackalloc long[27];
        for (int i = 0; i < n; i++)
        {
            var w = wrapped[i];
            int bx = Bin(w.X, nx), by = Bin(w.Y, ny), bz = Bin(w.Z, nz);
            int nSeen = 0;
            for (int dx = -1; dx <= 1; dx++)
            for (int dy = -1; dy <= 1; dy++)
            for (int dz = -1; dz <= 1; dz++)
            {
                long key = Key(Mod(bx + dx, nx), Mod(by + dy, ny), Mod(bz + dz, nz), ny, nz);
                bool dup = false;
                for (int s = 0; s < nSeen; s++) if (seen[s] == key) { dup = true; break; }
                if (dup) continue;
                seen[nSeen++] = key;
                if (!cells.TryGetValue(key, out var list)) continue;
                foreach (int j in list)
                {
                    if (j <= i) continue;
                    var d = wrapped[j] - w;
                    d = new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z));
                    double r2 = lattice.ToCartesian(d).NormSquared;
                    if (r2 < cut2 && (best is null || r2 < best.Value.Item3 * best.Value.Item3))
                        best = (i, j, Math.Sqrt(r2));
                }
            }
        }
        return best;
    }

    private static (int, int, double)? BruteForce(Lattice lattice, IReadOnlyList<Vec3> frac, double cutoff)
    {
        (int, int, double)? best = null;
        for (int i = 0; i < frac.Count; i++)
        for (int j = i + 1; j < frac.Count; j++)
        {
            double d = lattice.PeriodicDistance(frac[i], frac[j]);
            if (d < cutoff && (best is null || d < best.Value.Item3)) best = (i, j, d);
        }
        return best;
    }

    private static int Bins(double width, double cutoff) => (int)Math.Clamp(Math.Floor(width / cutoff), 1, 64);
    private static int Bin(double w, int n) => Math.Min((int)(w * n), n - 1);
    private static int Mod(int i, int n) => ((i % n) + n) % n;
    private static long Key(int x, int y, int z, int ny, int nz) => ((long)x * ny + y) * nz + z;
}
