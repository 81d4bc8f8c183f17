using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>
/// Reductions over segments of a flat tensor (the atoms of each crystal, the edges of each atom, ...) with index_add_.
/// On the CPU index_add_ adds in index order, so results are deterministic at a fixed thread count; on CUDA it uses
/// atomic adds and the last bits may differ between runs.
/// </summary>
public static class Segments
{
    /// <summary>out[s] = Σ values[k] over k with index[k] = s. <paramref name="values"/> is [K, F].</summary>
    public static Tensor Sum(Tensor values, Tensor index, long segments) =>
        zeros([segments, values.shape[1]], values.dtype, values.device).index_add_(0, index, values, 1);

    /// <summary>Mean over each segment; <paramref name="sizes"/> [S] holds the segment lengths (empty segments give 0).</summary>
    public static Tensor Mean(Tensor values, Tensor index, Tensor sizes) =>
        Sum(values, index, sizes.shape[0]) / sizes.clamp_min(1).unsqueeze(1);

    /// <summary>
    /// Softmax of <paramref name="scores"/> [K] within each segment. Items must be grouped by segment in order (as the
    /// atoms and bonds of a batch are); <paramref name="sizes"/> [S] holds the segment lengths. The per-segment maximum is
    /// subtracted for stability; it is a constant per segment, so it is taken without gradient (from a padded
    /// [S, longest] view, as libtorch's scatter-max is not exposed).
    /// </summary>
    public static Tensor Softmax(Tensor scores, Tensor index, Tensor sizes)
    {
        long segments = sizes.shape[0];
        Tensor max;
        using (no_grad())
        {
            using var counts = sizes.to(int64);
            using var starts = counts.cumsum(0) - counts;
            using var position = arange(scores.shape[0], int64, scores.device) - starts.index_select(0, index);
            long longest = Math.Max(1, counts.max().item<long>());
            using var padded = full([segments, longest], float.NegativeInfinity, scores.dtype, scores.device);
            padded.index_put_(scores.detach(), [index, position]);
            max = padded.amax([1L]);
        }
        var exp = (scores - max.index_select(0, index)).exp();
        var total = zeros(segments, exp.dtype, exp.device).index_add_(0, index, exp, 1);
        return exp / total.index_select(0, index);
    }

    /// <summary>exp(−γ (d − c)²) for centres <paramref name="centers"/>: [E] distances → [E, centres].</summary>
    public static Tensor Gaussians(Tensor distances, double[] centers, double gamma)
    {
        using var c = tensor(centers.Select(v => (float)v).ToArray(), device: distances.device);
        var diff = distances.unsqueeze(1) - c.unsqueeze(0);
        return (diff.square() * -gamma).exp();
    }

    /// <summary><paramref name="count"/> evenly spaced values from <paramref name="first"/> to <paramref name="last"/> (numpy linspace).</summary>
    public static double[] Linspace(double first, double last, int count) =>
        count == 1 ? [first] : Enumerable.Range(0, count).Select(i => first + (last - first) * i / (count - 1)).ToArray();
}
