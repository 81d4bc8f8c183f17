using CrystalTransformer.Models.GraphNetworks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Bench;

/// <summary>
/// ALIGNN's forward written as the formula reads, on an <see cref="AlignnModel"/>'s own parameters and batch-norm
/// buffers (found by name): every gathered [pairs, features] tensor materialised with index_select, every sum an
/// index_add. The straightforward implementation the shipped model is timed against.
/// </summary>
internal static class PlainAlignn
{
    /// <summary>When set, prints the wall time of each stage of the forward (for the profile).</summary>
    public static bool Trace;

    public static Tensor Forward(AlignnModel model, GraphInput g)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Mark(string what)
        {
            if (!Trace) return;
            Console.WriteLine($"    {what,-36} {clock.Elapsed.TotalMilliseconds,8:0} ms");
            clock.Restart();
        }
        var p = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.named_parameters()) p[name] = t;
        foreach (var (name, t) in model.named_buffers()) p[name] = t;
        bool training = model.training;
        Tensor Linear(string name, Tensor x) => F.linear(x, p[name + ".weight"], p[name + ".bias"]);
        Tensor Norm(string name, Tensor x) =>
            F.batch_norm(x, p[name + ".running_mean"], p[name + ".running_var"], p[name + ".weight"], p[name + ".bias"], training, 0.1, 1e-5);
        Tensor Mlp(string name, Tensor x) => F.silu(Norm(name + ".1", Linear(name + ".0", x)));
        Tensor Rbf(Tensor values, double first, double last, int bins)
        {
            var centers = linspace(first, last, bins);
            double gamma = (bins - 1) / (last - first);
            return (-gamma * (values.unsqueeze(1) - centers.unsqueeze(0)).square()).exp();
        }

        (Tensor Nodes, Tensor Edges) Conv(string name, Tensor nodes, Tensor edges, Tensor source, Tensor target, long count)
        {
            var m = Linear(name + ".src_gate", nodes).index_select(0, source) + Linear(name + ".dst_gate", nodes).index_select(0, target)
                + Linear(name + ".edge_gate", edges);
            var sigma = m.sigmoid();
            var sumSigmaH = zeros(count, nodes.shape[1]).index_add(0, target, Linear(name + ".dst_update", nodes).index_select(0, source) * sigma, 1);
            var sumSigma = zeros(count, nodes.shape[1]).index_add(0, target, sigma, 1);
            var x = Linear(name + ".src_update", nodes) + sumSigmaH / (sumSigma + 1e-6);
            x = F.silu(Norm(name + ".bn_nodes", x));
            var y = F.silu(Norm(name + ".bn_edges", m));
            return (nodes + x, edges + y);
        }

        var s = model.Settings;
        var atoms = F.silu(Norm("atom_norm", model.Elements.forward(g.ElementIndex)));
        var bonds = Mlp("edge_embedding.1", Mlp("edge_embedding.0", Rbf(g.Distances, 0, 8, s.EdgeInputFeatures)));
        Tensor? pairs = s.AlignnLayers > 0 ? Mlp("angle_embedding.1", Mlp("angle_embedding.0", Rbf(g.AngleCosines!, -1, 1, s.TripletInputFeatures))) : null;
        Mark("embeddings");
        for (int l = 0; l < s.AlignnLayers; l++)
        {
            var (a, m) = Conv($"alignn_layers.{l}.node_update", atoms, bonds, g.EdgeSource, g.EdgeTarget, g.NodeCount);
            Mark($"alignn {l} atom graph");
            (bonds, pairs) = Conv($"alignn_layers.{l}.edge_update", m, pairs!, g.LineSource!, g.LineTarget!, g.EdgeCount);
            Mark($"alignn {l} line graph");
            atoms = a;
        }
        for (int l = 0; l < s.GcnLayers; l++)
            (atoms, bonds) = Conv($"gcn_layers.{l}", atoms, bonds, g.EdgeSource, g.EdgeTarget, g.NodeCount);
        Mark("gcn layers");
        var pooled = zeros(g.Count, atoms.shape[1]).index_add(0, g.NodeCrystal, atoms, 1) / g.NodesPerCrystal.clamp_min(1).unsqueeze(1);
        return Linear("fc", pooled);
    }
}
