using CrystalTransformer.IO.Csv;
using CrystalTransformer.Models;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>Cells trained for real through the shared training loop: the run directories it writes are what the store reads.</summary>
[Collection("torch")]
public class EndToEndTests
{
    /// <summary>Trains the tiny front-end of the loop tests on the tiny crystals (the cell's seed seeds the run).</summary>
    private sealed class TinyTransformerRunner : ICellRunner
    {
        public TrainingResult Run(CellRequest request, ITrainingObserver observer)
        {
            var data = TinyData.Structures(count: 40);
            set_num_threads(1);
            manual_seed(request.Cell.Seed);
            using var model = new CrystalTransformerModel(TinyData.TinyModel(), data.Targets.Count);
            var options = TinyData.Options(epochs: request.Configuration.Epochs) with { Seed = request.Cell.Seed };
            return Trainer.Train(model, data, options, new RunSettings { Directory = request.RunDirectory, Device = "cpu", Threads = 1, Resume = request.Resume }, observer);
        }
    }

    [Fact]
    public void RealRunsAreRecordedReportedAndRepeatExactly()
    {
        var profile = new ReproduceProfile("tiny", "tiny real runs",
            [new GridBlock(["transformer"], ["onehot"], [GridCell.Frozen], [new DatasetSpec(Profiles.Perov5, "a", [null])], [0, 1])],
            new Dictionary<string, TrainingBudget> { ["transformer"] = new(2) }, MayPretrain: false);
        string a = TinyData.TempDir(), b = TinyData.TempDir();
        var first = ReproductionTests.Run(a, new TinyTransformerRunner(), profile);
        ReproductionTests.Run(b, new TinyTransformerRunner(), profile);
        Assert.Equal((2, 0), (first.Ran, first.Failed));
        using var store = ResultsStore.Open(Path.Combine(a, ResultsStore.FileName));
        var runs = store.Runs();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.True(r.Mae > 0 && r.Rmse >= r.Mae);
            Assert.Equal(2, r.EpochsRun);
            Assert.True(File.Exists(Path.Combine(r.RunDirectory, Trainer.BestFile)));
            Assert.Contains("a_predicted", r.PredictionsCsv);
            Assert.False(string.IsNullOrEmpty(r.DataHash));
        });
        Assert.NotEqual(runs[0].Mae, runs[1].Mae); // the seed matters
        // Same seed, same threads: the second reproduction gives the same numbers.
        var resultsA = CsvTable.ReadFile(Path.Combine(a, Reproduction.ReportFolder, "results.csv"));
        var resultsB = CsvTable.ReadFile(Path.Combine(b, Reproduction.ReportFolder, "results.csv"));
        int mae = resultsA.Column("mae");
        Assert.Equal(resultsA.Rows.Select(r => r.Fields[mae]), resultsB.Rows.Select(r => r.Fields[mae]));
    }
}
