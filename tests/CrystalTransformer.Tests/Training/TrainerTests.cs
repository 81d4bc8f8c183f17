using System.Text.Json;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

[Collection("torch")]
public class TrainerTests
{
    private static TrainingResult Run(string dir, TrainingOptions options, bool resume = false, LabelledData? data = null)
    {
        data ??= TinyData.Structures();
        set_num_threads(1);
        manual_seed(options.Seed);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(), data.Targets.Count);
        var run = new RunSettings { Directory = dir, Device = "cpu", Threads = 1, Resume = resume };
        return Trainer.Train(model, data, options, run, new QuietObserver());
    }

    [Fact]
    public void SameSeedAndThreadsGiveBitwiseIdenticalMetrics()
    {
        var a = Run(TinyData.TempDir(), TinyData.Options());
        var b = Run(TinyData.TempDir(), TinyData.Options());
        Assert.Equal(Serialize((a.BestEpoch, a.Train, a.Validation, a.Test)), Serialize((b.BestEpoch, b.Train, b.Validation, b.Test)));
        Assert.Equal(File.ReadAllText(Path.Combine(Path.GetDirectoryName(a.ModelPath)!, Trainer.PredictionsFile)),
            File.ReadAllText(Path.Combine(Path.GetDirectoryName(b.ModelPath)!, Trainer.PredictionsFile)));
        var c = Run(TinyData.TempDir(), TinyData.Options() with { Seed = 6 });
        Assert.NotEqual(a.Test["a"].Mae, c.Test["a"].Mae);
    }

    [Fact]
    public void ResumedRunEndsWhereAnUninterruptedRunEnds()
    {
        string straightDir = TinyData.TempDir();
        var straight = Run(straightDir, TinyData.Options(epochs: 4));
        // Training time is counted once, not summed up epoch after epoch.
        double logged = File.ReadAllLines(Path.Combine(straightDir, Trainer.LogFile)).Skip(1)
            .Sum(l => double.Parse(l.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(straight.Seconds, 0.5 * logged, 1.3 * logged + 0.5);
        string dir = TinyData.TempDir();
        Run(dir, TinyData.Options(epochs: 4) with { MaxMinutes = 1e-9 }); // stops after the first epoch
        Assert.Single(File.ReadAllLines(Path.Combine(dir, Trainer.LogFile)).Skip(1));
        var resumed = Run(dir, TinyData.Options(epochs: 4) with { MaxMinutes = 1e-9 }, resume: true); // one more epoch
        Assert.True(resumed.StoppedByTimeLimit);
        var finished = Run(dir, TinyData.Options(epochs: 4) with { MaxMinutes = 1e-9 }, resume: true);
        finished = Run(dir, TinyData.Options(epochs: 4) with { MaxMinutes = 1e-9 }, resume: true);
        Assert.False(finished.StoppedByTimeLimit);
        Assert.Equal(straight.BestEpoch, finished.BestEpoch);
        Assert.Equal(Serialize(straight.Test), Serialize(finished.Test));
        Assert.Equal(Serialize(straight.Validation), Serialize(finished.Validation));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, Trainer.LogFile)).Length);
    }

    [Fact]
    public void ResumeRefusesChangedSettings()
    {
        string dir = TinyData.TempDir();
        Run(dir, TinyData.Options(epochs: 2));
        var error = Assert.Throws<InputError>(() => Run(dir, TinyData.Options(epochs: 2) with { LearningRate = 1 }, resume: true));
        Assert.Contains("other settings", error.Message);
    }

    [Fact]
    public void RunDirectoryHoldsEverythingAndModelFileRoundTrips()
    {
        string dir = TinyData.TempDir();
        var data = TinyData.Structures(withMissing: true);
        var result = Run(dir, TinyData.Options(epochs: 2), data: data);
        foreach (var f in new[] { Trainer.BestFile, Trainer.LastFile, Trainer.LogFile, Trainer.MetricsFile, Trainer.ConfigFile, Trainer.EnvironmentFile, Trainer.PredictionsFile })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        var env = File.ReadAllText(Path.Combine(dir, Trainer.EnvironmentFile));
        Assert.Contains("lib_torch", env);
        Assert.Contains("2.10.0", env);
        Assert.Contains("\"sha256\"", File.ReadAllText(Path.Combine(dir, Trainer.ConfigFile)));
        // b is missing in a quarter of the rows: masked in training, skipped in metrics.
        int labelledTest = data.IndicesOf(Split.Test).Count(i => !double.IsNaN(data.Labels[i][1]));
        Assert.Equal(labelledTest, result.Test["b"].Count);

        var (model, info) = ModelFile.Load(Path.Combine(dir, Trainer.BestFile));
        using (model)
        {
            Assert.Equal(["a", "b"], info.Targets);
            var samples = model.FeaturizeAll(data.Entries);
            var test = data.IndicesOf(Split.Test);
            var predicted = Trainer.Predict(model, samples, test, info.Scaler, CPU, 16);
            var lines = File.ReadAllLines(Path.Combine(dir, Trainer.PredictionsFile));
            Assert.Equal(test.Length + 1, lines.Length);
            var first = lines[1].Split(',');
            Assert.Equal(predicted[0][0], double.Parse(first[2], System.Globalization.CultureInfo.InvariantCulture), 10);
        }
    }

    [Fact]
    public void FrozenElementTableDoesNotMove()
    {
        var data = TinyData.Structures();
        manual_seed(1);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(), 2);
        var before = model.ElementEmbedding.weight!.detach().clone();
        var run = new RunSettings { Directory = TinyData.TempDir(), Device = "cpu", Threads = 1 };
        Trainer.Train(model, data, TinyData.Options(epochs: 1) with { ElementTable = ElementTableTraining.Frozen, WarmupEpochs = 0 }, run, new QuietObserver());
        Assert.True(before.eq(model.ElementEmbedding.weight!.detach()).all().item<bool>());
        var other = model.parameters().First(p => p.shape.Length == 2 && p.shape[1] == 3); // coordinate embedding moved
        Assert.True(other.requires_grad);
    }

    [Fact]
    public void NonFiniteNumbersAreWrittenAsNamedLiteralsAndReadBack()
    {
        // No validation labels: every validation number is NaN, from the first epoch's best score on.
        var tiny = TinyData.Structures();
        var labels = tiny.Labels.Select((row, i) => tiny.Splits[i] == Split.Validation ? row.Select(_ => double.NaN).ToArray() : row).ToArray();
        var data = new LabelledData(tiny.Entries, tiny.Targets, labels, tiny.Splits, tiny.Rows, tiny.Source, tiny.DataHash, tiny.SplitDescription);
        string dir = TinyData.TempDir();
        Run(dir, TinyData.Options(epochs: 2) with { MaxMinutes = 1e-9 }, data: data); // the checkpoint holds a NaN best score
        var result = Run(dir, TinyData.Options(epochs: 2), resume: true, data: data);
        Assert.Equal(1, result.BestEpoch);
        Assert.True(double.IsNaN(result.Validation["a"].Mae));
        string metrics = File.ReadAllText(Path.Combine(dir, Trainer.MetricsFile));
        Assert.Contains("\"mae\": \"NaN\"", metrics);
        var read = JsonSerializer.Deserialize<TrainingResult>(metrics, TrainingOptions.Json)!;
        Assert.True(double.IsNaN(read.Validation["b"].Rmse));
        Assert.Equal(result.Test["a"].Mae, read.Test["a"].Mae);
        Assert.All(File.ReadAllLines(Path.Combine(dir, Trainer.LogFile)).Skip(1), line => Assert.Contains(",NaN,", line));

        var infinite = new TargetMetrics(3, double.PositiveInfinity, double.NegativeInfinity, double.NaN);
        string json = JsonSerializer.Serialize(infinite, TrainingOptions.Json);
        Assert.Contains("\"Infinity\"", json);
        Assert.Equal(infinite, JsonSerializer.Deserialize<TargetMetrics>(json, TrainingOptions.Json));
    }

    [Fact]
    public void DivergedRunStopsWithOneLineAndKeepsTheLastGoodEpoch()
    {
        var data = TinyData.Structures();
        string dir = TinyData.TempDir();
        set_num_threads(1);
        manual_seed(5);
        using var model = new PoisonableModel(new CrystalTransformerModel(TinyData.TinyModel(), 2));
        var run = new RunSettings { Directory = dir, Device = "cpu", Threads = 1 };
        // From the second epoch on the outputs are NaN, as a diverging network's would be.
        var error = Assert.Throws<TrainingDivergedError>(() =>
            Trainer.Train(model, data, TinyData.Options(epochs: 3), run, new PoisonAfterFirstEpoch(model)));
        Assert.Equal("training diverged at epoch 2 (loss is not finite); try a lower learning rate or gradient clipping", error.Message);
        Assert.Equal(2, error.Epoch);
        Assert.Equal(1, ModelFile.ReadInfo(Path.Combine(dir, Trainer.BestFile)).Epoch);
        Assert.Equal(1, ModelFile.ReadInfo(Path.Combine(dir, Trainer.LastFile)).Epoch);
        var log = File.ReadAllLines(Path.Combine(dir, Trainer.LogFile));
        Assert.Equal(3, log.Length);
        Assert.Equal("NaN", log[2].Split(',')[2]);
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Trainer.MetricsFile)))!;
        Assert.Equal(2, (int)metrics["diverged_at_epoch"]!);
        Assert.Equal(1, (int)metrics["best_epoch"]!);
    }

    /// <summary>A model whose outputs turn NaN once <see cref="Poisoned"/> is set.</summary>
    private sealed class PoisonableModel : TrainableModel
    {
        private readonly CrystalTransformerModel inner;
        public bool Poisoned { get; set; }

        public PoisonableModel(CrystalTransformerModel model) : base(nameof(PoisonableModel))
        {
            inner = model;
            RegisterComponents();
        }

        public override string Kind => inner.Kind;
        public override int TargetCount => inner.TargetCount;
        public override System.Text.Json.Nodes.JsonObject Config => inner.Config;
        public override ISample Featurize(DataEntry entry) => inner.Featurize(entry);
        public override IBatch Collate(IReadOnlyList<ISample> samples, Device device, Random? augmentation) => inner.Collate(samples, device, augmentation);
        public override Tensor forward(IBatch input) => Poisoned ? inner.forward(input) * double.NaN : inner.forward(input);
    }

    private sealed class PoisonAfterFirstEpoch(PoisonableModel model) : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) => model.Poisoned = true;
        public void Message(string line) { }
    }

    private static string Serialize(object o) => JsonSerializer.Serialize(o, new JsonSerializerOptions(TrainingOptions.Json) { IncludeFields = true });

    private sealed class QuietObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}

[Collection("torch")]
public class TrainerLearningTests
{
    [Fact]
    public void LearnsATargetThatDependsOnTheElements()
    {
        // Target "b" is the largest Z / 30: a model that learns must beat the mean predictor clearly.
        var data = TinyData.Structures(count: 200, seed: 8);
        set_num_threads(1);
        manual_seed(1);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(preNorm: true, readout: Readout.Mean) with { Dropout = 0 }, 2);
        var options = TinyData.Options(epochs: 25) with { LearningRate = 1e-2, WarmupEpochs = 1 };
        var run = new RunSettings { Directory = TinyData.TempDir(), Device = "cpu", Threads = 1 };
        var result = Trainer.Train(model, data, options, run, new NullObserver());
        var test = data.IndicesOf(Split.Test).Select(i => data.Labels[i][1]).ToArray();
        double meanPredictor = test.Average(v => Math.Abs(v - data.IndicesOf(Split.Train).Average(i => data.Labels[i][1])));
        Assert.True(result.Test["b"].Mae < 0.5 * meanPredictor, $"test MAE {result.Test["b"].Mae} vs mean predictor {meanPredictor}");
    }

    private sealed class NullObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}
