namespace CrystalTransformer.Graphs;

/// <summary>
/// The line graph of a directed crystal graph, as ALIGNN uses it (DGL's <c>line_graph</c> with backtracking): its nodes
/// are the crystal graph's edges, and there is a line edge e1 → e2 whenever e1 = (i → j) and e2 = (j → k) — every pair
/// of bonds meeting at atom j, including e2 = the reverse of e1. Each line edge carries the cosine of the bond angle at j,
/// cos θ = (−r₁)·r₂ / (|r₁||r₂|) clamped to [−1, 1] (ALIGNN's <c>compute_bond_cosines</c>); 0 when a bond has zero length.
/// Line edges are ordered by e1, then e2.
/// </summary>
public sealed class LineGraph
{
    /// <summary>[L] first bond (edge index of the crystal graph), ascending.</summary>
    public int[] Source { get; }
    /// <summary>[L] second bond (edge index of the crystal graph).</summary>
    public int[] Target { get; }
    /// <summary>[L] cosine of the angle between the two bonds at their shared atom.</summary>
    public float[] AngleCosines { get; }

    /// <summary>Number of line edges (bond pairs).</summary>
    public int Count => Source.Length;

    /// <summary>Wraps existing arrays (kept, not copied).</summary>
    public LineGraph(int[] source, int[] target, float[] angleCosines)
    {
        if (target.Length != source.Length || angleCosines.Length != source.Length)
            throw new ArgumentException("line graph arrays disagree in length");
        Source = source; Target = target; AngleCosines = angleCosines;
    }

    internal bool Fits(int edgeCount)
    {
        foreach (int s in Source) if ((uint)s >= (uint)edgeCount) return false;
        foreach (int t in Target) if ((uint)t >= (uint)edgeCount) return false;
        return true;
    }

    /// <summary>Builds the line graph of a crystal graph in O(bond pairs) time and exactly-sized arrays.</summary>
    public static LineGraph Build(CrystalGraph graph) =>
        Build(graph.NodeCount, graph.EdgeSource, graph.EdgeTarget, graph.BondVectors);

    internal static LineGraph Build(int nodes, int[] edgeSource, int[] edgeTarget, float[] bondVectors)
    {
        int e = edgeTarget.Length;
        var rows = new int[nodes + 1];
        foreach (int s in edgeSource) rows[s + 1]++;
        for (int i = 0; i < nodes; i++) rows[i + 1] += rows[i];
        long total = 0;
        for (int k = 0; k < e; k++) total += rows[edgeTarget[k] + 1] - rows[edgeTarget[k]];
        if (total > Array.MaxLength) throw new InvalidOperationException($"line graph would have {total} bond pairs, more than an array holds");
        var src = new int[total];
        var dst = new int[total];
        var cos = new float[total];
        // Bond lengths once per edge, not once per pair.
        var inverseLength = new double[e];
        for (int k = 0; k < e; k++)
        {
            double x = bondVectors[3 * k], y = bondVectors[3 * k + 1], z = bondVectors[3 * k + 2];
            double len = Math.Sqrt(x * x + y * y + z * z);
            inverseLength[k] = len > 0 ? 1.0 / len : 0.0;
        }
        int p = 0;
        for (int e1 = 0; e1 < e; e1++)
        {
            int j = edgeTarget[e1];
            double x1 = -bondVectors[3 * e1], y1 = -bondVectors[3 * e1 + 1], z1 = -bondVectors[3 * e1 + 2];
            double inv1 = inverseLength[e1];
            int start = rows[j], end = rows[j + 1];
            src.AsSpan(p, end - start).Fill(e1);
            for (int e2 = start; e2 < end; e2++)
            {
                double dot = x1 * bondVectors[3 * e2] + y1 * bondVectors[3 * e2 + 1] + z1 * bondVectors[3 * e2 + 2];
                double c = dot * inv1 * inverseLength[e2];
                dst[p] = e2;
                cos[p] = (float)Math.Clamp(c, -1.0, 1.0);
                p++;
            }
        }
        return new LineGraph(src, dst, cos);
    }
}
