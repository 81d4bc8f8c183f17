using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

[Collection("torch")]
public class CrystalTransformerModelTests
{
    [Fact]
    public void PaperArchitectureHasTheAuthorsParameterCount()
    {
        using var single = new CrystalTransformerModel(TransformerConfig.Paper, 1);
        long n = single.parameters().Sum(p => p.numel());
        // 100·128+128 + 3·128+128 + 8·(3·256²+3·256 + 256²+256 + 2·256·512+512+256 + 4·256) + 256·128+128 + 128+1
        long perLayer = 3 * 256 * 256 + 3 * 256 + 256 * 256 + 256 + 256 * 512 + 512 + 512 * 256 + 256 + 4 * 256;
        Assert.Equal(100 * 128 + 128 + 3 * 128 + 128 + 8 * perLayer + 256 * 128 + 128 + 128 + 1, n);
        Assert.InRange(n, 4_200_000, 4_400_000);
    }

    [Theory]
    [InlineData(false, Readout.FirstAtom)]
    [InlineData(true, Readout.Mean)]
    [InlineData(false, Readout.Attention)]
    public void PaddingDoesNotChangePredictions(bool preNorm, Readout readout)
    {
        var data = TinyData.Structures(count: 12, maxAtoms: 6);
        manual_seed(2);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(preNorm, readout), 2);
        model.eval();
        var samples = model.FeaturizeAll(data.Entries);
        using var noGrad = no_grad();
        using var batch = model.Collate(samples, CPU, null);
        using var together = model.forward(batch);
        for (int i = 0; i < samples.Count; i++)
        {
            using var alone = model.Collate([samples[i]], CPU, null);
            using var single = model.forward(alone);
            Assert.True(together[i].allclose(single[0], rtol: 1e-4, atol: 1e-5), $"crystal {i} ({samples[i].Size} atoms)");
        }
        Assert.Contains(samples, s => s.Size < samples.Max(t => t.Size)); // the batch really was padded
    }

    [Fact]
    public void CompositionModeIsInvariantToTokenOrder()
    {
        manual_seed(4);
        using var model = new CrystalTransformerModel(TransformerConfig.Composition with { Layers = 1, ElementWidth = 8, InputWidth = 8, Heads = 2, FeedForward = 8 }, 1);
        model.eval();
        var a = model.Featurize(new DataEntry("a", Composition.Parse("CaTiO3")));
        var b = model.Featurize(new DataEntry("b", Composition.Parse("O3TiCa")));
        Assert.Equal(3, a.Size);
        using var noGrad = no_grad();
        using var ba = model.Collate([a], CPU, null);
        using var bb = model.Collate([b], CPU, null);
        Assert.Equal(model.forward(ba).item<float>(), model.forward(bb).item<float>(), 5);
    }

    [Fact]
    public void HeadDropoutActsOnlyWhileTrainingAndKeepsTheOldLayerNames()
    {
        var config = TransformerConfig.Composition with { Layers = 1, ElementWidth = 8, InputWidth = 8, Heads = 2, FeedForward = 8, Dropout = 0, HeadLayers = [16, 8] };
        manual_seed(5);
        using var plain = new CrystalTransformerModel(config, 2);
        using var dropped = new CrystalTransformerModel(config with { HeadDropout = 0.5 }, 2);
        // A model without head dropout keeps the layer names of models written before the setting existed
        // (heads.K.0, .2, .4); dropout holds no weights, so both have the same tensors.
        Assert.Contains("heads.0.4.weight", plain.state_dict().Keys);
        Assert.Equal(0.5, TransformerConfig.FromJson(dropped.Config).HeadDropout);
        dropped.load_state_dict(RenamedHeads(plain, dropped));

        var sample = plain.Featurize(new DataEntry("a", Composition.Parse("CaTiO3")));
        using var batch = plain.Collate([sample, sample, sample, sample], CPU, null);
        using var noGrad = no_grad();
        plain.eval(); dropped.eval();
        Assert.True(plain.forward(batch).allclose(dropped.forward(batch)), "evaluation ignores head dropout");
        dropped.train();
        Assert.False(plain.forward(batch).allclose(dropped.forward(batch)), "training applies it");
    }

    /// <summary>The plain model's weights under the names of the model whose heads hold dropout layers (same order).</summary>
    private static Dictionary<string, Tensor> RenamedHeads(CrystalTransformerModel from, CrystalTransformerModel to)
    {
        var source = from.state_dict().ToList();
        var target = to.state_dict().Keys.ToList();
        Assert.Equal(source.Count, target.Count);
        return source.Zip(target).ToDictionary(p => p.Second, p => p.First.Value);
    }

    [Fact]
    public void RejectsEntriesItCannotUse()
    {
        using var model = new CrystalTransformerModel(TinyData.TinyModel(), 1);
        var e = Assert.Throws<InputError>(() => model.Featurize(new DataEntry("x", Composition.Parse("NaCl"))));
        Assert.Contains("coordinates", e.Message);
        var heavy = Structure.FromFractional(Lattice.Cubic(4), [PeriodicTable.Get(101)], [new Vec3(0, 0, 0)], "md");
        Assert.Contains("Md", Assert.Throws<InputError>(() => model.Featurize(DataEntry.From(heavy))).Message);
        Assert.Throws<InputError>(() => new CrystalTransformerModel(TransformerConfig.Paper with { Heads = 7 }, 1));
        Assert.Throws<InputError>(() => new CrystalTransformerModel(TransformerConfig.Composition with { Readout = Readout.FirstAtom }, 1));
    }
}
