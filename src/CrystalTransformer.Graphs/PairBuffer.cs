using System.Runtime.CompilerServices;

using CrystalTransformer.Structures;

namespace CrystalTransformer.Graphs;

/// <summary>One neighbour found by the search: index, image offset relative to stored coordinates, squared distance.</summary>
internal struct Pair
{
    public int J, Na, Nb, Nc;
    public double D2;

    public Pair(int j, int na, int nb, int nc, double d2) { J = j; Na = na; Nb = nb; Nc = nc; D2 = d2; }

    /// <summary>Order used everywhere a neighbour list is sorted: squared distance, then index, then image (lexicographic).</summary>
    public static int Compare(in Pair x, in Pair y)
    {
        int c = x.D2.CompareTo(y.D2);
        if (c != 0) return c;
        if (x.J != y.J) return x.J < y.J ? -1 : 1;
        if (x.Na != y.Na) return x.Na < y.Na ? -1 : 1;
        if (x.Nb != y.Nb) return x.Nb < y.Nb ? -1 : 1;
        return x.Nc.CompareTo(y.Nc);
    }
}

internal readonly struct PairComparer : IComparer<Pair>
{
    public int Compare(Pair x, Pair y) => Pair.Compare(x, y);
}

/// <summary>
/// Append-only pair storage in fixed-size segments: growing never copies, so building a large list costs the final
/// arrays plus one copy of the pairs, not the 2–3× of a doubling buffer.
/// </summary>
internal sealed class PairSegments
{
    // Segments grow from small (cheap for the many small structures of a data set) to a cap (no copying, bounded slack).
    private const int FirstSegment = 256, MaxSegment = 1 << 16;
    private readonly List<Pair[]> _segments = new();
    private Pair[] _current;
    private int _used;
    private long _full; // pairs in the segments before the current one

    public PairSegments() { _current = new Pair[FirstSegment]; _segments.Add(_current); }

    public long Count => _full + _used;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int j, int na, int nb, int nc, double d2)
    {
        if (_used == _current.Length) NewSegment();
        _current[_used++] = new Pair(j, na, nb, nc, d2);
    }

    private void NewSegment()
    {
        _full += _current.Length;
        if (_full > NeighborList.MaxPairs) throw TooMany();
        _current = GC.AllocateUninitializedArray<Pair>(Math.Min(MaxSegment, 2 * _current.Length)); // only the used part is read
        _segments.Add(_current);
        _used = 0;
    }

    /// <summary>Guards against structures whose density estimate hides a pile-up (many atoms at one place).</summary>
    internal static InputError TooMany() =>
        new($"more than {NeighborList.MaxPairs:G3} neighbour pairs (atoms piled up, or a cutoff far too large for the cell); use a smaller cutoff");

    /// <summary>Visits the stored pairs in order, segment by segment.</summary>
    public IEnumerable<ArraySegment<Pair>> Segments()
    {
        for (int s = 0; s < _segments.Count; s++)
            yield return new ArraySegment<Pair>(_segments[s], 0, s == _segments.Count - 1 ? _used : _segments[s].Length);
    }
}

/// <summary>Struct adapter so the search loop is specialised for (and inlines) segment appends.</summary>
internal struct SegmentSink : INeighborSink
{
    public PairSegments Target;
    public SegmentSink(PairSegments target) => Target = target;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int j, int na, int nb, int nc, double d2) => Target.Add(j, na, nb, nc, d2);
}

/// <summary>A reusable list of pairs for one centre (k-nearest selection).</summary>
internal struct PairList : INeighborSink
{
    public Pair[] Items;
    public int Count;

    public PairList(int capacity) { Items = new Pair[Math.Max(16, capacity)]; Count = 0; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int j, int na, int nb, int nc, double d2)
    {
        if (Count == Items.Length)
        {
            if (Count > NeighborList.MaxPairs) throw PairSegments.TooMany();
            Array.Resize(ref Items, Items.Length * 2);
        }
        Items[Count++] = new Pair(j, na, nb, nc, d2);
    }

    public Span<Pair> AsSpan() => Items.AsSpan(0, Count);
}
