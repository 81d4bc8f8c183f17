using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// Point indices binned on an nx × ny × nz grid over the periodic unit cell. With bins at least as wide as a search
/// radius, every point within that radius of a position lies in the 27 bins around it (wrapping at the cell faces).
/// </summary>
internal sealed class PeriodicBins
{
    private readonly int _nx, _ny, _nz;
    private readonly Dictionary<long, List<int>> _cells = new();

    public PeriodicBins(int nx, int ny, int nz)
    {
        _nx = nx; _ny = ny; _nz = nz;
    }

    public void Add(int index, Vec3 frac)
    {
        long key = KeyOf(frac);
        if (!_cells.TryGetValue(key, out var list)) _cells[key] = list = new List<int>(2);
        list.Add(index);
    }

    /// <summary>Indices in the bin of <paramref name="frac"/> and its 26 neighbours, each bin visited once.</summary>
    public void Candidates(Vec3 frac, List<int> into)
    {
        into.Clear();
        int bx = Bin(frac.X, _nx), by = Bin(frac.Y, _ny), bz = Bin(frac.Z, _nz);
        Span<long> seen = stackalloc long[27];
        int nSeen = 0;
        for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
        for (int dz = -1; dz <= 1; dz++)
        {
            long key = Key(Mod(bx + dx, _nx), Mod(by + dy, _ny), Mod(bz + dz, _nz));
            if (seen[..nSeen].Contains(key)) continue; // small grids wrap onto the same bin
            seen[nSeen++] = key;
            if (_cells.TryGetValue(key, out var list)) into.AddRange(list);
        }
    }

    private long KeyOf(Vec3 f) => Key(Bin(f.X, _nx), Bin(f.Y, _ny), Bin(f.Z, _nz));

    private static int Bin(double v, int n)
    {
        double w = v - Math.Floor(v);
        return Mod((int)Math.Floor(w * n), n);
    }

    private static int Mod(int i, int n) => ((i % n) + n) % n;

    private long Key(int x, int y, int z) => ((long)x * _ny + y) * _nz + z;
}
