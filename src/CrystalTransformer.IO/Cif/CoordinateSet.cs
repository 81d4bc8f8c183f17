using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// Fractional points with a periodic "same position" test: every component differs by less than the tolerance
/// modulo 1 (pymatgen's find_in_coord_list_pbc). Small sets are scanned; large ones are binned so that expanding
/// a big asymmetric unit stays linear in the number of generated sites.
/// </summary>
internal sealed class CoordinateSet
{
    private const int ScanLimit = 48;
    private readonly double _tolerance;
    private readonly int _bins;
    private readonly List<Vec3> _points = new();
    private Dictionary<long, List<int>>? _grid;

    public CoordinateSet(double tolerance)
    {
        _tolerance = tolerance;
        // Bins at least as wide as the tolerance, so a match lies in the same or a neighbouring bin.
        _bins = (int)Math.Clamp(Math.Floor(1.0 / tolerance), 1, 1 << 20);
    }

    public int Count => _points.Count;
    public Vec3 this[int i] => _points[i];

    public void Add(Vec3 p)
    {
        _points.Add(p);
        if (_grid is not null) Insert(_points.Count - 1);
        else if (_points.Count > ScanLimit)
        {
            _grid = new Dictionary<long, List<int>>();
            for (int i = 0; i < _points.Count; i++) Insert(i);
        }
    }

    /// <summary>Index of the first point at the same periodic position, or -1.</summary>
    public int IndexOf(Vec3 p)
    {
        if (_grid is null)
        {
            for (int i = 0; i < _points.Count; i++)
                if (Same(_points[i], p)) return i;
            return -1;
        }
        int best = -1;
        var (bx, by, bz) = BinOf(p);
        Span<long> seen = stackalloc long[27];
        int nSeen = 0;
        for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
        for (int dz = -1; dz <= 1; dz++)
        {
            long key = Key(Mod(bx + dx), Mod(by + dy), Mod(bz + dz));
            bool dup = false;
            for (int s = 0; s < nSeen; s++) if (seen[s] == key) { dup = true; break; }
            if (dup) continue;
            seen[nSeen++] = key;
            if (!_grid.TryGetValue(key, out var list)) continue;
            foreach (int i in list)
                if ((best < 0 || i < best) && Same(_points[i], p)) best = i;
        }
        return best;
    }

    public bool Contains(Vec3 p) => IndexOf(p) >= 0;

    private bool Same(Vec3 a, Vec3 b) =>
        Close(a.X - b.X) && Close(a.Y - b.Y) && Close(a.Z - b.Z);

    private bool Close(double d) => Math.Abs(d - Math.Round(d, MidpointRounding.ToEven)) < _tolerance;

    private void Insert(int i)
    {
        var (bx, by, bz) = BinOf(_points[i]);
        long key = Key(bx, by, bz);
        if (!_grid!.TryGetValue(key, out var list)) _grid[key] = list = new List<int>(2);
        list.Add(i);
    }

    private (int, int, int) BinOf(Vec3 p) => (Bin(p.X), Bin(p.Y), Bin(p.Z));

    private int Bin(double v)
    {
        double w = v - Math.Floor(v);
        return Mod((int)Math.Floor(w * _bins));
    }

    private int Mod(int i) => ((i % _bins) + _bins) % _bins;

    private long Key(int x, int y, int z) => ((long)x * _bins + y) * _bins + z;
}
