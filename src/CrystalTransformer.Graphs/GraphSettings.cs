using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Graphs;

/// <summary>
/// How a crystal becomes a graph. Immutable; <see cref="Key"/> is a canonical text used to key graph caches, so two
/// settings with the same key build identical graphs.
/// </summary>
public abstract record GraphSettings
{
    /// <summary>Also build the line graph (bond pairs with angle cosines), as ALIGNN needs.</summary>
    public bool LineGraph { get; init; }

    /// <summary>What to do with disordered sites (default: refuse, naming the site).</summary>
    public DisorderPolicy Disorder { get; init; } = DisorderPolicy.Reject;

    /// <summary>Canonical description of every setting that changes the graph.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Describe()};line={(LineGraph ? 1 : 0)};disorder={Disorder}");

    /// <summary>The recipe-specific part of <see cref="Key"/>.</summary>
    protected abstract string Describe();

    internal abstract void Validate();

    /// <summary>The official CGCNN recipe: 8 Å, 12 neighbours, padded like the original code.</summary>
    public static CgcnnGraphSettings Cgcnn() => new();

    /// <summary>ALIGNN's k-nearest graph (cutoff 8 Å, 12 neighbours, canonized) with its line graph.</summary>
    public static KNearestGraphSettings Alignn() => new() { LineGraph = true };

    /// <summary>All neighbours within a radius (MEGNet's crystal graphs use 5 Å).</summary>
    public static RadiusGraphSettings RadiusGraph(double cutoff) => new() { Cutoff = cutoff };
}

/// <summary>
/// The CGCNN graph (Xie &amp; Grossman; official <c>CIFData</c>): for each atom, the neighbours within
/// <see cref="Radius"/> sorted by distance, the nearest <see cref="MaxNeighbors"/> kept.
/// <para>
/// Ties: neighbours at equal distance are ordered by neighbour index, then image offset (lexicographic); the official
/// code keeps whichever pymatgen happened to list first. When fewer than <see cref="MaxNeighbors"/> are found the
/// official code warns and pads with neighbour index 0 at distance radius + 1; <see cref="PadMissing"/> (default true)
/// does the same (padded edges have image (0,0,0) and a zero bond vector), false keeps only the real neighbours.
/// With padding every node has exactly MaxNeighbors edges, in order, so <see cref="CrystalGraph.EdgeTarget"/> and
/// <see cref="CrystalGraph.Distances"/> reshape to [N, MaxNeighbors]: the official <c>nbr_fea_idx</c> / <c>nbr_fea</c> layout.
/// </para>
/// </summary>
public sealed record CgcnnGraphSettings : GraphSettings
{
    /// <summary>Search radius in Å (official default 8).</summary>
    public double Radius { get; init; } = 8.0;
    /// <summary>Neighbours kept per atom (official default 12).</summary>
    public int MaxNeighbors { get; init; } = 12;
    /// <summary>Pad atoms with too few neighbours to exactly MaxNeighbors edges, as the official code does.</summary>
    public bool PadMissing { get; init; } = true;

    /// <inheritdoc/>
    protected override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"cgcnn;radius={Radius:R};max={MaxNeighbors};pad={(PadMissing ? 1 : 0)}");

    internal override void Validate()
    {
        if (!(Radius > 0) || !double.IsFinite(Radius)) throw new InputError($"CGCNN radius must be positive, got {Radius}");
        if (MaxNeighbors < 1) throw new InputError($"CGCNN max neighbours must be at least 1, got {MaxNeighbors}");
    }
}

/// <summary>
/// ALIGNN's k-nearest-neighbour graph (<c>nearest_neighbor_edges</c> + <c>build_undirected_edgedata</c>): for each
/// atom, every neighbour up to and including the distance of its <see cref="MaxNeighbors"/>-th nearest (so a whole
/// shell of equidistant neighbours is kept); the search radius starts at <see cref="Cutoff"/> and grows while some
/// atom has fewer than MaxNeighbors neighbours. The directed edges are made undirected.
/// <para>
/// <see cref="Canonize"/> = true (ALIGNN's default): each bond once per direction, i→j at n and j→i at −n.
/// (ALIGNN's code lists a periodic self-image bond i→i twice in each direction; here it appears once per direction.)
/// Canonize = false: ALIGNN's other mode — every kept (i, j, n) adds i→j at n and j→i at −n, so a bond that both ends
/// keep appears twice in each direction.
/// </para>
/// </summary>
public sealed record KNearestGraphSettings : GraphSettings
{
    /// <summary>Initial search radius in Å (ALIGNN default 8).</summary>
    public double Cutoff { get; init; } = 8.0;
    /// <summary>k (ALIGNN default 12).</summary>
    public int MaxNeighbors { get; init; } = 12;
    /// <summary>Deduplicate bonds (ALIGNN's use_canonize, default true).</summary>
    public bool Canonize { get; init; } = true;
    /// <summary>
    /// Distances within this many Å of the k-th neighbour's count as the same shell (ALIGNN compares exactly, which lets
    /// rounding split a symmetric shell; 0 restores the exact comparison).
    /// </summary>
    public double ShellTolerance { get; init; } = 1e-6;

    /// <inheritdoc/>
    protected override string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"knearest;cutoff={Cutoff:R};k={MaxNeighbors};canonize={(Canonize ? 1 : 0)};shelltol={ShellTolerance:R}");

    internal override void Validate()
    {
        if (!(Cutoff > 0) || !double.IsFinite(Cutoff)) throw new InputError($"k-nearest cutoff must be positive, got {Cutoff}");
        if (MaxNeighbors < 1) throw new InputError($"k-nearest k must be at least 1, got {MaxNeighbors}");
        if (!(ShellTolerance >= 0) || !double.IsFinite(ShellTolerance)) throw new InputError($"shell tolerance must be >= 0, got {ShellTolerance}");
    }
}

/// <summary>Every neighbour within <see cref="Cutoff"/> Å (a radius graph, as MEGNet builds for crystals).</summary>
public sealed record RadiusGraphSettings : GraphSettings
{
    /// <summary>Cutoff radius in Å (MEGNet default 5).</summary>
    public double Cutoff { get; init; } = 5.0;

    /// <inheritdoc/>
    protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"radius;cutoff={Cutoff:R}");

    internal override void Validate()
    {
        if (!(Cutoff > 0) || !double.IsFinite(Cutoff)) throw new InputError($"radius-graph cutoff must be positive, got {Cutoff}");
    }
}
