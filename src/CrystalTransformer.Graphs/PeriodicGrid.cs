using System.Runtime.CompilerServices;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Graphs;

/// <summary>Receives the neighbours found by <see cref="PeriodicGrid.Query{TSink}"/>.</summary>
internal interface INeighborSink
{
    /// <summary>Neighbour <paramref name="j"/> at image offset (na, nb, nc) relative to the stored coordinates, squared distance d2.</summary>
    void Add(int j, int na, int nb, int nc, double d2);
}

/// <summary>
/// Cell list for periodic neighbour search in any cell shape.
/// <para>
/// The lattice is rotated (Gram–Schmidt, distances unchanged) into lower-triangular form, a = (ax,0,0), b = (bx,by,0),
/// c = (cx,cy,cz), so that z depends only on the fractional coordinate t along c, y on (v, t) and x on (u, v, t).
/// Atoms (wrapped into the cell) are binned into columns over (v, t) and sorted by u inside each column. For a centre
/// atom the search walks the column rows whose (v, t) bin can still hold a point within the cutoff and, in each row,
/// takes the contiguous range of u that can — so the candidates hug the sphere for any skew, and a cell smaller than
/// the cutoff is just a column visited at several periodic images. Cost is linear in the number of atoms.
/// </para>
/// <para>
/// Image offsets are reported relative to the structure's stored fractional coordinates (as pymatgen does): the
/// neighbour position is r_j + n·L with r_j the stored (possibly unwrapped) coordinates.
/// </para>
/// </summary>
internal sealed class PeriodicGrid
{
    /// <summary>Pairs with d² &lt; r² + this (Å²) are neighbours: pymatgen's numerical tolerance, so pairs at exactly the cutoff count.</summary>
    public const double SquaredTolerance = 1e-8;

    // Column width = cutoff / this. Narrower columns hug the sphere better but cost more rows per centre; 1.5–2 was
    // fastest on perov5, NOMAD and NaCl supercells.
    private const double ColumnsPerCutoff = 1.5;

    private readonly double _ax, _bx, _by, _cx, _cy, _cz;
    private readonly int _n, _nv, _nt;
    private readonly double[] _u, _v, _t;        // wrapped fractional coordinates per atom
    private readonly int[] _sa, _sb, _sc;         // floor of the stored fractional coordinates per atom
    private readonly double[] _x, _y, _z;        // triangular-frame positions of the wrapped atoms
    private readonly int[] _colStart;             // [nv*nt + 1]
    private readonly int[] _sortedAtom;
    private readonly double[] _su, _sx, _sy, _sz; // the same in column order (contiguous rows for the inner loop)

    public int AtomCount => _n;

    /// <param name="lattice">Rows a, b, c (Å).</param>
    /// <param name="frac">Stored fractional coordinates.</param>
    /// <param name="designCutoff">Cutoff the columns are sized for (queries may use any cutoff).</param>
    public PeriodicGrid(Mat3 lattice, ReadOnlySpan<Vec3> frac, double designCutoff)
    {
        if (!(designCutoff > 0) || !double.IsFinite(designCutoff)) throw new ArgumentOutOfRangeException(nameof(designCutoff), "cutoff must be a positive finite number");
        var a = lattice.Row(0); var b = lattice.Row(1); var c = lattice.Row(2);
        _ax = a.Norm;
        var ahat = a / _ax;
        _bx = b.Dot(ahat);
        var bperp = b - _bx * ahat;
        _by = bperp.Norm;
        var yhat = bperp / _by;
        _cx = c.Dot(ahat);
        _cy = c.Dot(yhat);
        _cz = (c - _cx * ahat - _cy * yhat).Norm;
        if (!(_ax > 0 && _by > 0 && _cz > 0) || !double.IsFinite(_ax * _by * _cz))
            throw new InputError("lattice is degenerate: its cell vectors do not span three dimensions");

        _n = frac.Length;
        _u = new double[_n]; _v = new double[_n]; _t = new double[_n];
        _sa = new int[_n]; _sb = new int[_n]; _sc = new int[_n];
        _x = new double[_n]; _y = new double[_n]; _z = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            var f = frac[i];
            if (!f.IsFinite) throw new InputError($"site {i + 1} has non-finite fractional coordinates");
            (_u[i], _sa[i]) = Wrap(f.X);
            (_v[i], _sb[i]) = Wrap(f.Y);
            (_t[i], _sc[i]) = Wrap(f.Z);
            _x[i] = _u[i] * _ax + _v[i] * _bx + _t[i] * _cx;
            _y[i] = _v[i] * _by + _t[i] * _cy;
            _z[i] = _t[i] * _cz;
        }

        // Never more columns than atoms, so memory stays linear for sparse cells.
        double width = designCutoff / ColumnsPerCutoff;
        long nv = Math.Max(1, (long)Math.Floor(_by / width));
        long nt = Math.Max(1, (long)Math.Floor(_cz / width));
        long maxColumns = Math.Max(1, _n);
        while (nv * nt > maxColumns)
        {
            if (nv >= nt) nv = Math.Max(1, nv / 2); else nt = Math.Max(1, nt / 2);
        }
        _nv = (int)nv; _nt = (int)nt;

        int columns = _nv * _nt;
        _colStart = new int[columns + 1];
        var col = new int[_n];
        for (int i = 0; i < _n; i++)
        {
            int cv = Math.Min(_nv - 1, (int)(_v[i] * _nv));
            int ct = Math.Min(_nt - 1, (int)(_t[i] * _nt));
            col[i] = cv * _nt + ct;
            _colStart[col[i] + 1]++;
        }
        for (int k = 0; k < columns; k++) _colStart[k + 1] += _colStart[k];
        _sortedAtom = new int[_n];
        var fill = (int[])_colStart.Clone();
        for (int i = 0; i < _n; i++) _sortedAtom[fill[col[i]]++] = i;
        // Sort each column by u (ties by atom index, so the order is deterministic).
        var keys = new double[_n];
        for (int k = 0; k < _n; k++) keys[k] = _u[_sortedAtom[k]];
        for (int k = 0; k < columns; k++)
        {
            int s = _colStart[k], len = _colStart[k + 1] - s;
            if (len > 1) Array.Sort(keys, _sortedAtom, s, len, Comparer<double>.Default);
        }
        // Equal keys: Array.Sort is not stable, so fix ties by index.
        for (int k = 0; k < columns; k++)
        {
            int s = _colStart[k], e = _colStart[k + 1];
            for (int p = s + 1; p < e; p++)
            {
                int q = p;
                while (q > s && keys[q - 1] == keys[q] && _sortedAtom[q - 1] > _sortedAtom[q])
                {
                    (_sortedAtom[q - 1], _sortedAtom[q]) = (_sortedAtom[q], _sortedAtom[q - 1]);
                    q--;
                }
            }
        }
        _su = keys;
        _sx = new double[_n]; _sy = new double[_n]; _sz = new double[_n];
        for (int k = 0; k < _n; k++)
        {
            int i = _sortedAtom[k];
            _sx[k] = _x[i]; _sy[k] = _y[i]; _sz[k] = _z[i];
        }
    }

    private static (double W, int Shift) Wrap(double f)
    {
        double fl = Math.Floor(f);
        double w = f - fl;
        int s = checked((int)fl);
        if (w >= 1.0) { w = 0.0; s++; }   // f - floor(f) rounds to 1 for tiny negative f
        return (w, s);
    }

    /// <summary>Fractional coordinates of atom i wrapped into [0, 1).</summary>
    public Vec3 WrappedFrac(int i) => new(_u[i], _v[i], _t[i]);

    /// <summary>Integer part of atom i's stored fractional coordinates (stored = wrapped + shift).</summary>
    public (int A, int B, int C) Shift(int i) => (_sa[i], _sb[i], _sc[i]);

    /// <summary>
    /// Every neighbour of atom <paramref name="i"/> with d² &lt; r² + <see cref="SquaredTolerance"/>, over all periodic
    /// images, except the atom itself at zero offset. Visits rows in a fixed order, so the output order is deterministic.
    /// </summary>
    // Fully optimised from the first call: a one-shot build of a large structure never reaches tiered re-compilation.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Query<TSink>(int i, double r, ref TSink sink) where TSink : struct, INeighborSink
    {
        double rr = r * r + SquaredTolerance;
        // Bounds are for pruning only; widen them a hair so rounding can never drop a true neighbour.
        double rb2 = rr * (1 + 1e-12) + 1e-12;
        double rb = Math.Sqrt(rb2);
        double u0 = _u[i], v0 = _v[i], t0 = _t[i];
        double x0 = _x[i], y0 = _y[i], z0 = _z[i];
        int sai = _sa[i], sbi = _sb[i], sci = _sc[i];
        double ax = _ax, bx = _bx, by = _by, cx = _cx, cy = _cy, cz = _cz;
        int nv = _nv, nt = _nt;
        double invNv = 1.0 / nv, invNt = 1.0 / nt;

        long btLo = (long)Math.Floor((t0 - rb / cz) * nt), btHi = (long)Math.Floor((t0 + rb / cz) * nt);
        for (long bt = btLo; bt <= btHi; bt++)
        {
            double dtLo = bt * invNt - t0, dtHi = (bt + 1) * invNt - t0;
            double dzMin = dtLo > 0 ? dtLo * cz : (dtHi < 0 ? -dtHi * cz : 0);
            double remZ = rb2 - dzMin * dzMin;
            if (remZ < 0) continue;
            double rhoZ = Math.Sqrt(remZ);
            double yA = dtLo * cy, yB = dtHi * cy;
            double yLo = Math.Min(yA, yB), yHi = Math.Max(yA, yB);
            double xtA = dtLo * cx, xtB = dtHi * cx;
            double xtLo = Math.Min(xtA, xtB), xtHi = Math.Max(xtA, xtB);
            int ct = (int)FloorMod(bt, nt);
            long mt = FloorDiv(bt, nt);
            double tz = mt * cz - z0, ty = mt * cy - y0, tx = mt * cx - x0;

            long bvLo = (long)Math.Floor((v0 + (-rhoZ - yHi) / by) * nv);
            long bvHi = (long)Math.Floor((v0 + (rhoZ - yLo) / by) * nv);
            for (long bv = bvLo; bv <= bvHi; bv++)
            {
                double dvLo = bv * invNv - v0, dvHi = (bv + 1) * invNv - v0;
                double yMin = dvLo * by + yLo, yMax = dvHi * by + yHi;
                double dyMin = yMin > 0 ? yMin : (yMax < 0 ? -yMax : 0);
                double remY = remZ - dyMin * dyMin;
                if (remY < 0) continue;
                double rhoY = Math.Sqrt(remY);
                double xvA = dvLo * bx, xvB = dvHi * bx;
                double oLo = Math.Min(xvA, xvB) + xtLo, oHi = Math.Max(xvA, xvB) + xtHi;
                double uLo = u0 + (-rhoY - oHi) / ax, uHi = u0 + (rhoY - oLo) / ax;

                int cv = (int)FloorMod(bv, nv);
                long mv = FloorDiv(bv, nv);
                int column = cv * nt + ct;
                int cs = _colStart[column], ce = _colStart[column + 1];
                if (cs == ce) continue;
                double rowY = ty + mv * by, rowZ = tz, rowX = tx + mv * bx;

                long maLo = (long)Math.Floor(uLo), maHi = (long)Math.Floor(uHi);
                for (long ma = maLo; ma <= maHi; ma++)
                {
                    double lo = uLo - ma, hi = uHi - ma;
                    int k = lo <= _su[cs] ? cs : LowerBound(_su, cs, ce, lo);
                    double shiftX = rowX + ma * ax;
                    for (; k < ce; k++)
                    {
                        if (_su[k] > hi) break;
                        double dx = _sx[k] + shiftX, dy = _sy[k] + rowY, dz = _sz[k] + rowZ;
                        double d2 = dx * dx + dy * dy + dz * dz;
                        if (d2 >= rr) continue;
                        int j = _sortedAtom[k];
                        if (j == i && ma == 0 && mv == 0 && mt == 0) continue;
                        sink.Add(j, (int)(ma - _sa[j] + sai), (int)(mv - _sb[j] + sbi), (int)(mt - _sc[j] + sci), d2);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FloorDiv(long a, long b) { long q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FloorMod(long a, long b) { long m = a % b; return m < 0 ? m + b : m; }

    private static int LowerBound(double[] keys, int lo, int hi, double value)
    {
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Rough number of neighbours within r per atom (for buffer sizing and adaptive radii).</summary>
    public static double ExpectedNeighbors(int atoms, double volume, double r) =>
        atoms / volume * (4.0 / 3.0) * Math.PI * r * r * r;
}
