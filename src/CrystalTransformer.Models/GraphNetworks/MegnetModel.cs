using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>MEGNet settings; the defaults are those of materialsvirtuallab/megnet's MEGNetModel.</summary>
public sealed record MegnetConfig : GraphNetworkConfig
{
    /// <summary>Bonds are all neighbours within this radius (MEGNetModel's default CrystalGraph(cutoff=4)).</summary>
    public double Cutoff { get; init; } = 4.0;
    /// <summary>Bond expansion: GaussianCount centres from 0 to GaussianMax Å, exp(−(d − c)² / width²).</summary>
    public int GaussianCount { get; init; } = 100;
    public double GaussianMax { get; init; } = 5.0;
    public double GaussianWidth { get; init; } = 0.5;
    /// <summary>Number of MEGNet blocks.</summary>
    public int Blocks { get; init; } = 3;
    public int N1 { get; init; } = 64;
    public int N2 { get; init; } = 32;
    public int N3 { get; init; } = 16;
    /// <summary>Set2Set steps (npass).</summary>
    public int Set2SetSteps { get; init; } = 3;
    /// <summary>Width of the global state input (MEGNet feeds two zeros when a crystal has no state attributes).</summary>
    public int StateInputs { get; init; } = 2;
    /// <summary>Dropout after each block and before the readout (MEGNet's default: none).</summary>
    public double Dropout { get; init; }

    public override RadiusGraphSettings GraphSettings() => new() { Cutoff = Cutoff, Disorder = Disorder };

    protected override string Kind => "megnet";

    protected override IEnumerable<(bool Ok, string What)> Checks() =>
    [
        (Cutoff > 0 && double.IsFinite(Cutoff), "cutoff must be positive"),
        (GaussianCount >= 1 && GaussianMax > 0 && GaussianWidth > 0, "Gaussian expansion needs count ≥ 1, max > 0 and width > 0"),
        (Blocks >= 1 && N1 >= 1 && N2 >= 1 && N3 >= 1, "blocks and layer sizes must be positive"),
        (Set2SetSteps >= 1, "set2set steps must be ≥ 1"),
        (StateInputs >= 1, "state inputs must be ≥ 1"),
        (Dropout is >= 0 and < 1, "dropout must be in [0, 1)"),
    ];
}

/// <summary>
/// MatErials Graph Network (Chen, Ye, Zuo, Zheng, Ong, Chem. Mater. 31, 3564 (2019)) as megnet's make_megnet_model builds
/// it: element table → Dense(n1) → Dense(n2); bonds: Gaussians → Dense(n1) → Dense(n2); state (zeros) → Dense(n1) → Dense(n2);
/// blocks of (Dense(n1)→Dense(n2) on atoms, bonds and state except in the first block) → MEGNet layer (φe, φv, φu each
/// [n1, n1, n2], means over a node's bonds, over a crystal's bonds and atoms) → residual add; Set2Set(n3) over atoms and
/// over bonds; concat with the state → Dense(n2) → Dense(n3) → Dense(targets). Activation softplus2(x) = softplus(x) − ln 2;
/// Glorot-uniform weights and zero biases as Keras initialises them.
/// <para>Set2Set follows megnet's layer (projection to n3, LSTM with hard-sigmoid gates on q*, forget-gate bias 1), but
/// carries the LSTM cell state between steps; megnet's code resets it to zero at every step.</para>
/// </summary>
public sealed class MegnetModel : GraphModel
{
    public const string KindName = "megnet";
    private static readonly double Ln2 = Math.Log(2);

    private readonly ElementEmbedding elements;
    private readonly Linear atom_ff;
    private readonly Sequential bond_ff;
    private readonly Sequential state_ff;
    private readonly ModuleList<Block> blocks;
    private readonly Set2Set set2set_atom;
    private readonly Set2Set set2set_bond;
    private readonly Linear readout_0;
    private readonly Linear readout_1;
    private readonly Linear readout_2;
    private readonly double[] _centers;
    private readonly double _gamma;
    private readonly int _targets;

    public MegnetConfig Settings { get; }

    public MegnetModel(MegnetConfig config, int targetCount) : base(nameof(MegnetModel), config.ElementTable, config.GraphSettings(), targetCount)
    {
        config.Validate();
        Settings = config;
        _targets = targetCount;
        _centers = Segments.Linspace(0, config.GaussianMax, config.GaussianCount);
        _gamma = 1.0 / (config.GaussianWidth * config.GaussianWidth);
        int n1 = config.N1, n2 = config.N2, n3 = config.N3;
        elements = new ElementEmbedding(config.ElementTable, n1);
        atom_ff = nn.Linear(n1, n2);
        bond_ff = Dense2(config.GaussianCount, n1, n2);
        state_ff = Dense2(config.StateInputs, n1, n2);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Blocks).Select(i => new Block(n1, n2, feedForward: i > 0, config.Dropout)).ToArray());
        set2set_atom = new Set2Set(n2, n3, config.Set2SetSteps);
        set2set_bond = new Set2Set(n2, n3, config.Set2SetSteps);
        readout_0 = nn.Linear(2 * 2 * n3 + n2, n2);
        readout_1 = nn.Linear(n2, n3);
        readout_2 = nn.Linear(n3, targetCount);
        RegisterComponents();
        KerasInit(this);
    }

    public override string Kind => KindName;
    public override int TargetCount => _targets;
    public override JsonObject Config => ConfigJson.ToJson(Settings);
    public override ElementEmbedding Elements => elements;
    protected override GraphInputParts Parts => GraphInputParts.EdgeCrystal | GraphInputParts.NodeDegree;

    /// <summary>
    /// Every bond within the cutoff is an edge, so the memory follows the density: bonds ≈ atoms × the neighbours expected
    /// within the cutoff, each holding its Gaussian expansion and the activations of every block (about 16 arrays of the
    /// widest layer, 4 bytes each).
    /// </summary>
    public override double StructureBytes(Structure structure)
    {
        double perAtom = structure.Count / structure.Lattice.Volume * 4.0 / 3.0 * Math.PI * Math.Pow(Settings.Cutoff, 3);
        double bonds = structure.Count * Math.Max(1, perAtom);
        int widest = Math.Max(Settings.N1, Math.Max(Settings.N2, Settings.N3));
        return 4.0 * bonds * (Settings.GaussianCount + 16.0 * widest * Settings.Blocks);
    }

    public static MegnetModel FromJson(JsonObject config, int targets) => new(ConfigJson.FromJson<MegnetConfig>(config, KindName), targets);

    /// <summary>softplus(x) − ln 2 (zero at zero).</summary>
    internal static Tensor Softplus2(Tensor x) => F.softplus(x) - Ln2;

    private static Sequential Dense2(int input, int n1, int n2) => nn.Sequential(nn.Linear(input, n1), new Softplus2Module(), nn.Linear(n1, n2), new Softplus2Module());

    /// <summary>Keras defaults: Glorot-uniform kernels and zero biases for every dense layer (the element table keeps its values).</summary>
    private static void KerasInit(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.Contains("elements.table") || name.Contains("set2set")) continue; // table: given values; Set2Set initialises itself
            if (p.dim() == 2) nn.init.xavier_uniform_(p);
            else if (name.EndsWith("bias")) nn.init.zeros_(p);
        }
    }

    public override Tensor forward(IBatch input)
    {
        var g = (GraphInput)input;
        var v = Softplus2(atom_ff.forward(Softplus2(elements.forward(g.ElementIndex))));
        var e = bond_ff.forward(Segments.Gaussians(g.Distances, _centers, _gamma));
        var u = state_ff.forward(zeros([g.Count, Settings.StateInputs], float32, v.device));
        foreach (var block in blocks) (v, e, u) = block.Forward(v, e, u, g);
        var atoms = set2set_atom.Forward(v, g.NodeCrystal, g.NodesPerCrystal);
        var bonds = set2set_bond.Forward(e, g.EdgeCrystal!, g.EdgesPerCrystal!);
        var h = torch.cat([atoms, bonds, u], 1);
        if (Settings.Dropout > 0) h = F.dropout(h, Settings.Dropout, training);
        h = Softplus2(readout_0.forward(h));
        h = Softplus2(readout_1.forward(h));
        return readout_2.forward(h);
    }

    private sealed class Softplus2Module() : nn.Module<Tensor, Tensor>(nameof(Softplus2Module))
    {
        public override Tensor forward(Tensor x) => Softplus2(x);
    }

    /// <summary>A dense stack with softplus2 between layers and a linear last layer (megnet's _mlp).</summary>
    private sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<Linear> layers;

        public Mlp(int input, int[] units) : base(nameof(Mlp))
        {
            var sizes = new[] { input }.Concat(units).ToArray();
            layers = nn.ModuleList(Enumerable.Range(0, units.Length).Select(i => nn.Linear(sizes[i], sizes[i + 1])).ToArray());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            for (int i = 0; i < layers.Count; i++)
            {
                x = layers[i].forward(x);
                if (i < layers.Count - 1) x = Softplus2(x);
            }
            return x;
        }
    }

    /// <summary>One MEGNet block: optional pre-dense layers, the MEGNet layer, dropout, residual add.</summary>
    private sealed class Block : nn.Module
    {
        private readonly Sequential? atom_ff;
        private readonly Sequential? bond_ff;
        private readonly Sequential? state_ff;
        private readonly Mlp phi_e;
        private readonly Mlp phi_v;
        private readonly Mlp phi_u;
        private readonly double _dropout;

        public Block(int n1, int n2, bool feedForward, double dropout) : base(nameof(Block))
        {
            if (feedForward)
            {
                atom_ff = Dense2(n2, n1, n2);
                bond_ff = Dense2(n2, n1, n2);
                state_ff = Dense2(n2, n1, n2);
            }
            int[] units = [n1, n1, n2];
            phi_e = new Mlp(2 * n2 + n2 + n2, units);
            phi_v = new Mlp(n2 + n2 + n2, units);
            phi_u = new Mlp(n2 + n2 + n2, units);
            _dropout = dropout;
            RegisterComponents();
        }

        public (Tensor V, Tensor E, Tensor U) Forward(Tensor v, Tensor e, Tensor u, GraphInput g)
        {
            // Edge-sized temporaries are released when the block ends (autograd keeps what it needs), not when the batch does.
            using var scope = NewDisposeScope();
            var v1 = atom_ff?.forward(v) ?? v;
            var e1 = bond_ff?.forward(e) ?? e;
            var u1 = state_ff?.forward(u) ?? u;
            // φe(v_s ⊕ v_r ⊕ e ⊕ u), then bonds → atoms (mean over each atom's bonds), φv(b ⊕ v ⊕ u),
            // then bonds and atoms → state (means over the crystal), φu(b ⊕ a ⊕ u).
            var eNew = phi_e.forward(torch.cat([v1.index_select(0, g.EdgeSource), v1.index_select(0, g.EdgeTarget), e1, u1.index_select(0, g.EdgeCrystal!)], 1));
            var bondsPerAtom = Segments.Mean(eNew, g.EdgeSource, g.NodeDegree!);
            var vNew = phi_v.forward(torch.cat([bondsPerAtom, v1, u1.index_select(0, g.NodeCrystal)], 1));
            var bondsPerCrystal = Segments.Mean(eNew, g.EdgeCrystal!, g.EdgesPerCrystal!);
            var atomsPerCrystal = Segments.Mean(vNew, g.NodeCrystal, g.NodesPerCrystal);
            var uNew = phi_u.forward(torch.cat([bondsPerCrystal, atomsPerCrystal, u1], 1));
            if (_dropout > 0)
            {
                vNew = F.dropout(vNew, _dropout, training);
                eNew = F.dropout(eNew, _dropout, training);
                uNew = F.dropout(uNew, _dropout, training);
            }
            return ((v + vNew).MoveToOuterDisposeScope(), (e + eNew).MoveToOuterDisposeScope(), (u + uNew).MoveToOuterDisposeScope());
        }
    }

    /// <summary>megnet's Set2Set readout: attention over a crystal's items driven by an LSTM on q*.</summary>
    private sealed class Set2Set : nn.Module
    {
        private readonly Linear project;
        private readonly Parameter recurrent_kernel;
        private readonly Parameter recurrent_bias;
        private readonly int _hidden;
        private readonly int _steps;

        public Set2Set(int input, int hidden, int steps) : base(nameof(Set2Set))
        {
            _hidden = hidden;
            _steps = steps;
            project = nn.Linear(input, hidden);
            recurrent_kernel = new Parameter(empty(2 * hidden, 4 * hidden));
            recurrent_bias = new Parameter(zeros(4 * hidden));
            using (no_grad())
            {
                nn.init.xavier_uniform_(project.weight!);
                nn.init.zeros_(project.bias!);
                nn.init.orthogonal_(recurrent_kernel);
                recurrent_bias.narrow(0, hidden, hidden).fill_(1.0); // unit forget bias
            }
            RegisterComponents();
        }

        private static Tensor HardSigmoid(Tensor x) => (x * 0.2 + 0.5).clamp(0.0, 1.0);

        /// <param name="items">[K, input] atom or bond vectors.</param>
        /// <param name="crystal">[K] crystal of each item (items grouped by crystal).</param>
        /// <param name="sizes">[B] items per crystal.</param>
        /// <returns>[B, 2·hidden] q* after the last step.</returns>
        public Tensor Forward(Tensor items, Tensor crystal, Tensor sizes)
        {
            using var scope = NewDisposeScope();
            long crystals = sizes.shape[0];
            var m = project.forward(items);
            var c = zeros([crystals, _hidden], m.dtype, m.device);
            var q = zeros([crystals, 2 * _hidden], m.dtype, m.device);
            for (int t = 0; t < _steps; t++)
            {
                var z = q.matmul(recurrent_kernel) + recurrent_bias;
                var gates = z.chunk(4, 1);
                c = HardSigmoid(gates[1]) * c + HardSigmoid(gates[0]) * gates[2].tanh();
                var h = HardSigmoid(gates[3]) * c.tanh();
                var scores = (m * h.index_select(0, crystal)).sum(1);
                var attention = Segments.Softmax(scores, crystal, sizes);
                var r = Segments.Sum(m * attention.unsqueeze(1), crystal, crystals);
                q = torch.cat([h, r], 1);
            }
            return q.MoveToOuterDisposeScope();
        }
    }
}
