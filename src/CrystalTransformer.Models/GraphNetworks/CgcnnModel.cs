using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>CGCNN settings; the defaults are those of the official code (txie-93/cgcnn main.py and data.py).</summary>
public sealed record CgcnnConfig : GraphNetworkConfig
{
    /// <summary>Neighbour search radius in Å; also the last Gaussian centre.</summary>
    public double Radius { get; init; } = 8.0;
    public int MaxNeighbors { get; init; } = 12;
    /// <summary>Pad atoms with fewer neighbours to MaxNeighbors edges, as the official code does.</summary>
    public bool PadMissing { get; init; } = true;
    /// <summary>Gaussian distance expansion: centres GaussianMin, +step, ..., Radius; width (var) = step.</summary>
    public double GaussianStep { get; init; } = 0.2;
    public double GaussianMin { get; init; }
    /// <summary>atom_fea_len.</summary>
    public int AtomFeatures { get; init; } = 64;
    /// <summary>n_conv.</summary>
    public int Convolutions { get; init; } = 3;
    /// <summary>h_fea_len.</summary>
    public int HiddenFeatures { get; init; } = 128;
    /// <summary>n_h.</summary>
    public int HiddenLayers { get; init; } = 1;

    /// <summary>Gaussian centres as numpy.arange(GaussianMin, Radius + step, step) gives them.</summary>
    public double[] GaussianCenters()
    {
        int count = (int)Math.Round((Radius - GaussianMin) / GaussianStep) + 1;
        return Enumerable.Range(0, count).Select(k => GaussianMin + k * GaussianStep).ToArray();
    }

    public override CgcnnGraphSettings GraphSettings() => new() { Radius = Radius, MaxNeighbors = MaxNeighbors, PadMissing = PadMissing, Disorder = Disorder };

    protected override string Kind => "cgcnn";

    protected override IEnumerable<(bool Ok, string What)> Checks() =>
    [
        (Radius > 0 && double.IsFinite(Radius), "radius must be positive"),
        (MaxNeighbors >= 1, "max neighbours must be at least 1"),
        (GaussianStep > 0 && GaussianMin >= 0 && GaussianMin < Radius && Radius - GaussianMin > GaussianStep, "Gaussian expansion needs 0 ≤ min < radius and step < radius − min"),
        (AtomFeatures >= 1 && HiddenFeatures >= 1, "feature sizes must be positive"),
        (Convolutions >= 0, "convolutions must be ≥ 0"),
        (HiddenLayers >= 1, "hidden layers must be ≥ 1"),
    ];
}

/// <summary>
/// Crystal Graph Convolutional Neural Network (Xie &amp; Grossman, PRL 120, 145301 (2018)), as the official code computes it:
/// element table → Linear(width → atom_fea_len); n_conv gated convolutions
/// v_i ← softplus(v_i + BN(Σ_j σ(z_ij W_f) ⊙ softplus(z_ij W_s))) with z_ij = v_i ⊕ v_j ⊕ gaussians(d_ij) and batch norm on the
/// 2·atom_fea_len gated features; mean pooling; softplus → Linear(atom_fea_len → h_fea_len) → softplus; n_h − 1 further
/// Linear+softplus; Linear(h_fea_len → targets).
/// <para>fc_full keeps the official [2·atom_fea_len, 2·atom_fea_len + gaussians] weight, but its three column blocks are applied
/// to atoms before gathering to edges (x_i W_self + x_j W_nbr + g_ij W_edge): the same sum, with the atom parts computed
/// once per atom instead of once per edge.</para>
/// </summary>
public sealed class CgcnnModel : GraphModel
{
    public const string KindName = "cgcnn";

    private readonly ElementEmbedding elements;
    private readonly ModuleList<ConvLayer> convs;
    private readonly Linear conv_to_fc;
    private readonly ModuleList<Linear> fcs;
    private readonly Linear fc_out;
    private readonly double[] _centers;
    private readonly double _gamma;
    private readonly int _targets;

    public CgcnnConfig Settings { get; }

    public CgcnnModel(CgcnnConfig config, int targetCount) : base(nameof(CgcnnModel), config.ElementTable, config.GraphSettings(), targetCount)
    {
        config.Validate();
        Settings = config;
        _targets = targetCount;
        _centers = config.GaussianCenters();
        _gamma = 1.0 / (config.GaussianStep * config.GaussianStep);
        elements = new ElementEmbedding(config.ElementTable, config.AtomFeatures);
        convs = nn.ModuleList(Enumerable.Range(0, config.Convolutions).Select(_ => new ConvLayer(config.AtomFeatures, _centers.Length)).ToArray());
        conv_to_fc = nn.Linear(config.AtomFeatures, config.HiddenFeatures);
        fcs = nn.ModuleList(Enumerable.Range(0, config.HiddenLayers - 1).Select(_ => nn.Linear(config.HiddenFeatures, config.HiddenFeatures)).ToArray());
        fc_out = nn.Linear(config.HiddenFeatures, targetCount);
        RegisterComponents();
    }

    public override string Kind => KindName;
    public override int TargetCount => _targets;
    public override JsonObject Config => ConfigJson.ToJson(Settings);
    public override ElementEmbedding Elements => elements;
    protected override GraphInputParts Parts => GraphInputParts.None;

    /// <summary>
    /// About eight edge-sized vectors of width 2 × atom features per convolution for each of an atom's k neighbours
    /// (NOMAD-2018 with the defaults: a batch of 256 crystals peaks below 2 GB, so the default budget never splits it).
    /// </summary>
    public override double TrainingBytes(ISample sample) =>
        4.0 * sample.Size * Settings.MaxNeighbors * Settings.Convolutions * 8 * 2 * Settings.AtomFeatures;

    public static CgcnnModel FromJson(JsonObject config, int targets) => new(ConfigJson.FromJson<CgcnnConfig>(config, KindName), targets);

    public override Tensor forward(IBatch input)
    {
        var g = (GraphInput)input;
        var x = elements.forward(g.ElementIndex);
        var gaussians = Segments.Gaussians(g.Distances, _centers, _gamma);
        foreach (var conv in convs) x = conv.Forward(x, gaussians, g);
        var crystal = F.softplus(conv_to_fc.forward(F.softplus(MeanPool(x, g))));
        foreach (var fc in fcs) crystal = F.softplus(fc.forward(crystal));
        return fc_out.forward(crystal);
    }

    /// <summary>One CGCNN convolution (official ConvLayer).</summary>
    public sealed class ConvLayer : nn.Module
    {
        private readonly Linear fc_full;
        private readonly BatchNorm1d bn1;
        private readonly BatchNorm1d bn2;
        private readonly int _width;

        public ConvLayer(int atomFeatures, int gaussians) : base(nameof(ConvLayer))
        {
            _width = atomFeatures;
            fc_full = nn.Linear(2 * atomFeatures + gaussians, 2 * atomFeatures);
            bn1 = nn.BatchNorm1d(2 * atomFeatures);
            bn2 = nn.BatchNorm1d(atomFeatures);
            RegisterComponents();
        }

        /// <param name="x">[N, atom_fea_len] atom features.</param>
        /// <param name="gaussians">[E, gaussians] expanded edge lengths.</param>
        public Tensor Forward(Tensor x, Tensor gaussians, GraphInput g)
        {
            // Edge-sized temporaries are released when the layer ends (autograd keeps what it needs), not when the batch does.
            using var scope = NewDisposeScope();
            var w = fc_full.weight!;
            var self = F.linear(x, w.narrow(1, 0, _width));
            var neighbor = F.linear(x, w.narrow(1, _width, _width));
            var edge = F.linear(gaussians, w.narrow(1, 2 * _width, w.shape[1] - 2 * _width), fc_full.bias);
            int k = g.UniformDegree;
            // With k edges per atom (CGCNN pads to k), the atom's own part broadcasts over its edges and the sum over
            // an atom's edges is a reshape, as in the official [N, M] layout; otherwise gather and scatter.
            var z = k > 0
                ? (self.unsqueeze(1) + (neighbor.index_select(0, g.EdgeTarget) + edge).view(g.NodeCount, k, -1)).view(g.EdgeCount, -1)
                : self.index_select(0, g.EdgeSource) + neighbor.index_select(0, g.EdgeTarget) + edge;
            var parts = bn1.forward(z).chunk(2, 1);
            var message = parts[0].sigmoid() * F.softplus(parts[1]);
            var summed = k > 0 ? message.view(g.NodeCount, k, -1).sum(1) : Segments.Sum(message, g.EdgeSource, g.NodeCount);
            return F.softplus(x + bn2.forward(summed)).MoveToOuterDisposeScope();
        }
    }
}
