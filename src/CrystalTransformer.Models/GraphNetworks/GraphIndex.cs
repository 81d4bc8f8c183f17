namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>
/// The edges of a directed graph (atoms and bonds, or bonds and bond pairs) on the host, for the fused CPU kernels:
/// endpoints, the edges leaving and entering each node (ascending edge number within a node), and a split of the
/// nodes into chunks of about <see cref="ChunkEdges"/> edges. A kernel that sums into nodes gives each chunk of nodes to
/// one thread, so every sum is taken in edge order whatever the thread count.
/// </summary>
public sealed class GraphIndex
{
    /// <summary>Edges per chunk of work (a fixed number, so that results do not depend on the thread count).</summary>
    public const int ChunkEdges = 2048;

    public int NodeCount { get; }
    public int EdgeCount => Source.Length;
    /// <summary>[E] source node of each edge.</summary>
    public int[] Source { get; }
    /// <summary>[E] target node of each edge.</summary>
    public int[] Target { get; }
    /// <summary>[E] edges ordered by source node; those of node n are BySource[SourceStart[n] .. SourceStart[n+1]−1].</summary>
    public int[] BySource { get; }
    public int[] SourceStart { get; }
    /// <summary>[E] edges ordered by target node; those of node n are ByTarget[TargetStart[n] .. TargetStart[n+1]−1].</summary>
    public int[] ByTarget { get; }
    public int[] TargetStart { get; }
    /// <summary>Node boundaries of the chunks by source (first node of each chunk, then NodeCount).</summary>
    public int[] SourceChunks { get; }
    /// <summary>Node boundaries of the chunks by target.</summary>
    public int[] TargetChunks { get; }
    /// <summary>Number of chunks of consecutive edges.</summary>
    public int EdgeChunks => (EdgeCount + ChunkEdges - 1) / ChunkEdges;

    private GraphIndex(int nodes, int[] source, int[] target)
    {
        NodeCount = nodes;
        Source = source;
        Target = target;
        (BySource, SourceStart) = Group(nodes, source);
        (ByTarget, TargetStart) = Group(nodes, target);
        SourceChunks = Chunks(SourceStart);
        TargetChunks = Chunks(TargetStart);
    }

    /// <summary>Indexes edges <paramref name="source"/>[k] → <paramref name="target"/>[k] among <paramref name="nodes"/> nodes (arrays kept, not copied).</summary>
    public static GraphIndex Build(int nodes, int[] source, int[] target)
    {
        if (source.Length != target.Length) throw new ArgumentException("edge arrays disagree in length");
        return new GraphIndex(nodes, source, target);
    }

    /// <summary>Counting sort of the edges by <paramref name="node"/>, stable.</summary>
    private static (int[] Order, int[] Start) Group(int nodes, int[] node)
    {
        var start = new int[nodes + 1];
        foreach (int n in node)
        {
            if ((uint)n >= (uint)nodes) throw new ArgumentException($"edge endpoint {n} outside 0..{nodes - 1}");
            start[n + 1]++;
        }
        for (int n = 0; n < nodes; n++) start[n + 1] += start[n];
        var order = new int[node.Length];
        var next = start[..^1].Clone() as int[] ?? [];
        for (int k = 0; k < node.Length; k++) order[next[node[k]]++] = k;
        return (order, start);
    }

    private static int[] Chunks(int[] start)
    {
        var bounds = new List<int> { 0 };
        int nodes = start.Length - 1;
        for (int n = 0; n < nodes; n++)
            if (start[n + 1] - start[bounds[^1]] >= ChunkEdges && n + 1 < nodes) bounds.Add(n + 1);
        bounds.Add(nodes);
        return [.. bounds];
    }
}
