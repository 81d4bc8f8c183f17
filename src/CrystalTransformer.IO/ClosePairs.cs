using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// Finds sites closer than a small cutoff under periodic boundary conditions (overlapping atoms), in time linear in
/// the number of sites: sites are binned in fractional space with bins at least as wide as the cutoff.
/// </summary>
public static class ClosePairs
{
    /// <summary>Above this many sites the search is skipped (null), keeping reading time bounded.</summary>
    public const int MaxPoints = 200_000;

    /// <summary>The closest pair of distinct sites nearer than <paramref name="cutoff"/> Å, or null when there is none.</summary>
    public static (int I, int J, double Distance)? Closest(Lattice lattice, IReadOnlyList<Vec3> frac, double cutoff)
    {
        int n = frac.Count;
        if (n < 2) return null;
        // A check, not a result: on huge inputs (where many points could share a bin) it is skipped rather than slow.
        if (n > MaxPoints) return null;
        var widths = lattice.PerpendicularWidths;
        // Minimum-image distances are exact only when the cutoff is below half of every cell width.
        if (cutoff * 2 >= Math.Min(widths.X, Math.Min(widths.Y, widths.Z)))
            return n <= 4000 ? BruteForce(lattice, frac, cutoff) : null;
        var bins = new PeriodicBins(Bins(widths.X, cutoff), Bins(widths.Y, cutoff), Bins(widths.Z, cutoff));
        var wrapped = new Vec3[n];
        for (int i = 0; i < n; i++)
        {
            wrapped[i] = frac[i].Wrap();
            bins.Add(i, wrapped[i]);
        }
        (int, int, double)? best = null;
        double cut2 = cutoff * cutoff;
        var candidates = new List<int>();
        for (int i = 0; i < n; i++)
        {
            var w = wrapped[i];
            bins.Candidates(w, candidates);
            foreach (int j in candidates)
            {
                if (j <= i) continue;
                var d = wrapped[j] - w;
                d = new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z));
                double r2 = lattice.ToCartesian(d).NormSquared;
                if (r2 < cut2 && (best is null || r2 < best.Value.Item3 * best.Value.Item3))
                    best = (i, j, Math.Sqrt(r2));
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
}
