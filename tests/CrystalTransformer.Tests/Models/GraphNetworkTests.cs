using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

[Collection("torch")]
public class GraphNetworkTests
{
    public static TheoryData<string> Kinds => new(TinyGraphModels.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OutputHasOneColumnPerTargetAndGradientsReachEveryTrainableParameter(string kind)
    {
        var data = TinyData.Structures(count: 6);
        using var model = TinyGraphModels.Create(kind, targets: 2);
        model.train();
        var samples = model.FeaturizeAll(data.Entries);
        using var batch = model.Collate(samples, CPU, null);
        using var output = model.forward(batch);
        Assert.Equal([6L, 2L], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
        output.sum().backward();
        // ALIGNN, like the reference code, never reads the bond-pair features of its last ALIGNN layer nor the bond
        // features of its last convolution, so those two batch norms get no gradient.
        string[] unused = kind == AlignnModel.KindName ? ["alignn_layers.0.edge_update.bn_edges.", "gcn_layers.0.bn_edges."] : [];
        foreach (var (name, p) in model.named_parameters().Where(p => !unused.Any(u => p.name.StartsWith(u, StringComparison.Ordinal))))
        {
            Assert.True(p.grad is not null, $"{name} got no gradient");
            Assert.True(p.grad!.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PredictionDoesNotDependOnTheOrderOfTheSites(string kind)
    {
        var data = TinyData.Structures(count: 5, maxAtoms: 5, seed: 7);
        using var model = TinyGraphModels.Create(kind, targets: 1);
        var original = model.FeaturizeAll(data.Entries);
        var rng = new Random(11);
        var permuted = data.Entries.Select(e =>
        {
            var s = e.Structure!;
            var order = Enumerable.Range(0, s.Count).ToArray();
            rng.Shuffle(order);
            return DataEntry.From(s.WithSites(order.Select(i => s.Sites[i]).ToArray()));
        }).ToArray();
        var a = TinyGraphModels.Predict(model, original);
        var b = TinyGraphModels.Predict(model, model.FeaturizeAll(permuted));
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 4);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void CrystalAloneAndInABatchGiveTheSamePredictionInEvalMode(string kind)
    {
        var data = TinyData.Structures(count: 8, maxAtoms: 5, seed: 4);
        using var model = TinyGraphModels.Create(kind, targets: 2);
        // Train a few steps first so batch-norm running statistics are not the trivial initial ones.
        model.train();
        var samples = model.FeaturizeAll(data.Entries);
        for (int step = 0; step < 3; step++)
        {
            using var batch = model.Collate(samples, CPU, null);
            using var _ = model.forward(batch);
        }
        var together = TinyGraphModels.Predict(model, samples);
        for (int i = 0; i < samples.Count; i++)
        {
            var alone = TinyGraphModels.Predict(model, [samples[i]]);
            Assert.Equal(together[2 * i], alone[0], 4);
            Assert.Equal(together[2 * i + 1], alone[1], 4);
        }
    }

    [Fact]
    public void IndexAddMessagePassingIsDeterministicOnTheCpu()
    {
        var data = TinyData.Structures(count: 20, maxAtoms: 5, seed: 9);
        int threads = get_num_threads();
        set_num_threads(2);
        try
        {
            float[][] gradients(string kind)
            {
                using var model = TinyGraphModels.Create(kind, targets: 1);
                model.train();
                using var batch = model.Collate(model.FeaturizeAll(data.Entries), CPU, null);
                model.forward(batch).square().sum().backward();
                return model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.data<float>().ToArray()).ToArray();
            }
            foreach (var kind in TinyGraphModels.Kinds)
            {
                var first = gradients(kind);
                var second = gradients(kind);
                Assert.Equal(first.Length, second.Length);
                for (int k = 0; k < first.Length; k++) Assert.Equal(first[k], second[k]); // bit for bit
            }
        }
        finally { set_num_threads(threads); }
    }

    [Fact]
    public void SegmentSoftmaxMatchesASoftmaxPerSegment()
    {
        using var scores = tensor(new float[] { 1, 2, 3, 100, 101, -5 });
        using var index = tensor(new long[] { 0, 0, 0, 1, 1, 2 });
        using var sizes = tensor(new float[] { 3, 2, 1 });
        var result = Segments.Softmax(scores, index, sizes).data<float>().ToArray();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(1) / z, result[0], 5);
        Assert.Equal(Math.Exp(3) / z, result[2], 5);
        Assert.Equal(1 / (1 + Math.E), result[3], 5);
        Assert.Equal(1.0, result[5], 6);
    }

    [Fact]
    public void CgcnnGaussiansAreTheOfficialExpansion()
    {
        var config = new CgcnnConfig { ElementTable = TinyGraphModels.TableConfig(TinyGraphModels.Table()) };
        var centers = config.GaussianCenters();
        Assert.Equal(41, centers.Length); // numpy.arange(0, 8.2, 0.2)
        Assert.Equal(8.0, centers[^1], 12);
        using var d = tensor(new float[] { 1.3f });
        var g = Segments.Gaussians(d, centers, 1 / 0.04).data<float>().ToArray();
        Assert.Equal(Math.Exp(-Math.Pow(1.3 - 1.2, 2) / 0.04), g[6], 5);
    }

    [Fact]
    public void ElementTableRowsAreTheTableValuesAndElementsWithoutARowAreRejected()
    {
        var full = TinyGraphModels.Table();
        var table = full.Subset(full.Elements.Where(e => e.Z != 8));
        var config = ElementTableConfig.From(new ResolvedElementTable(table, [], MissingElementPolicy.Error), ElementTableTraining.Frozen);
        using var model = new CgcnnModel(ConfigJson.With(new CgcnnConfig { ElementTable = config }, TinyGraphModels.Architecture("cgcnn"), "cgcnn"), 1);
        model.LoadElementTable(table);
        var values = model.Elements.Values();
        Assert.Equal(table[26].ToArray().Select(v => (float)v), values.Skip(25 * 8).Take(8));
        var oxide = Structure.FromFractional(Lattice.Cubic(4), [PeriodicTable.Get("Fe"), PeriodicTable.Get("O")], [new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0.5)], "FeO");
        var error = Assert.Throws<InputError>(() => model.Featurize(DataEntry.From(oxide)));
        Assert.Contains("FeO", error.Message);
        Assert.Contains(" O ", error.Message);
    }

    [Fact]
    public void L2SpPenaltyIsAlphaOverWidthTimesTheSquaredDistanceOfTheCoveredRows()
    {
        var table = ElementTable.FromRows("hand", [(PeriodicTable.Get("H"), [1.0, 2.0]), (PeriodicTable.Get("O"), [3.0, 4.0]), (PeriodicTable.Get("Fe"), [5.0, 6.0])]);
        // The rows the model uses: H and O (Fe is in the file but not among the usable rows).
        var config = new ElementTableConfig { Name = "hand", Dimension = 2, Training = ElementTableTraining.FineTune, Elements = [1, 8], L2Sp = 3.0 };
        using var embedding = new ElementEmbedding(config, hidden: 4);
        Assert.Null(embedding.L2SpPenalty()); // nothing loaded yet
        embedding.Load(table);
        Assert.Equal(0f, embedding.L2SpPenalty()!.item<float>());
        using (no_grad())
        {
            embedding.Table[0].add_(tensor(new float[] { 0.5f, -1f }));  // H
            embedding.Table[7].add_(tensor(new float[] { 2f, 0f }));     // O
            embedding.Table[25].add_(tensor(new float[] { 10f, 10f }));  // Fe: not covered by the pull
        }
        // α / width · Σ (T − T0)² = 3 / 2 · (0.25 + 1 + 4) = 7.875
        Assert.Equal(7.875f, embedding.L2SpPenalty()!.item<float>(), 5);
        Assert.DoesNotContain(embedding.state_dict().Keys, k => k.Contains("anchor"));

        // Off without a strength; refused for a table that is not fine-tuned.
        using var plain = new ElementEmbedding(config with { L2Sp = null }, hidden: 4);
        plain.Load(table);
        Assert.Null(plain.L2SpPenalty());
        Assert.Contains("fine-tuned table only", Assert.Throws<InputError>(() => new ElementEmbedding(config with { Training = ElementTableTraining.Frozen }, 4)).Message);
        Assert.DoesNotContain("l2_sp", ConfigJson.ToJson(new CgcnnConfig { ElementTable = config with { L2Sp = null } }).ToJsonString());
        Assert.Contains("\"l2_sp\":3", ConfigJson.ToJson(new CgcnnConfig { ElementTable = config }).ToJsonString());
    }

    [Fact]
    public void DisorderedSitesAreRefusedUnlessTheModelReadsTheMajoritySpecies()
    {
        var mixed = new Site([new Occupant(PeriodicTable.Get("Fe"), 0.7), new Occupant(PeriodicTable.Get("Ni"), 0.3)], new Vec3(0, 0, 0));
        var s = new Structure(Lattice.Cubic(3.5), [mixed, new Site(PeriodicTable.Get("O"), new Vec3(0.5, 0.5, 0.5))], "alloy");
        var table = TinyGraphModels.TableConfig(TinyGraphModels.Table());
        using var strict = new CgcnnModel(ConfigJson.With(new CgcnnConfig { ElementTable = table }, TinyGraphModels.Architecture("cgcnn"), "cgcnn"), 1);
        Assert.Contains("majority", Assert.Throws<InputError>(() => strict.Featurize(DataEntry.From(s))).Message);
        using var lenient = new CgcnnModel(ConfigJson.With(new CgcnnConfig { ElementTable = table, Disorder = DisorderPolicy.Majority },
            TinyGraphModels.Architecture("cgcnn"), "cgcnn"), 1);
        var graph = ((GraphSample)lenient.Featurize(DataEntry.From(s))).Graph;
        Assert.Equal([26, 8], graph.AtomicNumbers);
        Assert.Equal([26, 8], lenient.ElementsUsedBy(DataEntry.From(s)).Order().Reverse());
    }

    [Fact]
    public void ModelsAreRegisteredAndRebuiltFromTheirStoredConfiguration()
    {
        foreach (var kind in TinyGraphModels.Kinds)
        {
            using var model = TinyGraphModels.Create(kind, targets: 3);
            using var again = ModelKinds.Get(kind).Load(model.Config, 3);
            Assert.Equal(model.Config.ToJsonString(), again.Config.ToJsonString());
            Assert.Equal(model.parameters().Sum(p => p.numel()), again.parameters().Sum(p => p.numel()));
        }
    }

    [Fact]
    public void DefaultCgcnnHasTheOfficialParameterCount()
    {
        var table = ElementTable.Random(92, 1);
        using var model = new CgcnnModel(new CgcnnConfig { ElementTable = TinyGraphModels.TableConfig(table) }, 1);
        long table118 = ElementEmbedding.Rows * 92;
        // Official CrystalGraphConvNet(92, 41): embedding 92·64+64; 3 × (fc_full 169·128+128, bn1 2·128, bn2 2·64); conv_to_fc 64·128+128; fc_out 128+1.
        long official = 92 * 64 + 64 + 3 * (169 * 128 + 128 + 2 * 128 + 2 * 64) + 64 * 128 + 128 + 128 + 1;
        Assert.Equal(official + table118, model.parameters().Sum(p => p.numel()));
    }
}
