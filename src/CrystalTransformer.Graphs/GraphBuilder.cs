using CrystalTransformer.Structures;

namespace CrystalTransformer.Graphs;

/// <summary>Builds <see cref="CrystalGraph"/>s from structures with a <see cref="GraphSettings"/> recipe.</summary>
public static class GraphBuilder
{
    // k-nearest searches start at a radius expected to hold this many neighbours per wanted neighbour (plus a margin)
    // and grow by GrowthFactor until every atom has enough: the result is identical to searching the full radius, at a
    // fraction of the pairs.
    private const double NeighborsPerWanted = 1.7;
    private const double GrowthFactor = 1.5;

    [ThreadStatic] private static Scratch? _scratch;

    /// <summary>Builds the graph of one structure.</summary>
    /// <exception cref="InputError">Empty or disordered structure (under <see cref="DisorderPolicy.Reject"/>), or bad settings.</exception>
    public static CrystalGraph Build(Structure structure, GraphSettings settings)
    {
        settings.Validate();
        var scratch = _scratch ??= new Scratch();
        return BuildWith(structure, settings, scratch);
    }

    /// <summary>Builds the graphs of many structures on <paramref name="threads"/> threads; output order = input order.</summary>
    public static CrystalGraph[] BuildAll(IReadOnlyList<Structure> structures, GraphSettings settings, int threads = 1)
    {
        settings.Validate();
        var graphs = new CrystalGraph[structures.Count];
        if (threads <= 1 || structures.Count < 2)
        {
            for (int k = 0; k < graphs.Length; k++) graphs[k] = Build(structures[k], settings);
            return graphs;
        }
        try
        {
            Parallel.For(0, structures.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
                () => new Scratch(), (k, _, scratch) => { graphs[k] = BuildWith(structures[k], settings, scratch); return scratch; }, _ => { });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // Report the first failure as a plain exception (one line), not an aggregate.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
        return graphs;
    }

    private static CrystalGraph BuildWith(Structure structure, GraphSettings settings, Scratch scratch)
    {
        string name = structure.Id.Length > 0 ? structure.Id : structure.Composition.ReducedFormula;
        if (structure.Count == 0) throw new InputError($"structure {name} has no sites");
        var z = structure.AtomicNumbers(settings.Disorder);
        int n = structure.Count;
        var frac = scratch.Frac(n);
        for (int i = 0; i < n; i++) frac[i] = structure.Sites[i].Frac;
        var edges = scratch.Edges;
        edges.Clear();
        var lattice = structure.Lattice;
        int shortSites;
        try
        {
            shortSites = settings switch
            {
                CgcnnGraphSettings c => Cgcnn(lattice, frac.AsSpan(0, n), c, edges, ref scratch.Pairs),
                KNearestGraphSettings k => KNearest(lattice, frac.AsSpan(0, n), k, edges, ref scratch.Pairs, scratch),
                RadiusGraphSettings r => Radius(lattice, frac.AsSpan(0, n), r, edges, ref scratch.Pairs),
                _ => throw new ArgumentException($"unknown graph settings {settings.GetType().Name}"),
            };
        }
        catch (InputError ex)
        {
            throw new InputError($"structure {name}: {ex.Reason}", ex.Origin, ex.Line, ex);
        }
        return edges.ToGraph(structure.Id, z, lattice.Matrix, frac, settings.LineGraph, shortSites);
    }

    private static double InitialRadius(int atoms, double volume, int wanted, double maxRadius)
    {
        double count = NeighborsPerWanted * wanted + 2;
        double r = Math.Cbrt(3 * count * volume / (4 * Math.PI * atoms));
        return Math.Min(maxRadius, r);
    }

    private static int Cgcnn(Lattice lattice, ReadOnlySpan<Vec3> frac, CgcnnGraphSettings s, EdgeList edges, ref PairList pairs)
    {
        int n = frac.Length, m = s.MaxNeighbors;
        double radius = s.Radius;
        double r0 = InitialRadius(n, lattice.Volume, m, radius);
        NeighborList.CheckSize(n, lattice, r0);
        var grid = new PeriodicGrid(lattice.Matrix, frac, r0);
        int shortSites = 0;
        for (int i = 0; i < n; i++)
        {
            double r = r0;
            while (true)
            {
                pairs.Count = 0;
                grid.Query(i, r, ref pairs);
                if (pairs.Count >= m || r >= radius) break;
                r = Math.Min(radius, r * GrowthFactor);
                NeighborList.CheckSize(n, lattice, r);
            }
            var found = pairs.AsSpan();
            found.Sort(new PairComparer());
            int keep = Math.Min(m, found.Length);
            for (int k = 0; k < keep; k++) edges.Add(i, found[k]);
            if (found.Length < m)
            {
                shortSites++;
                if (s.PadMissing)
                    for (int k = found.Length; k < m; k++) edges.AddPadding(i, radius + 1);
            }
        }
        return shortSites;
    }

    private static int KNearest(Lattice lattice, ReadOnlySpan<Vec3> frac, KNearestGraphSettings s, EdgeList edges, ref PairList pairs, Scratch scratch)
    {
        int n = frac.Length, m = s.MaxNeighbors;
        double tol = s.ShellTolerance;
        double r0 = InitialRadius(n, lattice.Volume, m, s.Cutoff);
        var grid = new PeriodicGrid(lattice.Matrix, frac, r0);
        ref var kept = ref scratch.Kept;
        kept.Count = 0;
        var owners = scratch.Owners(0);
        int ownerCount = 0;
        for (int i = 0; i < n; i++)
        {
            double r = r0;
            Span<Pair> found;
            double shellEnd;
            while (true)
            {
                pairs.Count = 0;
                grid.Query(i, r, ref pairs);
                if (pairs.Count >= m)
                {
                    found = pairs.AsSpan();
                    found.Sort(new PairComparer());
                    shellEnd = Math.Sqrt(found[m - 1].D2) + tol;
                    if (shellEnd <= r) break; // every neighbour of the k-th shell lies inside the searched sphere
                    r = Math.Max(r * GrowthFactor, shellEnd * (1 + 1e-9));
                }
                else r *= GrowthFactor;
                NeighborList.CheckSize(n, lattice, r);
            }
            double shellEnd2 = shellEnd * shellEnd;
            foreach (ref readonly var p in found)
            {
                if (p.D2 > shellEnd2) break;
                kept.Add(p.J, p.Na, p.Nb, p.Nc, p.D2);
                owners = scratch.Owners(ownerCount + 1);
                owners[ownerCount++] = i;
            }
        }
        var bonds = scratch.Bonds(kept.Count * (s.Canonize ? 1 : 2));
        int count = 0;
        for (int k = 0; k < kept.Count; k++)
        {
            ref readonly var p = ref kept.Items[k];
            int i = owners[k];
            if (s.Canonize)
            {
                // One key per undirected bond: (low index, high index, image seen from the low index).
                if (i < p.J) bonds[count++] = new Bond(i, p.J, p.Na, p.Nb, p.Nc, p.D2);
                else if (i > p.J) bonds[count++] = new Bond(p.J, i, -p.Na, -p.Nb, -p.Nc, p.D2);
                else if (IsPositive(p.Na, p.Nb, p.Nc)) bonds[count++] = new Bond(i, i, p.Na, p.Nb, p.Nc, p.D2);
                else bonds[count++] = new Bond(i, i, -p.Na, -p.Nb, -p.Nc, p.D2);
            }
            else
            {
                bonds[count++] = new Bond(i, p.J, p.Na, p.Nb, p.Nc, p.D2);
                bonds[count++] = new Bond(p.J, i, -p.Na, -p.Nb, -p.Nc, p.D2);
            }
        }
        var span = bonds.AsSpan(0, count);
        if (s.Canonize)
        {
            span.Sort(Bond.CompareKey);
            int unique = 0;
            for (int k = 0; k < span.Length; k++)
                if (unique == 0 || Bond.CompareKey(span[unique - 1], span[k]) != 0) span[unique++] = span[k];
            var directed = scratch.Bonds2(2 * unique);
            int d = 0;
            for (int k = 0; k < unique; k++)
            {
                var b = span[k];
                directed[d++] = b;
                directed[d++] = new Bond(b.B, b.A, -b.Na, -b.Nb, -b.Nc, b.D2);
            }
            span = directed.AsSpan(0, d);
        }
        span.Sort(Bond.CompareEdgeOrder);
        foreach (ref readonly var b in span) edges.Add(b.A, new Pair(b.B, b.Na, b.Nb, b.Nc, b.D2));
        return 0;
    }

    private static bool IsPositive(int a, int b, int c) => a != 0 ? a > 0 : b != 0 ? b > 0 : c > 0;

    private static int Radius(Lattice lattice, ReadOnlySpan<Vec3> frac, RadiusGraphSettings s, EdgeList edges, ref PairList pairs)
    {
        int n = frac.Length;
        NeighborList.CheckSize(n, lattice, s.Cutoff);
        var grid = new PeriodicGrid(lattice.Matrix, frac, s.Cutoff);
        for (int i = 0; i < n; i++)
        {
            pairs.Count = 0;
            grid.Query(i, s.Cutoff, ref pairs);
            var found = pairs.AsSpan();
            found.Sort(new PairComparer());
            foreach (ref readonly var p in found) edges.Add(i, p);
        }
        return 0;
    }

    /// <summary>A bond i → j at image n with its squared length.</summary>
    private readonly record struct Bond(int A, int B, int Na, int Nb, int Nc, double D2)
    {
        public static int CompareKey(Bond x, Bond y)
        {
            if (x.A != y.A) return x.A.CompareTo(y.A);
            if (x.B != y.B) return x.B.CompareTo(y.B);
            if (x.Na != y.Na) return x.Na.CompareTo(y.Na);
            if (x.Nb != y.Nb) return x.Nb.CompareTo(y.Nb);
            return x.Nc.CompareTo(y.Nc);
        }

        /// <summary>Source, then distance, target and image: the edge order of every <see cref="CrystalGraph"/>.</summary>
        public static int CompareEdgeOrder(Bond x, Bond y)
        {
            if (x.A != y.A) return x.A.CompareTo(y.A);
            int c = x.D2.CompareTo(y.D2);
            if (c != 0) return c;
            if (x.B != y.B) return x.B.CompareTo(y.B);
            if (x.Na != y.Na) return x.Na.CompareTo(y.Na);
            if (x.Nb != y.Nb) return x.Nb.CompareTo(y.Nb);
            return x.Nc.CompareTo(y.Nc);
        }
    }

    /// <summary>Per-thread reusable buffers, so building many small graphs allocates little beyond the results.</summary>
    private sealed class Scratch
    {
        public PairList Pairs = new(256);
        public PairList Kept = new(256);
        public readonly EdgeList Edges = new();
        private Vec3[] _frac = new Vec3[64];
        private int[] _owners = new int[256];
        private Bond[] _bonds = new Bond[512];
        private Bond[] _bonds2 = new Bond[512];

        public Vec3[] Frac(int n) => _frac.Length >= n ? _frac : _frac = new Vec3[Math.Max(n, 2 * _frac.Length)];
        public int[] Owners(int n) { if (_owners.Length < n) Array.Resize(ref _owners, Math.Max(n, 2 * _owners.Length)); return _owners; }
        public Bond[] Bonds(int n) => _bonds.Length >= n ? _bonds : _bonds = new Bond[Math.Max(n, 2 * _bonds.Length)];
        public Bond[] Bonds2(int n) => _bonds2.Length >= n ? _bonds2 : _bonds2 = new Bond[Math.Max(n, 2 * _bonds2.Length)];
    }
}

/// <summary>Edges collected for one graph (reused across graphs), turned into exact-size arrays at the end.</summary>
internal sealed class EdgeList
{
    private int[] _src = new int[256];
    private Pair[] _pairs = new Pair[256];
    private bool[] _padding = new bool[256];
    private int _count;

    public void Clear() => _count = 0;

    public void Add(int source, in Pair pair)
    {
        if (_count == _src.Length) Grow();
        _src[_count] = source;
        _pairs[_count] = pair;
        _padding[_count] = false;
        _count++;
    }

    /// <summary>A CGCNN padding edge: target 0, the given distance, image 0 and a zero bond vector.</summary>
    public void AddPadding(int source, double distance)
    {
        if (_count == _src.Length) Grow();
        _src[_count] = source;
        _pairs[_count] = new Pair(0, 0, 0, 0, distance * distance);
        _padding[_count] = true;
        _count++;
    }

    private void Grow()
    {
        Array.Resize(ref _src, 2 * _src.Length);
        Array.Resize(ref _pairs, 2 * _pairs.Length);
        Array.Resize(ref _padding, 2 * _padding.Length);
    }

    public CrystalGraph ToGraph(string id, int[] atomicNumbers, Mat3 lattice, Vec3[] frac, bool lineGraph, int shortSites)
    {
        int e = _count;
        var src = _src.AsSpan(0, e).ToArray();
        var dst = new int[e];
        var dist = new float[e];
        var images = new int[3 * e];
        var bonds = new float[3 * e];
        for (int k = 0; k < e; k++)
        {
            ref readonly var p = ref _pairs[k];
            dst[k] = p.J;
            dist[k] = (float)Math.Sqrt(p.D2);
            images[3 * k] = p.Na; images[3 * k + 1] = p.Nb; images[3 * k + 2] = p.Nc;
            if (_padding[k]) continue;
            // Bond vector in the structure's own axes from stored fractions: (f_j + n − f_i)·L.
            var fi = frac[src[k]]; var fj = frac[p.J];
            var df = new Vec3(fj.X + p.Na - fi.X, fj.Y + p.Nb - fi.Y, fj.Z + p.Nc - fi.Z);
            var v = df * lattice;
            bonds[3 * k] = (float)v.X; bonds[3 * k + 1] = (float)v.Y; bonds[3 * k + 2] = (float)v.Z;
        }
        var line = lineGraph ? LineGraph.Build(atomicNumbers.Length, src, dst, bonds) : null;
        return new CrystalGraph(id, atomicNumbers, src, dst, dist, images, bonds, line, shortSites);
    }
}
