using System.Text.Json;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Models;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

[Collection("torch")]
public class BackendTrainingTests
{
    /// <summary>The tiny data set written as an extxyz file with labels a and b (and no split: a seeded 80/10/10 one).</summary>
    internal static string TinyFile(int count = 40, int seed = 1)
    {
        var data = TinyData.Structures(count: count, seed: seed);
        string path = Path.Combine(TinyData.TempDir(), "tiny.extxyz");
        StructureIO.Write(path, data.Entries.Select((e, i) => e.Structure!.WithLabels(new Dictionary<string, double>
        {
            ["a"] = data.Labels[i][0], ["b"] = data.Labels[i][1],
        })));
        return path;
    }

    internal static TrainRequest Request(string kind, string data, string? output = null, int epochs = 2) => new()
    {
        Model = kind, Data = data, Targets = ["a", "b"], Embedding = "random:8:3", Epochs = epochs, BatchSize = 8,
        Architecture = TinyGraphModels.Architecture(kind), Output = output ?? TinyData.TempDir(), Seed = 5,
    };

    private static TrainingResult Run(TrainRequest request, bool resume = false) =>
        BackendTraining.Run(request, new QuietObserver(), "cpu", threads: 1, resume: resume);

    private static string Serialize(object o) => JsonSerializer.Serialize(o, TrainingOptions.Json);

    [Theory]
    [InlineData("cgcnn")]
    [InlineData("megnet")]
    [InlineData("alignn")]
    public void SameSeedGivesBitwiseIdenticalRunsAndTheModelFilePredictsIdentically(string kind)
    {
        string file = TinyFile();
        var a = Run(Request(kind, file));
        var b = Run(Request(kind, file));
        Assert.Equal(Serialize(a.Test), Serialize(b.Test));
        Assert.Equal(Serialize(a.Validation), Serialize(b.Validation));
        Assert.True(a.Test["a"].Count > 0);

        // The saved model reproduces the run's own test predictions exactly.
        var (model, info) = ModelFile.Load(a.ModelPath);
        using (model)
        {
            var data = BackendTraining.LoadData(Request(kind, file));
            var test = data.IndicesOf(Split.Test);
            var predicted = Trainer.Predict(model, model.FeaturizeAll(data.Entries), test, info.Scaler, CPU, 8);
            var lines = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(a.ModelPath)!, Trainer.PredictionsFile));
            for (int k = 0; k < test.Length; k++)
                Assert.Equal(predicted[k][1].ToString("R", System.Globalization.CultureInfo.InvariantCulture), lines[k + 1].Split(',')[4]);
            Assert.Equal("random8_seed3", ((GraphModel)model).TableConfig.Name);
        }
    }

    [Theory]
    [InlineData("cgcnn")]
    [InlineData("megnet")]
    [InlineData("alignn")]
    public void KeptValidationBatchesPredictExactlyAsFreshOnesEveryTime(string kind)
    {
        string file = TinyFile();
        var a = Run(Request(kind, file));
        var (model, info) = ModelFile.Load(a.ModelPath);
        using (model)
        {
            var data = BackendTraining.LoadData(Request(kind, file));
            var samples = model.FeaturizeAll(data.Entries);
            var val = data.IndicesOf(Split.Validation);
            using var set = new EvaluationSet(model, samples, val, CPU, 3);
            for (int round = 0; round < 3; round++)
            {
                var kept = set.Predict(info.Scaler);
                var fresh = Trainer.Predict(model, samples, val, info.Scaler, CPU, 3);
                Assert.True(set.Kept);
                Assert.Equal(Serialize(fresh), Serialize(kept));
                // A training forward in between (batch norm statistics move) must not disturb the kept batches.
                model.train();
                using (var d = NewDisposeScope()) model.forward(model.Collate(val.Select(i => samples[i]).ToArray(), CPU, null)).sum().backward();
            }
        }
    }

    [Fact]
    public void BatchesAboveTheMemoryBudgetTrainInPartsDeterministically()
    {
        string file = TinyFile();
        var whole = Run(Request("alignn", file, epochs: 2));
        // A budget below one crystal's estimate: every crystal is its own part, gradients accumulated over the batch.
        var split = Request("alignn", file, epochs: 2) with { BatchMemoryGb = 1e-9 };
        var a = Run(split with { Output = TinyData.TempDir() });
        var b = Run(split with { Output = TinyData.TempDir() });
        Assert.Equal(Serialize(a.Test), Serialize(b.Test));
        Assert.True(double.IsFinite(a.Test["a"].Mae));
        // Batch norm sees each part alone, so the numbers differ from the unsplit run's (and prove the split happened).
        Assert.NotEqual(Serialize(whole.Test), Serialize(a.Test));
    }

    [Fact]
    public void FrozenTableDoesNotMoveWhileTheRestTrains()
    {
        string file = TinyFile();
        var request = Request("cgcnn", file, epochs: 1);
        var data = BackendTraining.LoadData(request);
        using var model = (GraphModel)BackendTraining.CreateModel(request, data);
        var table = model.Elements.Values();
        var projection = model.Elements.Projection.weight!.detach().clone();
        Trainer.Train(model, data, BackendTraining.Options(request), new RunSettings { Directory = request.Output, Device = "cpu", Threads = 1 }, new QuietObserver());
        Assert.Equal(table, model.Elements.Values());
        Assert.False(model.Elements.Table.requires_grad);
        Assert.False(projection.eq(model.Elements.Projection.weight!.detach()).all().item<bool>());
    }

    /// <summary>Trains one SGD step (momentum 0, one batch holding every training crystal) and returns the table and projection changes.</summary>
    private static (float[] Table, float[] Projection) OneStep(ElementTableTraining mode, double lr, double tableLr)
    {
        var request = Request("cgcnn", TinyFileCached.Value, epochs: 1) with
        {
            EmbeddingMode = mode, EmbeddingLearningRate = tableLr, LearningRate = lr, BatchSize = 1000,
            Optimizer = OptimizerKind.Sgd, Schedule = ScheduleKind.Constant,
        };
        var data = BackendTraining.LoadData(request);
        using var model = (GraphModel)BackendTraining.CreateModel(request, data);
        using var table0 = model.Elements.Table.detach().clone();
        using var proj0 = model.Elements.Projection.weight!.detach().clone();
        var options = BackendTraining.Options(request) with { Momentum = 0 };
        Trainer.Train(model, data, options, new RunSettings { Directory = request.Output, Device = "cpu", Threads = 1 }, new QuietObserver());
        using var dt = model.Elements.Table.detach() - table0;
        using var dp = model.Elements.Projection.weight!.detach() - proj0;
        return (dt.data<float>().ToArray(), dp.data<float>().ToArray());
    }

    private static readonly Lazy<string> TinyFileCached = new(() => TinyFile());

    [Fact]
    public void FineTunedTableMovesAtItsOwnLearningRate()
    {
        var a = OneStep(ElementTableTraining.FineTune, lr: 1e-2, tableLr: 1e-3);
        var b = OneStep(ElementTableTraining.FineTune, lr: 1e-2, tableLr: 2e-3);
        var c = OneStep(ElementTableTraining.FineTune, lr: 5e-2, tableLr: 1e-3);
        Assert.Contains(a.Table, v => v != 0);
        for (int i = 0; i < a.Table.Length; i++)
        {
            Assert.Equal(2 * a.Table[i], b.Table[i], 1e-6f + 1e-3f * Math.Abs(b.Table[i])); // the table's step scales with its rate
            Assert.Equal(a.Table[i], c.Table[i], 1e-7f + 1e-4f * Math.Abs(a.Table[i]));     // and not with the main rate
        }
        for (int i = 0; i < a.Projection.Length; i++)
            Assert.Equal(5 * a.Projection[i], c.Projection[i], 1e-6f + 1e-3f * Math.Abs(c.Projection[i]));
    }

    /// <summary>Root-mean-square change of the table's usable rows after a short fine-tuning run at a high table rate.</summary>
    private static double TableShift(double? l2Sp)
    {
        var request = Request("cgcnn", TinyFileCached.Value, epochs: 3) with
        {
            EmbeddingMode = ElementTableTraining.FineTune, EmbeddingLearningRate = 0.05, EmbeddingL2Sp = l2Sp,
        };
        var data = BackendTraining.LoadData(request);
        using var model = (GraphModel)BackendTraining.CreateModel(request, data);
        var before = model.Elements.Values();
        Trainer.Train(model, data, BackendTraining.Options(request), new RunSettings { Directory = request.Output, Device = "cpu", Threads = 1 }, new QuietObserver());
        var after = model.Elements.Values();
        int width = model.TableConfig.Dimension;
        var rows = model.TableConfig.Elements;
        double sum = rows.Sum(z => Enumerable.Range(0, width).Sum(c => Math.Pow(after[(z - 1) * width + c] - before[(z - 1) * width + c], 2)));
        return Math.Sqrt(sum / (rows.Length * width));
    }

    [Fact]
    public void L2SpKeepsAFineTunedTableNearItsLoadedValues()
    {
        double free = TableShift(l2Sp: null), zero = TableShift(l2Sp: 0), pulled = TableShift(l2Sp: 100);
        Assert.Equal(free, zero); // 0 is off
        Assert.True(free > 1e-3, $"the table moved by {free} only");
        Assert.True(pulled < 0.2 * free, $"with the pull the table moved by {pulled}, without by {free}");

        var request = Request("cgcnn", TinyFileCached.Value) with { EmbeddingL2Sp = 1 };
        var data = BackendTraining.LoadData(request);
        Assert.Contains("needs --embedding-mode finetune", Assert.Throws<UsageError>(() => BackendTraining.CreateModel(request, data)).Message);
        Assert.Contains("finite number ≥ 0", Assert.Throws<UsageError>(() =>
            BackendTraining.CreateModel(request with { EmbeddingMode = ElementTableTraining.FineTune, EmbeddingL2Sp = -1 }, data)).Message);
    }

    [Fact]
    public void RegularizationEntersTheStepLossOnceAlsoWhenTheBatchRunsInParts()
    {
        var request = Request("cgcnn", TinyFileCached.Value) with { EmbeddingMode = ElementTableTraining.FineTune };
        var data = BackendTraining.LoadData(request);
        int rows = 0;
        float StepLoss(double? l2Sp, double memoryGb)
        {
            using var model = (GraphModel)BackendTraining.CreateModel(request with { EmbeddingL2Sp = l2Sp }, data);
            rows = model.TableConfig.Elements.Length;
            using (no_grad()) model.Elements.Table.add_(0.1); // every usable row 0.1 away from T0 in every column
            model.eval(); // batch norm with its running statistics: parts and whole batch see the same numbers
            var samples = model.FeaturizeAll(data.Entries);
            using var targets = tensor(data.Labels.SelectMany(r => r.Select(v => (float)v)).ToArray(), [data.Entries.Count, 2]);
            using var optimizer = optim.SGD(model.parameters(), 0.0);
            var options = BackendTraining.Options(request) with { BatchMemoryGb = memoryGb };
            return Trainer.Step(model, optimizer, model.parameters(), samples, data.IndicesOf(Split.Train), targets, options, CPU, null).item<float>();
        }
        float plain = StepLoss(null, 0), whole = StepLoss(5, 0), parts = StepLoss(5, 1e-9);
        double penalty = 5.0 / 8 * rows * 8 * 0.01; // α / width · Σ_rows Σ_columns 0.1²
        Assert.Equal(plain + penalty, whole, 3);
        Assert.Equal(whole, parts, 3);
    }

    [Fact]
    public void MissingElementsAreOneErrorListingElementsAndStructuresUnlessAFallbackIsChosen()
    {
        string file = TinyFile();
        var data = BackendTraining.LoadData(Request("cgcnn", file));
        // A table without O and Fe (both occur in the tiny data).
        var full = ElementTable.Random(8, 3);
        string tablePath = Path.Combine(TinyData.TempDir(), "partial.csv");
        ElementTableIO.WriteCsv(full.Subset(full.Elements.Where(e => e.Symbol is not ("O" or "Fe"))), tablePath);
        var request = Request("cgcnn", file) with { Embedding = tablePath };
        var error = Assert.Throws<InputError>(() => BackendTraining.CreateModel(request, data));
        Assert.Contains("O needed by", error.Message);
        Assert.Contains("Fe needed by", error.Message);
        var needsO = data.Entries.First(e => e.Structure!.Composition.Elements.Any(x => x.Symbol == "O"));
        Assert.Contains(needsO.Id, error.Message);
        Assert.Contains("fallback", error.Message);

        using var model = (GraphModel)BackendTraining.CreateModel(request with { MissingElements = MissingElementPolicy.Mean }, data);
        Assert.Equal("mean", model.TableConfig.Fallback);
        Assert.Equal([8, 26], model.TableConfig.FilledElements.Order());
        Assert.True(model.Accepts(8));
        model.FeaturizeAll(data.Entries); // every structure is usable now
    }

    [Fact]
    public void DivergenceWithARawScaleTableNamesTheTableAndTheRemedy()
    {
        string file = TinyFile();
        // Values of 1e30 (float32 holds them) overflow the network's sums of squares in the first batch.
        var scaled = ElementTable.Random(8, 3);
        var raw = ElementTable.FromRows("raw", scaled.Elements.Select(e => (e, (IReadOnlyList<double>)scaled[e].ToArray().Select(v => v * 1e30).ToArray())));
        string tablePath = Path.Combine(TinyData.TempDir(), "raw.csv");
        ElementTableIO.WriteCsv(raw, tablePath);
        // Such a table is standardised unless the run opts out, as this one does.
        var request = Request("cgcnn", file, epochs: 2) with { Embedding = tablePath, StandardizeEmbedding = false };
        var error = Assert.Throws<TrainingDivergedError>(() => Run(request));
        Assert.StartsWith("training diverged at epoch 1 (loss is not finite); the table 'raw' has raw-scale columns (max |value| = ", error.Message);
        Assert.EndsWith($") and was not standardised: use std:{tablePath}, or leave out --no-standardize-embedding", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        // The run directory stays readable: metrics.json is valid JSON and says where and why it stopped.
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(request.Output, Trainer.MetricsFile)))!;
        Assert.Equal(1, (int)metrics["diverged_at_epoch"]!);
        Assert.Equal("loss is not finite", (string)metrics["diverged"]!);
        Assert.NotEmpty(TrainingLog.Read(Path.Combine(request.Output, Trainer.LogFile)).Rows);
        using (var model = BackendTraining.CreateModel(request, BackendTraining.LoadData(request)))
            Assert.True(BackendTraining.RawTableScale(model) > 1e29);
        // A standardised table is never blamed.
        using var standardized = BackendTraining.CreateModel(request with { StandardizeEmbedding = true }, BackendTraining.LoadData(request));
        Assert.Equal(0, BackendTraining.RawTableScale(standardized));
    }

    [Fact]
    public void GraphsStreamedFromTheCacheTrainExactlyAsGraphsInMemory()
    {
        string file = TinyFile();
        string cache = TinyData.TempDir();
        var inMemory = Run(Request("alignn", file));
        var streamed = Run(Request("alignn", file) with { GraphCache = cache });
        Assert.Equal(Serialize(inMemory.Test), Serialize(streamed.Test));
        Assert.Single(Directory.GetFiles(cache, "*.graphs"));
        var again = Run(Request("alignn", file) with { GraphCache = cache }); // reuses the file
        Assert.Equal(Serialize(inMemory.Test), Serialize(again.Test));
    }

    [Fact]
    public void ResumedRunEndsWhereAnUninterruptedRunEnds()
    {
        string file = TinyFile();
        var straight = Run(Request("megnet", file, epochs: 3));
        string dir = TinyData.TempDir();
        Run(Request("megnet", file, dir, epochs: 3) with { MaxMinutes = 1e-9 });
        var request = BackendTraining.LoadRequest(dir);
        Assert.Equal("megnet", request.Model);
        Run(request with { MaxMinutes = 1e-9 }, resume: true);
        var finished = Run(request, resume: true);
        Assert.Equal(Serialize(straight.Test), Serialize(finished.Test));
    }

    [Fact]
    public void TrainSizeKeepsTheTestSplitAndScratchTablesAcceptOnlyTrainedElements()
    {
        string file = TinyFile(count: 60);
        var all = BackendTraining.LoadData(Request("cgcnn", file));
        var subset = BackendTraining.LoadData(Request("cgcnn", file) with { TrainSize = 10 });
        Assert.Equal(10, subset.IndicesOf(Split.Train).Length);
        Assert.Equal(all.IndicesOf(Split.Test).Select(i => all.Entries[i].Id), subset.IndicesOf(Split.Test).Select(i => subset.Entries[i].Id));

        var result = Run(Request("cgcnn", file, epochs: 1) with { TrainSize = 10, EmbeddingMode = ElementTableTraining.Scratch });
        var (model, info) = Prediction.LoadModel(result.ModelPath);
        using (model)
        {
            var graph = (GraphModel)model;
            Assert.Equal(ElementTableTraining.Scratch, graph.TableConfig.Training);
            int unseen = Enumerable.Range(1, 100).First(z => !info.TrainedElements.Contains(z));
            Assert.False(graph.Accepts(unseen));
            Assert.True(graph.Accepts(info.TrainedElements[0]));
        }
    }

    [Fact]
    public void Nomad2018HasAFixedSplitWhateverTheSplitSeed()
    {
        var a = DataSets.Load("nomad2018", ["formation_energy_ev_natom"], splitSeed: 1);
        var b = DataSets.Load("nomad2018", ["formation_energy_ev_natom"], splitSeed: 2);
        Assert.Equal(2400, a.Entries.Count);
        Assert.Equal([1920, 240, 240], new[] { Split.Train, Split.Validation, Split.Test }.Select(s => a.IndicesOf(s).Length));
        Assert.Equal(a.Splits, b.Splits);
        Assert.Equal(LabelledData.RandomSplit(2400, DataSets.NomadSplitSeed), a.Splits);
    }

    [Fact]
    public void OneCycleScheduleRisesToThePeakAndFallsToAlmostZero()
    {
        var o = new TrainingOptions { Epochs = 10, Schedule = ScheduleKind.OneCycle };
        Assert.Equal(1.0 / 25, LearningRateSchedule.Factor(o, 0, 0), 12);
        Assert.Equal(1.0, LearningRateSchedule.Factor(o, 3, 0), 12);
        Assert.True(LearningRateSchedule.Factor(o, 1, 0.5) < LearningRateSchedule.Factor(o, 2, 0.5));
        Assert.True(LearningRateSchedule.Factor(o, 9, 0.99) < 1e-3);
    }

    internal sealed class QuietObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}
