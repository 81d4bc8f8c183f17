using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>ALIGNN settings; the defaults are those of usnistgov/alignn (ALIGNNConfig and TrainingConfig).</summary>
public sealed record AlignnConfig : GraphNetworkConfig
{
    /// <summary>k-nearest graph: initial cutoff (Å) and k, canonized undirected bonds.</summary>
    public double Cutoff { get; init; } = 8.0;
    public int MaxNeighbors { get; init; } = 12;
    public int AlignnLayers { get; init; } = 4;
    public int GcnLayers { get; init; } = 4;
    /// <summary>RBF bins of the bond length, 0..8 Å.</summary>
    public int EdgeInputFeatures { get; init; } = 80;
    /// <summary>RBF bins of the bond-angle cosine, −1..1.</summary>
    public int TripletInputFeatures { get; init; } = 40;
    public int EmbeddingFeatures { get; init; } = 64;
    public int HiddenFeatures { get; init; } = 256;

    public override KNearestGraphSettings GraphSettings() => new() { Cutoff = Cutoff, MaxNeighbors = MaxNeighbors, Disorder = Disorder, LineGraph = true };

    protected override string Kind => "alignn";

    protected override IEnumerable<(bool Ok, string What)> Checks() =>
    [
        (Cutoff > 0 && double.IsFinite(Cutoff), "cutoff must be positive"),
        (MaxNeighbors >= 1, "max neighbours must be at least 1"),
        (AlignnLayers >= 0 && GcnLayers >= 0, "layer counts must be ≥ 0"),
        (EdgeInputFeatures >= 2 && TripletInputFeatures >= 2, "RBF bins must be at least 2"),
        (EmbeddingFeatures >= 1 && HiddenFeatures >= 1, "feature sizes must be positive"),
    ];
}

/// <summary>
/// Atomistic Line Graph Neural Network (Choudhary &amp; DeCost, npj Comput. Mater. 7, 185 (2021)) as alignn's ALIGNN
/// module computes it: element table → Linear → BatchNorm → SiLU (the atom MLP); bond lengths → RBF(0..8 Å, 80) →
/// MLP(64) → MLP(hidden); angle cosines → RBF(−1..1, 40) → MLP(64) → MLP(hidden); ALIGNN layers (edge-gated convolution
/// on the atom graph, then on the line graph of bond pairs); edge-gated convolutions on the atom graph; mean pooling;
/// Linear(hidden → targets). The edge-gated convolution: m_ij = A v_i + B v_j + C e_ij, σ = sigmoid(m),
/// v_j ← v_j + SiLU(BN(U v_j + Σ_i σ_ij ⊙ V v_i / (Σ_i σ_ij + 10⁻⁶))), e_ij ← e_ij + SiLU(BN(m_ij)).
/// RBF: exp(−(x − c)² / Δ) with Δ the spacing of the centres (alignn's RBFExpansion).
/// </summary>
public sealed class AlignnModel : GraphModel
{
    public const string KindName = "alignn";

    private readonly ElementEmbedding elements;
    private readonly BatchNorm1d atom_norm;
    private readonly Sequential edge_embedding;
    private readonly Sequential angle_embedding;
    private readonly ModuleList<AlignnConv> alignn_layers;
    private readonly ModuleList<EdgeGatedGraphConv> gcn_layers;
    private readonly Linear fc;
    private readonly double[] _edgeCenters;
    private readonly double[] _angleCenters;
    private readonly int _targets;

    public AlignnConfig Settings { get; }

    public AlignnModel(AlignnConfig config, int targetCount) : base(nameof(AlignnModel), config.ElementTable, config.GraphSettings(), targetCount)
    {
        config.Validate();
        Settings = config;
        _targets = targetCount;
        _edgeCenters = Segments.Linspace(0, 8.0, config.EdgeInputFeatures);
        _angleCenters = Segments.Linspace(-1, 1, config.TripletInputFeatures);
        int hidden = config.HiddenFeatures, emb = config.EmbeddingFeatures;
        elements = new ElementEmbedding(config.ElementTable, hidden);
        atom_norm = nn.BatchNorm1d(hidden);
        edge_embedding = nn.Sequential(Mlp(config.EdgeInputFeatures, emb), Mlp(emb, hidden));
        angle_embedding = nn.Sequential(Mlp(config.TripletInputFeatures, emb), Mlp(emb, hidden));
        alignn_layers = nn.ModuleList(Enumerable.Range(0, config.AlignnLayers).Select(_ => new AlignnConv(hidden)).ToArray());
        gcn_layers = nn.ModuleList(Enumerable.Range(0, config.GcnLayers).Select(_ => new EdgeGatedGraphConv(hidden, residual: true)).ToArray());
        fc = nn.Linear(hidden, targetCount);
        RegisterComponents();
    }

    public override string Kind => KindName;
    public override int TargetCount => _targets;
    public override JsonObject Config => ConfigJson.ToJson(Settings);
    public override ElementEmbedding Elements => elements;
    protected override GraphInputParts Parts => Settings.AlignnLayers > 0 ? GraphInputParts.LineGraph : GraphInputParts.None;

    /// <summary>
    /// Dominated by the line graph: about k² bond pairs per atom, each keeping some nine hidden-wide vectors per ALIGNN
    /// layer for the backward pass (measured on NOMAD-2018 with the defaults: ≈ 330 MB per 62-atom crystal, so a batch of
    /// 64 such crystals needs ≈ 21 GB). Measured with the plain formula; the fused CPU kernels keep fewer (a NOMAD batch
    /// of 64 in parts of this estimate's 4 GB peaks at about 3 GB resident instead of 8), but the estimate is kept, so
    /// batches split into the same parts as before and training gives the same numbers.
    /// </summary>
    public override double TrainingBytes(ISample sample)
    {
        double k = Settings.MaxNeighbors, width = 4.0 * Settings.HiddenFeatures;
        return width * sample.Size * k * (9.0 * Settings.AlignnLayers * k + 9.0 * (Settings.AlignnLayers + Settings.GcnLayers) + 10);
    }

    public static AlignnModel FromJson(JsonObject config, int targets) => new(ConfigJson.FromJson<AlignnConfig>(config, KindName), targets);

    /// <summary>Linear → BatchNorm1d → SiLU (alignn's MLPLayer).</summary>
    private static Sequential Mlp(int input, int output) => nn.Sequential(nn.Linear(input, output), nn.BatchNorm1d(output), nn.SiLU());

    private static Tensor Rbf(Tensor values, double[] centers) => Segments.Gaussians(values, centers, 1.0 / (centers[1] - centers[0]));

    public override Tensor forward(IBatch input)
    {
        var g = (GraphInput)input;
        var x = F.silu(atom_norm.forward(elements.forward(g.ElementIndex)));
        EdgeGate.ReturnedGradients.Release();
        Tensor? y = edge_embedding.forward(Rbf(g.Distances, _edgeCenters));
        Tensor? z = alignn_layers.Count > 0 ? angle_embedding.forward(Rbf(g.AngleCosines!, _angleCenters)) : null;
        // The bond-pair features of the last ALIGNN layer and the bond features of the last convolution are never read.
        for (int l = 0; l < alignn_layers.Count; l++)
            (x, y, z) = alignn_layers[l].Forward(x, y!, z!, g, pairsUsed: l + 1 < alignn_layers.Count);
        for (int l = 0; l < gcn_layers.Count; l++)
            (x, y) = gcn_layers[l].Forward(x, y!, g.EdgeSource, g.EdgeTarget, g.NodeCount, g.EdgeIndex, edgesUsed: l + 1 < gcn_layers.Count);
        return fc.forward(MeanPool(x, g));
    }

    /// <summary>Edge-gated graph convolution (alignn's EdgeGatedGraphConv): messages flow source → target.</summary>
    private sealed class EdgeGatedGraphConv : nn.Module
    {
        private readonly Linear src_gate;
        private readonly Linear dst_gate;
        private readonly Linear edge_gate;
        private readonly BatchNorm1d bn_edges;
        private readonly Linear src_update;
        private readonly Linear dst_update;
        private readonly BatchNorm1d bn_nodes;
        private readonly bool _residual;

        public EdgeGatedGraphConv(int features, bool residual) : base(nameof(EdgeGatedGraphConv))
        {
            src_gate = nn.Linear(features, features);
            dst_gate = nn.Linear(features, features);
            edge_gate = nn.Linear(features, features);
            bn_edges = nn.BatchNorm1d(features);
            src_update = nn.Linear(features, features);
            dst_update = nn.Linear(features, features);
            bn_nodes = nn.BatchNorm1d(features);
            _residual = residual;
            RegisterComponents();
        }

        /// <param name="nodes">[N, F] node features.</param>
        /// <param name="edges">[E, F] edge features.</param>
        /// <param name="index">The edges on the host, for the fused CPU kernel (<see cref="EdgeGate"/>).</param>
        /// <param name="edgesUsed">
        /// False when the caller never reads the new edge features: they are then not computed (null), but in training
        /// the edge batch norm's running statistics are still updated, as its forward would.
        /// </param>
        public (Tensor Nodes, Tensor? Edges) Forward(Tensor nodes, Tensor edges, Tensor source, Tensor target, long nodeCount,
            Func<GraphIndex> index, bool edgesUsed = true)
        {
            // Edge-sized temporaries are released when the layer ends (autograd keeps what it needs), not when the batch does.
            using var scope = NewDisposeScope();
            Tensor m, aggregate;
            if (EdgeGate.Supported(nodes) && EdgeGate.Supported(edges))
            {
                (m, aggregate) = EdgeGate.Apply(src_gate.forward(nodes), dst_gate.forward(nodes), edge_gate.forward(edges), dst_update.forward(nodes), index());
            }
            else
            {
                m = src_gate.forward(nodes).index_select(0, source) + dst_gate.forward(nodes).index_select(0, target) + edge_gate.forward(edges);
                var sigma = m.sigmoid();
                var weighted = Segments.Sum(dst_update.forward(nodes).index_select(0, source) * sigma, target, nodeCount);
                aggregate = weighted / (Segments.Sum(sigma, target, nodeCount) + 1e-6);
            }
            var outNodes = Update(nodes, src_update.forward(nodes) + aggregate, bn_nodes);
            Tensor? outEdges = null;
            if (edgesUsed) outEdges = Update(edges, m, bn_edges).MoveToOuterDisposeScope();
            else UpdateRunningStatistics(bn_edges, m);
            return (outNodes.MoveToOuterDisposeScope(), outEdges);
        }

        /// <summary>SiLU(BN(x)), added to <paramref name="input"/> in a residual convolution.</summary>
        private Tensor Update(Tensor input, Tensor x, BatchNorm1d norm)
        {
            if (_residual && NormActivation.Supported(x, input, norm)) return NormActivation.Apply(x, input, norm);
            var y = F.silu(norm.forward(x));
            return _residual ? input + y : y;
        }

        /// <summary>What a training-mode forward of <paramref name="norm"/> on <paramref name="x"/> does to its buffers.</summary>
        private static void UpdateRunningStatistics(BatchNorm1d norm, Tensor x)
        {
            if (!norm.training || norm.running_mean is null || norm.running_var is null) return;
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            double momentum = norm.momentum ?? 0.1;
            var (variance, mean) = var_mean(x.detach(), [0L], unbiased: true);
            norm.running_mean.mul_(1 - momentum).add_(mean, momentum);
            norm.running_var.mul_(1 - momentum).add_(variance, momentum);
            norm.num_batches_tracked?.add_(1);
        }
    }

    /// <summary>One ALIGNN layer: convolution on the atom graph, then on the line graph (bonds as nodes, bond pairs as edges).</summary>
    private sealed class AlignnConv : nn.Module
    {
        private readonly EdgeGatedGraphConv node_update;
        private readonly EdgeGatedGraphConv edge_update;

        public AlignnConv(int features) : base(nameof(AlignnConv))
        {
            node_update = new EdgeGatedGraphConv(features, residual: true);
            edge_update = new EdgeGatedGraphConv(features, residual: true);
            RegisterComponents();
        }

        public (Tensor X, Tensor Y, Tensor? Z) Forward(Tensor x, Tensor y, Tensor z, GraphInput g, bool pairsUsed)
        {
            var (xNew, m) = node_update.Forward(x, y, g.EdgeSource, g.EdgeTarget, g.NodeCount, g.EdgeIndex);
            var (yNew, zNew) = edge_update.Forward(m!, z, g.LineSource!, g.LineTarget!, g.EdgeCount, g.LineIndex, pairsUsed);
            return (xNew, yNew, zNew);
        }
    }
}
