using System.Numerics;

namespace CrystalTransformer.Graphs;

/// <summary>
/// Many crystal graphs concatenated into one disjoint graph (for a mini-batch). Node, edge and bond-pair arrays are the
/// graphs' arrays laid end to end; edge endpoints are shifted by the graph's first node, line-graph endpoints by its first
/// edge. <see cref="NodeCrystal"/> names the crystal (0..Count−1) of each node, for pooling.
/// </summary>
public sealed class GraphBatch
{
    /// <summary>Number of crystals.</summary>
    public int Count => Ids.Length;
    /// <summary>[B] crystal identifiers in batch order.</summary>
    public string[] Ids { get; }
    /// <summary>[ΣN] atomic numbers.</summary>
    public int[] AtomicNumbers { get; }
    /// <summary>[ΣN] crystal index of each node.</summary>
    public int[] NodeCrystal { get; }
    /// <summary>[B + 1] nodes of crystal b are NodeOffsets[b] .. NodeOffsets[b+1]−1.</summary>
    public int[] NodeOffsets { get; }
    /// <summary>[B + 1] edges of crystal b are EdgeOffsets[b] .. EdgeOffsets[b+1]−1.</summary>
    public int[] EdgeOffsets { get; }
    /// <summary>[ΣE] source node (batch numbering).</summary>
    public int[] EdgeSource { get; }
    /// <summary>[ΣE] target node (batch numbering).</summary>
    public int[] EdgeTarget { get; }
    /// <summary>[ΣE] edge lengths (Å).</summary>
    public float[] Distances { get; }
    /// <summary>[3ΣE] image offsets.</summary>
    public int[] Images { get; }
    /// <summary>[3ΣE] bond vectors (Å).</summary>
    public float[] BondVectors { get; }
    /// <summary>[B + 1] bond pairs of crystal b, when every graph has a line graph; else null.</summary>
    public int[]? LineOffsets { get; }
    /// <summary>[ΣL] first bond of each bond pair (batch edge numbering), or null.</summary>
    public int[]? LineSource { get; }
    /// <summary>[ΣL] second bond of each bond pair (batch edge numbering), or null.</summary>
    public int[]? LineTarget { get; }
    /// <summary>[ΣL] bond-angle cosines, or null.</summary>
    public float[]? AngleCosines { get; }

    /// <summary>Total nodes.</summary>
    public int NodeCount => AtomicNumbers.Length;
    /// <summary>Total edges.</summary>
    public int EdgeCount => EdgeTarget.Length;

    private GraphBatch(string[] ids, int[] z, int[] nodeCrystal, int[] nodeOffsets, int[] edgeOffsets, int[] src, int[] dst,
        float[] dist, int[] images, float[] bonds, int[]? lineOffsets, int[]? lineSrc, int[]? lineDst, float[]? cos)
    {
        Ids = ids; AtomicNumbers = z; NodeCrystal = nodeCrystal; NodeOffsets = nodeOffsets; EdgeOffsets = edgeOffsets;
        EdgeSource = src; EdgeTarget = dst; Distances = dist; Images = images; BondVectors = bonds;
        LineOffsets = lineOffsets; LineSource = lineSrc; LineTarget = lineDst; AngleCosines = cos;
    }

    /// <summary>
    /// Concatenates graphs into one batch: block copies per graph, plus one vectorised add of the graph's offset to its
    /// index arrays. Line graphs are carried when every graph has one.
    /// </summary>
    public static GraphBatch Collate(IReadOnlyList<CrystalGraph> graphs)
    {
        int b = graphs.Count;
        var nodeOffsets = new int[b + 1];
        var edgeOffsets = new int[b + 1];
        bool withLines = b > 0;
        long lineTotal = 0;
        for (int g = 0; g < b; g++)
        {
            nodeOffsets[g + 1] = checked(nodeOffsets[g] + graphs[g].NodeCount);
            edgeOffsets[g + 1] = checked(edgeOffsets[g] + graphs[g].EdgeCount);
            if (graphs[g].LineGraph is { } lg) lineTotal += lg.Count; else withLines = false;
        }
        int n = nodeOffsets[b], e = edgeOffsets[b];
        var ids = new string[b];
        var z = new int[n];
        var nodeCrystal = new int[n];
        var src = new int[e];
        var dst = new int[e];
        var dist = new float[e];
        var images = new int[3 * e];
        var bonds = new float[3 * e];
        int[]? lineOffsets = withLines ? new int[b + 1] : null;
        int[]? lineSrc = withLines ? new int[checked((int)lineTotal)] : null;
        int[]? lineDst = withLines ? new int[lineTotal] : null;
        float[]? cos = withLines ? new float[lineTotal] : null;
        for (int g = 0; g < b; g++)
        {
            var graph = graphs[g];
            ids[g] = graph.Id;
            int n0 = nodeOffsets[g], e0 = edgeOffsets[g];
            graph.AtomicNumbers.CopyTo(z, n0);
            nodeCrystal.AsSpan(n0, graph.NodeCount).Fill(g);
            AddOffset(graph.EdgeSource, src.AsSpan(e0), n0);
            AddOffset(graph.EdgeTarget, dst.AsSpan(e0), n0);
            graph.Distances.CopyTo(dist, e0);
            graph.Images.CopyTo(images, 3 * e0);
            graph.BondVectors.CopyTo(bonds, 3 * e0);
            if (withLines)
            {
                var lg = graph.LineGraph!;
                int l0 = lineOffsets![g];
                lineOffsets[g + 1] = l0 + lg.Count;
                AddOffset(lg.Source, lineSrc!.AsSpan(l0), e0);
                AddOffset(lg.Target, lineDst!.AsSpan(l0), e0);
                lg.AngleCosines.CopyTo(cos!, l0);
            }
        }
        return new GraphBatch(ids, z, nodeCrystal, nodeOffsets, edgeOffsets, src, dst, dist, images, bonds, lineOffsets, lineSrc, lineDst, cos);
    }

    /// <summary>destination[k] = source[k] + offset, with SIMD.</summary>
    internal static void AddOffset(ReadOnlySpan<int> source, Span<int> destination, int offset)
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<int>.Count)
        {
            var add = new Vector<int>(offset);
            for (; k <= source.Length - Vector<int>.Count; k += Vector<int>.Count)
                (new Vector<int>(source.Slice(k)) + add).CopyTo(destination.Slice(k));
        }
        for (; k < source.Length; k++) destination[k] = source[k] + offset;
    }
}
