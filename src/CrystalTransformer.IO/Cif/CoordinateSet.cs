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
    private readonly List<int> _candidates = new();
    private PeriodicBins? _grid;

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
        if (_grid is not null) _grid.Add(_points.Count - 1, p);
        else if (_points.Count > ScanLimit)
        {
            _grid = new PeriodicBins(_bins, _bins, _bins);
            for (int i = 0; i < _points.Count; i++) _grid.Add(i, _points[i]);
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
        _grid.Candidates(p, _candidates);
        foreach (int i in _candidates)
            if ((best < 0 || i < best) && Same(_points[i], p)) best = i;
        return best;
    }

    public bool Contains(Vec3 p) => IndexOf(p) >= 0;

    private bool Same(Vec3 a, Vec3 b) =>
        Close(a.X - b.X) && Close(a.Y - b.Y) && Close(a.Z - b.Z);

    private bool Close(double d) => Math.Abs(d - Math.Round(d, MidpointRounding.ToEven)) < _tolerance;
}
