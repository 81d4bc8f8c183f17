using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Tests.Models;

/// <summary>
/// ALIGNN as shipped (fused CPU kernels, unread outputs skipped) against the formula written out plainly here, on the
/// same weights and the same batch: outputs, parameter gradients and batch-norm buffers.
/// </summary>
[Collection("torch")]
public class AlignnReferenceTests
{
    /// <summary>Hidden width 12: vector lanes of 8 plus a scalar remainder; two layers of each kind, so unread outputs occur.</summary>
    private static AlignnModel Create(int seed)
    {
        manual_seed(seed);
        var table = TinyGraphModels.Table();
        var architecture = new System.Text.Json.Nodes.JsonObject
        {
            ["hidden_features"] = 12, ["embedding_features"] = 8, ["alignn_layers"] = 2, ["gcn_layers"] = 2, ["edge_input_features"] = 10,
            ["triplet_input_features"] = 8, ["max_neighbors"] = 6, ["cutoff"] = 5.0,
        };
        var model = (AlignnModel)ModelKinds.Get(AlignnModel.KindName).Create(
            new ModelBuild(2, architecture, TinyGraphModels.TableConfig(table), table, DisorderPolicy.Reject));
        model.Featurization = new GraphFeaturization { Threads = 1 };
        return model;
    }

    /// <summary>
    /// Two copies with the same weights and one batch of the given crystals, made directed: crystal graphs hold every
    /// bond in both directions (and the line graph every pair both ways), under which swapping source and target changes
    /// nothing. Here each direction gets its own length and a third of the bond pairs are dropped (some bonds then
    /// receive no pair at all).
    /// </summary>
    private static (AlignnModel Shipped, AlignnModel Plain, GraphInput Batch) Setup(int count = 7, int seed = 3)
    {
        var shipped = Create(seed);
        var plain = Create(seed + 1);
        plain.load_state_dict(shipped.state_dict());
        var data = TinyData.Structures(count: count, maxAtoms: 5, seed: 5);
        using var g = (GraphInput)shipped.Collate(shipped.FeaturizeAll(data.Entries), CPU, null);
        manual_seed(seed);
        using var keep = (rand(g.LineCount) > 0.33).nonzero().squeeze(1);
        var batch = new GraphInput
        {
            ElementIndex = g.ElementIndex.clone(), EdgeSource = g.EdgeSource.clone(), EdgeTarget = g.EdgeTarget.clone(),
            Distances = g.Distances + 0.3 * rand(g.EdgeCount), NodeCrystal = g.NodeCrystal.clone(), NodesPerCrystal = g.NodesPerCrystal.clone(),
            LineSource = g.LineSource!.index_select(0, keep), LineTarget = g.LineTarget!.index_select(0, keep),
            AngleCosines = g.AngleCosines!.index_select(0, keep),
            Count = g.Count, NodeCount = g.NodeCount, EdgeCount = g.EdgeCount, LineCount = (int)keep.shape[0],
        };
        return (shipped, plain, batch);
    }

    /// <summary>
    /// Today's ALIGNN forward as the formula reads, on <paramref name="model"/>'s parameters and buffers:
    /// m = A v[src] + B v[dst] + C e, σ = sigmoid(m), v' = v + SiLU(BN(U v + Σ_dst σ ⊙ V v[src] / (Σ_dst σ + ε))),
    /// e' = e + SiLU(BN(m)). <paramref name="epsilon"/> and <paramref name="swap"/> exist to show the test can fail.
    /// </summary>
    private static Tensor Reference(AlignnModel model, GraphInput g, double epsilon = 1e-6, bool swap = false)
    {
        var p = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.named_parameters()) p[name] = t;
        foreach (var (name, t) in model.named_buffers()) p[name] = t;
        bool training = model.training;
        Tensor Linear(string name, Tensor x) => F.linear(x, p[name + ".weight"], p[name + ".bias"]);
        Tensor Norm(string name, Tensor x)
        {
            if (training) p[name + ".num_batches_tracked"].add_(1);
            return F.batch_norm(x, p[name + ".running_mean"], p[name + ".running_var"], p[name + ".weight"], p[name + ".bias"], training, 0.1, 1e-5);
        }
        Tensor Mlp(string name, Tensor x) => F.silu(Norm(name + ".1", Linear(name + ".0", x)));
        Tensor Rbf(Tensor x, double first, double last, int bins)
        {
            var centers = linspace(first, last, bins);
            return (-(bins - 1) / (last - first) * (x.unsqueeze(1) - centers.unsqueeze(0)).square()).exp();
        }
        (Tensor, Tensor) Conv(string name, Tensor v, Tensor e, Tensor src, Tensor dst, long count)
        {
            if (swap) (src, dst) = (dst, src);
            var m = Linear(name + ".src_gate", v).index_select(0, src) + Linear(name + ".dst_gate", v).index_select(0, dst) + Linear(name + ".edge_gate", e);
            var sigma = m.sigmoid();
            var numerator = zeros(count, v.shape[1]).index_add(0, dst, Linear(name + ".dst_update", v).index_select(0, src) * sigma, 1);
            var denominator = zeros(count, v.shape[1]).index_add(0, dst, sigma, 1);
            var x = F.silu(Norm(name + ".bn_nodes", Linear(name + ".src_update", v) + numerator / (denominator + epsilon)));
            var y = F.silu(Norm(name + ".bn_edges", m));
            return (v + x, e + y);
        }

        var s = model.Settings;
        var atoms = F.silu(Norm("atom_norm", model.Elements.forward(g.ElementIndex)));
        var bonds = Mlp("edge_embedding.1", Mlp("edge_embedding.0", Rbf(g.Distances, 0, 8, s.EdgeInputFeatures)));
        var pairs = Mlp("angle_embedding.1", Mlp("angle_embedding.0", Rbf(g.AngleCosines!, -1, 1, s.TripletInputFeatures)));
        for (int l = 0; l < s.AlignnLayers; l++)
        {
            var (a, m) = Conv($"alignn_layers.{l}.node_update", atoms, bonds, g.EdgeSource, g.EdgeTarget, g.NodeCount);
            (bonds, pairs) = Conv($"alignn_layers.{l}.edge_update", m, pairs, g.LineSource!, g.LineTarget!, g.EdgeCount);
            atoms = a;
        }
        for (int l = 0; l < s.GcnLayers; l++)
            (atoms, bonds) = Conv($"gcn_layers.{l}", atoms, bonds, g.EdgeSource, g.EdgeTarget, g.NodeCount);
        var pooled = zeros(g.Count, atoms.shape[1]).index_add(0, g.NodeCrystal, atoms, 1) / g.NodesPerCrystal.unsqueeze(1);
        return Linear("fc", pooled);
    }

    private static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static void AssertSameStep(AlignnModel shipped, AlignnModel plain, GraphInput batch, Func<Tensor> reference)
    {
        shipped.train();
        plain.train();
        using var scope = NewDisposeScope();
        var outShipped = shipped.forward(batch);
        var outPlain = reference();
        Assert.True(outPlain.abs().max().item<float>() > 0.05, "the outputs should not be trivially small");
        Assert.True(MaxDifference(outShipped, outPlain) <= 1e-5, $"outputs differ by {MaxDifference(outShipped, outPlain):E2}");
        (outShipped * outShipped).sum().backward();
        (outPlain * outPlain).sum().backward();
        var plainParameters = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in shipped.named_parameters())
        {
            var expected = plainParameters[name].grad;
            var actual = parameter.grad;
            if (expected is null)
            {
                Assert.True(actual is null || actual.abs().max().item<float>() == 0, $"{name}: gradient where the formula has none");
                continue;
            }
            Assert.True(actual is not null, $"{name} got no gradient");
            double scale = Math.Max(1.0, expected.abs().max().item<float>());
            double diff = MaxDifference(actual!, expected);
            Assert.True(diff <= 1e-4 * scale, $"{name}: gradients differ by {diff:E2} (scale {scale:0.###})");
        }
        var plainBuffers = plain.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in shipped.named_buffers())
            Assert.True(MaxDifference(buffer.to(float32), plainBuffers[name].to(float32)) <= 1e-5, $"buffer {name} differs");
    }

    [Fact]
    public void TrainingStepMatchesThePlainFormula()
    {
        var (shipped, plain, batch) = Setup();
        using (shipped) using (plain) using (batch)
        {
            Assert.True(batch.LineCount > 0);
            AssertSameStep(shipped, plain, batch, () => Reference(plain, batch));
        }
    }

    [Fact]
    public void SaturatedGatesMatchThePlainFormula()
    {
        // Gates near zero: the sums of σ are then of the order of the 10⁻⁶ in the normalisation, which must be there.
        var (shipped, plain, batch) = Setup(count: 5, seed: 9);
        using (shipped) using (plain) using (batch)
        {
            using (no_grad())
                foreach (var model in new[] { shipped, plain })
                    foreach (var (name, p) in model.named_parameters().Where(p => p.name.EndsWith("edge_gate.bias", StringComparison.Ordinal)))
                        p.fill_(-14.0);
            AssertSameStep(shipped, plain, batch, () => Reference(plain, batch));
        }
    }

    [Fact]
    public void EvaluationMatchesThePlainFormula()
    {
        var (shipped, plain, batch) = Setup();
        using (shipped) using (plain) using (batch)
        {
            shipped.eval();
            plain.eval();
            using var noGrad = no_grad();
            Assert.True(MaxDifference(shipped.forward(batch), Reference(plain, batch)) <= 1e-5);
        }
    }

    [Fact]
    public void TheComparisonSeesAWrongFormula()
    {
        // The same comparison against a plain formula with source and target swapped, or without the 10⁻⁶, fails.
        foreach (var (epsilon, swap, gateBias) in new[] { (1e-6, true, 0.0), (0.0, false, -14.0) })
        {
            var (shipped, plain, batch) = Setup(count: 5, seed: 9);
            using (shipped) using (plain) using (batch)
            {
                if (gateBias != 0)
                    using (no_grad())
                        foreach (var model in new[] { shipped, plain })
                            foreach (var (name, p) in model.named_parameters().Where(p => p.name.EndsWith("edge_gate.bias", StringComparison.Ordinal)))
                                p.fill_(gateBias);
                var e = Record.Exception(() => AssertSameStep(shipped, plain, batch, () => Reference(plain, batch, epsilon, swap)));
                Assert.True(e is Xunit.Sdk.XunitException, $"epsilon {epsilon}, swap {swap}: no failure");
            }
        }
    }

    [Fact]
    public void SameThreadsSameNumbersAndThreadCountOnlyChangesRounding()
    {
        int threads = get_num_threads();
        try
        {
            float[] Run(int t)
            {
                set_num_threads(t);
                var (shipped, plain, batch) = Setup();
                using (shipped) using (plain) using (batch)
                {
                    shipped.train();
                    using var scope = NewDisposeScope();
                    var output = shipped.forward(batch);
                    output.sum().backward();
                    return output.data<float>().ToArray()
                        .Concat(shipped.parameters().Where(p => p.grad is not null).SelectMany(p => p.grad!.data<float>().ToArray())).ToArray();
                }
            }
            var one = Run(1);
            Assert.Equal(one, Run(1));
            var two = Run(2);
            for (int i = 0; i < one.Length; i++) Assert.True(Math.Abs(one[i] - two[i]) <= 1e-4 * Math.Max(1, Math.Abs(one[i])), $"value {i}: {one[i]} vs {two[i]}");
        }
        finally
        {
            set_num_threads(threads);
        }
    }
}
