using System.Text.Json;
using FsCheck;
using FsCheck.Xunit;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

[Collection("torch")]
public class LoopPartsTests
{
    [Fact]
    public void LossMasksMissingLabelsPerTarget()
    {
        using var predicted = tensor(new float[] { 1, 10, 2, 20, 3, 30 }, [3, 2]);
        using var target = tensor(new float[] { 0, float.NaN, 2, 18, float.NaN, 33 }, [3, 2]);
        // target 0: rows 0,1 → errors 1, 0 → MSE 0.5; target 1: rows 1,2 → errors 2, 3 → MSE 6.5
        Assert.Equal(7.0, Trainer.Loss(predicted, target, LossKind.Mse).item<float>(), 5);
        Assert.Equal(0.5 + 2.5, Trainer.Loss(predicted, target, LossKind.L1).item<float>(), 5);
    }

    [Fact]
    public void ScalerUsesTrainingRowsOnlyAndRejectsInfinityAndEmptyTargets()
    {
        var entries = Enumerable.Range(0, 5).Select(i => new DataEntry($"e{i}", Composition.Parse("NaCl"))).ToArray();
        double[][] labels = [[1], [3], [double.NaN], [100], [-100]];
        Split[] splits = [Split.Train, Split.Train, Split.Train, Split.Validation, Split.Test];
        var data = new LabelledData(entries, ["y"], labels, splits, [2, 3, 4, 5, 6], "x.csv", "h", "test");
        var scaler = TargetScaler.Fit(data);
        Assert.Equal(2.0, scaler.Mean[0], 12);
        Assert.Equal(Math.Sqrt(2.0), scaler.Std[0], 12);

        labels[3] = [double.PositiveInfinity];
        var inf = Assert.Throws<InputError>(() => TargetScaler.Fit(new LabelledData(entries, ["y"], labels, splits, [2, 3, 4, 5, 6], "x.csv", "h", "test")));
        Assert.Contains("row", inf.Message);
        Assert.Contains("5", inf.Message);
        Assert.Contains("x.csv", inf.Message);

        double[][] none = [[double.NaN], [double.NaN], [double.NaN], [1], [1]];
        var empty = Assert.Throws<InputError>(() => TargetScaler.Fit(new LabelledData(entries, ["y"], none, splits, [2, 3, 4, 5, 6], "x.csv", "h", "test")));
        Assert.Contains("no value in any", empty.Message);
    }

    [Fact]
    public void R2IsComputedOverTheWholeSet()
    {
        double[] truth = [1, 2, 3, 4, double.NaN];
        double[] predicted = [1.5, 2, 2.5, 4, 99];
        var m = TargetMetrics.Compute(truth, predicted);
        Assert.Equal(4, m.Count);
        Assert.Equal(0.25, m.Mae, 12);
        Assert.Equal(Math.Sqrt(0.125), m.Rmse, 12);
        Assert.Equal(1 - 0.5 / 5.0, m.R2, 12);
        // Averaging R² over two batches ([1,2] and [3,4]) would give a different (wrong) number.
        double batchwise = (TargetMetrics.Compute([1, 2], [1.5, 2]).R2 + TargetMetrics.Compute([3, 4], [2.5, 4]).R2) / 2;
        Assert.NotEqual(m.R2, batchwise, 6);
    }

    [Fact]
    public void SchedulesFollowTheirDefinitions()
    {
        var step = new TrainingOptions { Epochs = 50, Schedule = ScheduleKind.Step, StepSize = 10, Gamma = 0.96 };
        Assert.Equal(1.0, LearningRateSchedule.Factor(step, 9, 0.9));
        Assert.Equal(0.96, LearningRateSchedule.Factor(step, 10, 0), 12);
        Assert.Equal(0.96 * 0.96, LearningRateSchedule.Factor(step, 25, 0.5), 12);
        var multi = new TrainingOptions { Epochs = 50, Schedule = ScheduleKind.MultiStep, Milestones = [5, 20], Gamma = 0.1 };
        Assert.Equal(1.0, LearningRateSchedule.Factor(multi, 4, 0));
        Assert.Equal(0.1, LearningRateSchedule.Factor(multi, 5, 0), 12);
        Assert.Equal(0.01, LearningRateSchedule.Factor(multi, 49, 0), 12);
        var cosine = new TrainingOptions { Epochs = 12, Schedule = ScheduleKind.Cosine, WarmupEpochs = 2, MinLearningRateFactor = 0.1 };
        Assert.Equal(0.0, LearningRateSchedule.Factor(cosine, 0, 0));
        Assert.Equal(0.25, LearningRateSchedule.Factor(cosine, 0, 0.5), 12);
        Assert.Equal(1.0, LearningRateSchedule.Factor(cosine, 2, 0), 12);
        Assert.Equal(0.55, LearningRateSchedule.Factor(cosine, 7, 0), 12); // half-way through the cosine part
        Assert.Equal(0.1, LearningRateSchedule.Factor(cosine, 11, 1.0 - 1e-12), 6);
    }

    [Fact]
    public void AtomicWriteLeavesTheOldFileWhenTheWriterDies()
    {
        string dir = TinyData.TempDir();
        string path = Path.Combine(dir, "last.ct");
        manual_seed(3);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(), 1);
        var info = new ModelInfo { Kind = model.Kind, Config = model.Config, Targets = ["y"], TargetMean = [0], TargetStd = [1], Epoch = 1 };
        ModelFile.Save(path, model, info);
        var good = File.ReadAllBytes(path);
        // A crash half-way through writing the next checkpoint:
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[1000]); throw new IOException("killed"); }));
        Assert.Equal(good, File.ReadAllBytes(path));
        var (loaded, loadedInfo) = ModelFile.Load(path);
        loaded.Dispose();
        Assert.Equal(1, loadedInfo.Epoch);
        // A kill -9 leaves the temporary file behind: the old file still loads and the next writer cleans up.
        File.WriteAllBytes(Path.Combine(dir, $".last.ct.{Environment.ProcessId + 1}.tmp"), new byte[10]);
        AtomicFile.CleanStale(path);
        Assert.Single(Directory.GetFiles(dir));
        // A truncated model file is a clear input error, not a crash.
        File.WriteAllBytes(Path.Combine(dir, "broken.ct"), good[..(good.Length / 2)]);
        Assert.Throws<InputError>(() => ModelFile.Load(Path.Combine(dir, "broken.ct")));
    }

    [Fact]
    public void BucketingCoversEveryIndexOnceAndCutsPadding()
    {
        var rng = new Random(1);
        var sizes = Enumerable.Range(0, 2000).Select(_ => rng.Next(10, 81)).ToArray();
        var indices = Enumerable.Range(0, sizes.Length).ToArray();
        var plain = Batching.Plan(indices, sizes, 32, new Random(4), bucketBySize: false);
        var bucketed = Batching.Plan(indices, sizes, 32, new Random(4), bucketBySize: true);
        Assert.Equal(indices, bucketed.SelectMany(b => b).Order());
        Assert.Equal(indices, plain.SelectMany(b => b).Order());
        Assert.True(Batching.PaddingFraction(bucketed, sizes) < Batching.PaddingFraction(plain, sizes) / 4);
        Assert.Equal(bucketed.Select(b => b.ToArray()), Batching.Plan(indices, sizes, 32, new Random(4), bucketBySize: true));
    }

    [Fact]
    public void RandomSplitIsSeededEightyTenTen()
    {
        var a = LabelledData.RandomSplit(1000, 42);
        Assert.Equal(a, LabelledData.RandomSplit(1000, 42));
        Assert.Equal(800, a.Count(s => s == Split.Train));
        Assert.Equal(100, a.Count(s => s == Split.Validation));
        Assert.NotEqual(a, LabelledData.RandomSplit(1000, 43));
    }

    [Property(MaxTest = 300)]
    public bool SplitByCostKeepsOrderAndStaysWithinTheBudget(PositiveInt[] rawCosts, PositiveInt rawBudget)
    {
        if (rawCosts.Length == 0) return true; // batches are never empty
        var batch = Enumerable.Range(100, rawCosts.Length).ToArray();
        double Cost(int i) => rawCosts[i - 100].Get % 50;
        double budget = rawBudget.Get % 120;
        var parts = Batching.SplitByCost(batch, Cost, budget);
        bool concatenated = parts.SelectMany(p => p).SequenceEqual(batch);
        // Every part fits, except a single item that is too large on its own; adjacent parts could not have been merged.
        bool fits = parts.All(p => p.Length == 1 || p.Sum(Cost) <= budget);
        bool maximal = parts.Zip(parts.Skip(1)).All(pair => pair.First.Sum(Cost) + Cost(pair.Second[0]) > budget);
        return concatenated && parts.All(p => p.Length > 0) && fits && (budget <= 0 || maximal);
    }

    [Fact]
    public void UnsetOptionalSettingsStayOutOfTheJsonSoEarlierCheckpointsStillResume()
    {
        // The checkpoint's settings hash is taken over this JSON: new optional settings must not change it when unset.
        string json = JsonSerializer.Serialize(new TrainingOptions(), TrainingOptions.Json);
        Assert.DoesNotContain("encoder_learning_rate", json);
        Assert.Contains("encoder_learning_rate", JsonSerializer.Serialize(new TrainingOptions { EncoderLearningRate = 1e-4 }, TrainingOptions.Json));
    }

    [Fact]
    public void PartsOfABatchAddUpToTheWholeBatchLoss()
    {
        using var predicted = tensor(new float[] { 1, 10, 2, 20, 3, 30, 4, 40 }, [4, 2]);
        using var target = tensor(new float[] { 0, float.NaN, 2, 18, float.NaN, 33, 7, float.NaN }, [4, 2]);
        using var counts = Trainer.LabelledCounts(target);
        foreach (var kind in new[] { LossKind.Mse, LossKind.L1 })
        {
            float whole = Trainer.Loss(predicted, target, kind).item<float>();
            float parts = 0;
            foreach (var (start, length) in new[] { (0L, 1L), (1L, 2L), (3L, 1L) })
                parts += Trainer.Loss(predicted.narrow(0, start, length), target.narrow(0, start, length), kind, counts).item<float>();
            Assert.Equal(whole, parts, 5);
        }
    }

    [Fact]
    public void AlignnMemoryEstimateMatchesWhatNomadCrystalsWereMeasuredToNeed()
    {
        // Measured: ALIGNN with its defaults on NOMAD-2018 grows by ≈ 330 MB of peak memory per training crystal (62 atoms on average).
        using var model = new CrystalTransformer.Models.GraphNetworks.AlignnModel(new() { ElementTable = CrystalTransformer.Tests.Models.TinyGraphModels.TableConfig(CrystalTransformer.Tests.Models.TinyGraphModels.Table()) }, 1);
        double perCrystal = model.TrainingBytes(new SizedSample(62));
        Assert.InRange(perCrystal / 1e6, 250, 500);
        // A default batch of 64 such crystals is far above the default budget, so it is trained in parts.
        Assert.True(64 * perCrystal > TrainingOptions.DefaultBatchMemoryGb * (1L << 30));
    }

    private sealed record SizedSample(int Size) : ISample;
}
