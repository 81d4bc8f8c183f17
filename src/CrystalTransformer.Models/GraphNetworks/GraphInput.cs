using CrystalTransformer.Graphs;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>Which optional arrays a graph network needs in its batches.</summary>
[Flags]
public enum GraphInputParts
{
    None = 0,
    /// <summary>Crystal of each edge and edges per crystal (global-state updates, edge readouts).</summary>
    EdgeCrystal = 1,
    /// <summary>Edges leaving each node (means over a node's edges).</summary>
    NodeDegree = 2,
    /// <summary>Bond pairs with their angle cosines (line graph).</summary>
    LineGraph = 4,
}

/// <summary>
/// One batch of crystal graphs on the device, as flat tensors: the graphs of <see cref="GraphBatch"/> laid end to end,
/// each array copied to the device in one block. Message passing indexes and scatters into these.
/// </summary>
public sealed class GraphInput : IBatch
{
    /// <summary>[N] Z − 1 of each atom (int64), the row of the element table.</summary>
    public required Tensor ElementIndex { get; init; }
    /// <summary>[E] source atom of each edge (int64).</summary>
    public required Tensor EdgeSource { get; init; }
    /// <summary>[E] target atom of each edge (int64).</summary>
    public required Tensor EdgeTarget { get; init; }
    /// <summary>[E] edge length in Å (float32).</summary>
    public required Tensor Distances { get; init; }
    /// <summary>[N] crystal of each atom (int64).</summary>
    public required Tensor NodeCrystal { get; init; }
    /// <summary>[B] atoms per crystal (float32).</summary>
    public required Tensor NodesPerCrystal { get; init; }
    /// <summary>[E] crystal of each edge (int64), with <see cref="GraphInputParts.EdgeCrystal"/>.</summary>
    public Tensor? EdgeCrystal { get; init; }
    /// <summary>[B] edges per crystal (float32), with <see cref="GraphInputParts.EdgeCrystal"/>.</summary>
    public Tensor? EdgesPerCrystal { get; init; }
    /// <summary>[N] edges leaving each atom (float32), with <see cref="GraphInputParts.NodeDegree"/>.</summary>
    public Tensor? NodeDegree { get; init; }
    /// <summary>[L] first bond of each bond pair (int64, batch edge numbering), with <see cref="GraphInputParts.LineGraph"/>.</summary>
    public Tensor? LineSource { get; init; }
    /// <summary>[L] second bond of each bond pair (int64).</summary>
    public Tensor? LineTarget { get; init; }
    /// <summary>[L] cosine of the bond angle (float32).</summary>
    public Tensor? AngleCosines { get; init; }

    public int Count { get; init; }
    /// <summary>
    /// k when every atom has exactly k edges (as in CGCNN graphs, which pad to k): edge e then leaves atom e / k, so
    /// per-atom sums are reshapes instead of scatters. 0 otherwise.
    /// </summary>
    public int UniformDegree { get; init; }
    public int NodeCount { get; init; }
    public int EdgeCount { get; init; }
    public int LineCount { get; init; }

    private GraphIndex? _edgeIndex, _lineIndex;

    /// <summary>The atom graph's edges on the host, grouped by endpoint (built on first use, for the fused CPU kernels).</summary>
    public GraphIndex EdgeIndex() => _edgeIndex ??= GraphIndex.Build(NodeCount, Narrow(EdgeSource), Narrow(EdgeTarget));

    /// <summary>The line graph's edges (bond pairs between bonds) on the host, grouped by endpoint (built on first use).</summary>
    public GraphIndex LineIndex() => _lineIndex ??= GraphIndex.Build(EdgeCount,
        Narrow(LineSource ?? throw new InvalidOperationException("the batch has no line graphs")), Narrow(LineTarget!));

    private static int[] Narrow(Tensor index)
    {
        var wide = index.data<long>().ToArray(); // CPU tensors only, as the kernels
        var narrow = new int[wide.Length];
        for (int i = 0; i < wide.Length; i++) narrow[i] = checked((int)wide[i]);
        return narrow;
    }

    /// <summary>Copies a collated batch to <paramref name="device"/>.</summary>
    public static GraphInput Create(GraphBatch batch, GraphInputParts parts, Device device)
    {
        int b = batch.Count, n = batch.NodeCount, e = batch.EdgeCount;
        var elementIndex = new long[n];
        var nodeCrystal = new long[n];
        for (int i = 0; i < n; i++)
        {
            elementIndex[i] = batch.AtomicNumbers[i] - 1;
            nodeCrystal[i] = batch.NodeCrystal[i];
        }
        var nodesPer = new float[b];
        for (int g = 0; g < b; g++) nodesPer[g] = batch.NodeOffsets[g + 1] - batch.NodeOffsets[g];

        Tensor? edgeCrystal = null, edgesPerCrystal = null, degree = null, lineSrc = null, lineDst = null, cosines = null;
        if (parts.HasFlag(GraphInputParts.EdgeCrystal))
        {
            var ec = new long[e];
            var per = new float[b];
            for (int g = 0; g < b; g++)
            {
                int e0 = batch.EdgeOffsets[g], e1 = batch.EdgeOffsets[g + 1];
                ec.AsSpan(e0, e1 - e0).Fill(g);
                per[g] = e1 - e0;
            }
            edgeCrystal = tensor(ec, device: device);
            edgesPerCrystal = tensor(per, device: device);
        }
        if (parts.HasFlag(GraphInputParts.NodeDegree))
        {
            var d = new float[n];
            foreach (int s in batch.EdgeSource) d[s]++;
            degree = tensor(d, device: device);
        }
        int lines = 0;
        if (parts.HasFlag(GraphInputParts.LineGraph))
        {
            if (batch.LineSource is null) throw new InvalidOperationException("the batch has no line graphs");
            lines = batch.LineSource.Length;
            lineSrc = tensor(Widen(batch.LineSource), device: device);
            lineDst = tensor(Widen(batch.LineTarget!), device: device);
            cosines = tensor(batch.AngleCosines!, device: device);
        }
        return new GraphInput
        {
            UniformDegree = DegreeIfUniform(batch),
            ElementIndex = tensor(elementIndex, device: device),
            EdgeSource = tensor(Widen(batch.EdgeSource), device: device),
            EdgeTarget = tensor(Widen(batch.EdgeTarget), device: device),
            Distances = tensor(batch.Distances, device: device),
            NodeCrystal = tensor(nodeCrystal, device: device),
            NodesPerCrystal = tensor(nodesPer, device: device),
            EdgeCrystal = edgeCrystal, EdgesPerCrystal = edgesPerCrystal, NodeDegree = degree,
            LineSource = lineSrc, LineTarget = lineDst, AngleCosines = cosines,
            Count = b, NodeCount = n, EdgeCount = e, LineCount = lines,
        };
    }

    private static int DegreeIfUniform(GraphBatch batch)
    {
        int n = batch.NodeCount, e = batch.EdgeCount;
        if (n == 0 || e == 0 || e % n != 0) return 0;
        int k = e / n;
        var source = batch.EdgeSource;
        for (int i = 0; i < e; i++)
            if (source[i] != i / k) return 0;
        return k;
    }

    private static long[] Widen(int[] values)
    {
        var wide = new long[values.Length];
        for (int i = 0; i < values.Length; i++) wide[i] = values[i];
        return wide;
    }

    public void Dispose()
    {
        ElementIndex.Dispose(); EdgeSource.Dispose(); EdgeTarget.Dispose(); Distances.Dispose(); NodeCrystal.Dispose();
        NodesPerCrystal.Dispose(); EdgeCrystal?.Dispose(); EdgesPerCrystal?.Dispose(); NodeDegree?.Dispose();
        LineSource?.Dispose(); LineTarget?.Dispose(); AngleCosines?.Dispose();
    }
}
