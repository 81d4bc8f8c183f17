namespace CrystalTransformer.Graphs;

/// <summary>
/// One crystal as a directed graph in flat arrays (ready to copy into tensors in one block each).
/// <para>
/// Nodes are the sites (in structure order) with their atomic numbers. Edge e goes from <see cref="EdgeSource"/>[e]
/// (ascending: the edges of node i are contiguous) to <see cref="EdgeTarget"/>[e]; the target lies at image offset
/// <see cref="Images"/>[3e..3e+3] relative to the stored coordinates, and <see cref="BondVectors"/>[3e..3e+3] =
/// r_target + n·L − r_source (Å, Cartesian, same axes as the structure), of length <see cref="Distances"/>[e].
/// Within a source, edges are ordered by distance, then target, then image.
/// </para>
/// </summary>
public sealed class CrystalGraph
{
    /// <summary>Identifier of the structure the graph was built from.</summary>
    public string Id { get; }
    /// <summary>[N] atomic number of each node.</summary>
    public int[] AtomicNumbers { get; }
    /// <summary>[E] source node of each edge (ascending).</summary>
    public int[] EdgeSource { get; }
    /// <summary>[E] target node of each edge.</summary>
    public int[] EdgeTarget { get; }
    /// <summary>[E] edge length (Å).</summary>
    public float[] Distances { get; }
    /// <summary>[3E] image offset of the target (na, nb, nc), in lattice vectors.</summary>
    public int[] Images { get; }
    /// <summary>[3E] bond vector source → target image (Å).</summary>
    public float[] BondVectors { get; }
    /// <summary>The line graph (bond pairs with angle cosines), when the settings asked for it.</summary>
    public LineGraph? LineGraph { get; }
    /// <summary>Atoms that had fewer neighbours than the recipe asks for (CGCNN pads them; the official code warns).</summary>
    public int SitesWithTooFewNeighbors { get; }

    /// <summary>Number of nodes (atoms).</summary>
    public int NodeCount => AtomicNumbers.Length;
    /// <summary>Number of directed edges.</summary>
    public int EdgeCount => EdgeTarget.Length;

    /// <summary>Creates a graph from its arrays (they are kept, not copied); checks that the sizes and indices agree.</summary>
    public CrystalGraph(string id, int[] atomicNumbers, int[] edgeSource, int[] edgeTarget, float[] distances, int[] images,
        float[] bondVectors, LineGraph? lineGraph = null, int sitesWithTooFewNeighbors = 0)
    {
        int e = edgeTarget.Length;
        if (edgeSource.Length != e || distances.Length != e || images.Length != 3 * e || bondVectors.Length != 3 * e)
            throw new ArgumentException($"graph '{id}': edge arrays disagree in length");
        int n = atomicNumbers.Length;
        for (int k = 0; k < e; k++)
        {
            if ((uint)edgeSource[k] >= (uint)n || (uint)edgeTarget[k] >= (uint)n)
                throw new ArgumentException($"graph '{id}': edge {k} refers to a node outside 0..{n - 1}");
            if (k > 0 && edgeSource[k] < edgeSource[k - 1])
                throw new ArgumentException($"graph '{id}': edge sources are not sorted");
        }
        if (lineGraph is not null && !lineGraph.Fits(e))
            throw new ArgumentException($"graph '{id}': line graph refers to edges outside 0..{e - 1}");
        Id = id; AtomicNumbers = atomicNumbers; EdgeSource = edgeSource; EdgeTarget = edgeTarget; Distances = distances;
        Images = images; BondVectors = bondVectors; LineGraph = lineGraph; SitesWithTooFewNeighbors = sitesWithTooFewNeighbors;
    }

    /// <summary>[N + 1] CSR offsets: the edges of node i are RowOffsets[i] .. RowOffsets[i+1]−1.</summary>
    public int[] RowOffsets()
    {
        var rows = new int[NodeCount + 1];
        foreach (int s in EdgeSource) rows[s + 1]++;
        for (int i = 0; i < NodeCount; i++) rows[i + 1] += rows[i];
        return rows;
    }

    /// <summary>A copy carrying a line graph built from this graph's bonds.</summary>
    public CrystalGraph WithLineGraph() =>
        LineGraph is not null ? this : new(Id, AtomicNumbers, EdgeSource, EdgeTarget, Distances, Images, BondVectors,
            Graphs.LineGraph.Build(this), SitesWithTooFewNeighbors);

    /// <summary>Id and sizes, for logs.</summary>
    public override string ToString() => $"CrystalGraph({Id}: {NodeCount} nodes, {EdgeCount} edges{(LineGraph is null ? "" : $", {LineGraph.Count} bond pairs")})";
}
