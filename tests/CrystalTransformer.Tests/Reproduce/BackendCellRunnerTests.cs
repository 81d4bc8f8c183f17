using CrystalTransformer.Models;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>The real cell runner: a cell becomes one ct train request through the shared loop.</summary>
[Collection("torch")]
public class BackendCellRunnerTests
{
    [Fact]
    public void CellMapsToATrainRequest()
    {
        var cell = new GridCell("megnet", "ct-uae-mp", GridCell.FineTune, Profiles.Nomad, Profiles.NomadGap, 300, 2);
        var request = new CellRequest(new CellConfiguration(cell, "full", 40, 32, "t", "d"), "/uae/ct-uae-mp", "nomad2018", "/out/run", true, 2, "cpu", "/out/cache");
        var train = BackendCellRunner.RequestFor(request);
        Assert.Equal("megnet", train.Model);
        Assert.Equal("nomad2018", train.Data);
        Assert.Equal([Profiles.NomadGap], train.Targets);
        Assert.Equal("/uae/ct-uae-mp", train.Embedding);
        Assert.Equal(ElementTableTraining.FineTune, train.EmbeddingMode);
        Assert.Equal((300, 2, 2, 40, 32), (train.TrainSize, train.Seed, train.SplitSeed, train.Epochs, train.BatchSize));
        Assert.Equal(("/out/run", "/out/cache"), (train.Output, train.GraphCache));
    }

    private static TrainRequest RequestFor(string model, string embedding, string mode) =>
        BackendCellRunner.RequestFor(new CellRequest(
            new CellConfiguration(new GridCell(model, embedding, mode, Profiles.Perov5, Profiles.HeatRef, 100, 1), "transfer", 200, 32, "t", "d"),
            embedding, "perov5", "/out/run", false, 1, "cpu", "/out/cache"));

    [Fact]
    public void ModesMapToTheTableSettingsOfTheRequest()
    {
        var paper = RequestFor("cgcnn", "ct-uae-mp", GridCell.FineTune);
        Assert.Equal((ElementTableTraining.FineTune, (double?)null, (double?)null), (paper.EmbeddingMode, paper.EmbeddingLearningRate, paper.EmbeddingL2Sp));
        var frozen = RequestFor("cgcnn", "cgcnn92", GridCell.Frozen);
        Assert.Equal((ElementTableTraining.Frozen, (double?)null, (double?)null, "cgcnn92"), (frozen.EmbeddingMode, frozen.EmbeddingLearningRate, frozen.EmbeddingL2Sp, frozen.Embedding));
        var tuned = RequestFor("cgcnn", "ct-uae-mp", "finetune:1e-3");
        Assert.Equal((ElementTableTraining.FineTune, (double?)1e-3, (double?)null), (tuned.EmbeddingMode, tuned.EmbeddingLearningRate, tuned.EmbeddingL2Sp));
        var l2sp = RequestFor("cgcnn", "cgcnn92", "l2sp:1e-3");
        Assert.Equal((ElementTableTraining.FineTune, (double?)1e-3, (double?)CellMode.L2SpStrength), (l2sp.EmbeddingMode, l2sp.EmbeddingLearningRate, l2sp.EmbeddingL2Sp));
        Assert.Equal(1e-2, CellMode.L2SpStrength);
        Assert.Null(l2sp.InitFrom);
    }

    [Fact]
    public void EncoderCellsStartTheFrontEndFromTheNamedModel()
    {
        var encoder = RequestFor("transformer", "mp-composition", GridCell.Encoder);
        Assert.Equal(("transformer", "mp-composition", (string?)null), (encoder.Model, encoder.InitFrom, encoder.Embedding));
        Assert.Equal((100, 1, 200, 32), (encoder.TrainSize, encoder.Seed, encoder.Epochs, encoder.BatchSize));
        var e = Assert.Throws<CrystalTransformer.Structures.InputError>(() => RequestFor("cgcnn", "mp-composition", GridCell.Encoder));
        Assert.Contains("transformer", e.Message);
    }

    [Fact]
    public void OneTinyCgcnnCellRunsEndToEnd()
    {
        var profile = new ReproduceProfile("tiny", "one real CGCNN cell",
            [new GridBlock(["cgcnn"], ["cgcnn92"], [GridCell.Frozen], [new DatasetSpec(Profiles.Perov5, Profiles.HeatRef, [40])], [0])],
            new Dictionary<string, TrainingBudget> { ["cgcnn"] = new(1, 20) }, MayPretrain: false);
        string dir = TinyData.TempDir();
        var summary = new Reproduction(new ReproduceOptions { Profile = profile, Output = dir, Threads = 1, Device = "cpu", Progress = ProgressMode.Quiet },
            new BackendCellRunner(), null, TextWriter.Null).Run();
        Assert.Equal((1, 0), (summary.Ran, summary.Failed));
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        var run = Assert.Single(store.Runs());
        Assert.Equal(40, run.TrainCount);
        Assert.Equal(799, run.TestCount);
        Assert.True(double.IsFinite(run.Mae) && run.Mae > 0);
        Assert.True(File.Exists(Path.Combine(run.RunDirectory, Trainer.BestFile)));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, Reproduction.ReportFolder, "results.csv")).Length);
    }
}
