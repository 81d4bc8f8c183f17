using System.Text.Json.Nodes;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Reproduce;

public class ReproductionTests
{
    internal static ReproduceProfile SmallProfile(params string[] tables) => new("test", "small test grid",
        [
            new GridBlock(["cgcnn"], tables.Length > 0 ? tables : ["cgcnn92", "onehot"], [GridCell.Frozen],
                [new DatasetSpec(Profiles.Nomad, Profiles.NomadFormation, [100, 300]), new DatasetSpec(Profiles.Perov5, Profiles.HeatRef, [200])], [0, 1, 2]),
        ],
        new Dictionary<string, TrainingBudget> { ["cgcnn"] = new(3) }, MayPretrain: true);

    internal static ReproduceSummary Run(string output, ICellRunner runner, ReproduceProfile? profile = null, Shard? shard = null,
        IUaePretrainer? pretrainer = null, string? uaeCache = null) =>
        new Reproduction(new ReproduceOptions
        {
            Profile = profile ?? SmallProfile(), Output = output, Shard = shard ?? Shard.Whole, Progress = ProgressMode.Quiet,
            UaeCache = uaeCache, IgnoreShippedUaes = true, CommandLine = "ct reproduce (test)",
        }, runner, pretrainer, TextWriter.Null).Run();

    [Fact]
    public void RunsEveryCellOnceAndSkipsFinishedCellsWhenRunAgain()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        var first = Run(dir, runner);
        Assert.Equal(SmallProfile().Expand().Count, first.Cells);
        Assert.Equal(first.Cells, runner.Calls.Count);
        Assert.Equal(0, first.Failed);
        Assert.All(runner.Calls, c => Assert.False(c.Resume));
        Assert.Equal(runner.Calls.Count, runner.Calls.Select(c => c.RunDirectory).Distinct().Count());

        var second = Run(dir, runner);
        Assert.Equal(first.Cells, second.AlreadyFinished);
        Assert.Equal(0, second.Ran);
        Assert.Equal(first.Cells, runner.Calls.Count);
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        Assert.Equal(first.Cells, store.Count);
    }

    [Fact]
    public void AnInterruptedCellIsRecordedAsFailedAndResumedFromItsCheckpointNextTime()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        string broken = SmallProfile().Expand()[4].Key;
        runner.FailOnce.Add(broken);
        var first = Run(dir, runner);
        Assert.Equal(1, first.Failed);
        using (var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName)))
        {
            Assert.Equal(first.Cells - 1, store.Count);
            var failure = Assert.Single(store.Failures());
            Assert.Equal(broken, failure.Cell.Key);
            Assert.Contains("simulated crash", failure.Message);
        }
        int before = runner.Calls.Count;
        var second = Run(dir, runner);
        Assert.Equal(1, second.Ran);
        Assert.Equal(0, second.Failed);
        var retry = runner.Calls[before];
        Assert.Equal(broken, retry.Cell.Key);
        Assert.True(retry.Resume);
        using (var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName)))
        {
            Assert.Empty(store.Failures());
            Assert.Equal(first.Cells, store.Count);
        }
    }

    [Fact]
    public void ADivergedCellIsRecordedAsFailedWithItsReasonAndTheOthersGoOn()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        string diverging = SmallProfile().Expand()[2].Key;
        runner.Diverge.Add(diverging);
        var first = Run(dir, runner);
        Assert.Equal(1, first.Failed);
        Assert.Equal(first.Cells, runner.Calls.Count);
        using (var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName)))
        {
            Assert.Equal(first.Cells - 1, store.Count);
            var failure = Assert.Single(store.Failures());
            Assert.Equal(diverging, failure.Cell.Key);
            Assert.StartsWith("training diverged at epoch 2 (loss is not finite)", failure.Message);
        }
        // Its metrics.json (of the last good epoch) does not make it count as finished: it is tried again.
        var second = Run(dir, runner);
        Assert.Equal(1, second.Ran);
        Assert.Equal(1, second.Failed);
    }

    [Fact]
    public void AFinishedRunDirectoryIsRecordedWithoutTrainingAgain()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        var first = Run(dir, runner);
        // Lose the store (as if killed between finishing the runs and recording them).
        foreach (var f in Directory.EnumerateFiles(dir, ResultsStore.FileName + "*")) File.Delete(f);
        var second = Run(dir, runner);
        Assert.Equal(first.Cells, runner.Calls.Count);
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        Assert.Equal(first.Cells, store.Count);
        Assert.Equal(0, second.AlreadyFinished);
    }

    [Fact]
    public void ShardsMergeIntoTheWholeGrid()
    {
        string root = TinyData.TempDir();
        var runner = new FakeCellRunner();
        var a = Run(Path.Combine(root, "a"), runner, shard: new Shard(1, 2));
        var b = Run(Path.Combine(root, "b"), runner, shard: new Shard(2, 2));
        int total = SmallProfile().Expand().Count;
        Assert.Equal(total, a.Cells + b.Cells);
        string merged = Path.Combine(root, "all");
        var (added, present, report) = Reproduction.Merge([Path.Combine(root, "a"), Path.Combine(root, "b", ResultsStore.FileName)], merged, "merge", TextWriter.Null);
        Assert.Equal(total, added);
        Assert.Equal(0, present);
        Assert.True(File.Exists(report));
        var again = Reproduction.Merge([Path.Combine(root, "a")], merged, "merge", TextWriter.Null);
        Assert.Equal((0, a.Cells), (again.Added, again.Present));
        using var store = ResultsStore.Open(Path.Combine(merged, ResultsStore.FileName));
        Assert.Equal(total, store.Count);
        Assert.Equal(total, File.ReadAllLines(Path.Combine(merged, Reproduction.ReportFolder, "results.csv")).Length - 1);
    }

    [Fact]
    public void MergeRejectsAFolderWithoutAStore()
    {
        var e = Assert.Throws<InputError>(() => Reproduction.Merge([TinyData.TempDir()], TinyData.TempDir(), "merge", TextWriter.Null));
        Assert.Contains("no results store", e.Message);
    }

    [Fact]
    public void MissingCtUaeIsPretrainedOnceAndReusedFromTheCache()
    {
        string root = TinyData.TempDir();
        string cache = Path.Combine(root, "uae");
        var pretrainer = new FakePretrainer();
        var profile = SmallProfile("cgcnn92", UaeCatalog.Mp);
        var runner = new FakeCellRunner();
        Run(Path.Combine(root, "one"), runner, profile, pretrainer: pretrainer, uaeCache: cache);
        Assert.Equal(1, pretrainer.Calls);
        Assert.Contains(runner.Calls, c => c.Cell.Embedding == UaeCatalog.Mp && c.EmbeddingSpec.StartsWith(cache));
        Run(Path.Combine(root, "two"), runner, profile, pretrainer: pretrainer, uaeCache: cache);
        Assert.Equal(1, pretrainer.Calls);
        using var store = ResultsStore.Open(Path.Combine(root, "two", ResultsStore.FileName));
        var note = JsonNode.Parse(store.Notes()[$"uae:{UaeCatalog.Mp}"])!;
        Assert.Equal("cached", (string?)note["origin"]);
    }

    [Fact]
    public void TheQuickProfileNeverPretrains()
    {
        var e = Assert.Throws<InputError>(() => UaeCatalog.Resolve(UaeCatalog.Mp, TinyData.TempDir(), mayPretrain: false, new FakePretrainer(), 1, "cpu",
            _ => { }, ignoreShipped: true));
        Assert.Contains("does not pretrain", e.Message);
    }

    [Fact]
    public void SelectingNoCellIsAClearError()
    {
        var e = Assert.Throws<UsageError>(() => new Reproduction(new ReproduceOptions
        {
            Profile = SmallProfile(), Output = TinyData.TempDir(), Filter = GridFilter.Parse(["model=alignn"]), Progress = ProgressMode.Quiet,
        }, new FakeCellRunner(), null, TextWriter.Null).Run());
        Assert.Contains("no cell", e.Message);
    }

    [Fact]
    public void EachCtUaeIsNotedWithItsProvenance()
    {
        string root = TinyData.TempDir();
        var profile = SmallProfile("cgcnn92", UaeCatalog.Mp, UaeCatalog.Perov5Multi);
        Run(root, new FakeCellRunner(), profile, pretrainer: new FakePretrainer { WithoutProvenance = { UaeCatalog.Perov5Multi } });
        using var store = ResultsStore.Open(Path.Combine(root, ResultsStore.FileName));
        var mp = JsonNode.Parse(store.Notes()[$"uae:{UaeCatalog.Mp}"])!;
        Assert.Equal("mp-compositions", (string?)mp["provenance"]!["sources"]![0]!["dataset"]);
        var mt = JsonNode.Parse(store.Notes()[$"uae:{UaeCatalog.Perov5Multi}"])!;
        Assert.Null(mt["provenance"]);
    }

    [Fact]
    public void AnUnknownModeStopsTheRunBeforeTraining()
    {
        var profile = SmallProfile() with
        {
            Blocks = [new GridBlock(["cgcnn"], ["cgcnn92"], ["finetune:quick"], [new DatasetSpec(Profiles.Perov5, Profiles.HeatRef, [200])], [0])],
        };
        var runner = new FakeCellRunner();
        var e = Assert.Throws<InputError>(() => Run(TinyData.TempDir(), runner, profile));
        Assert.Contains("finetune:quick", e.Message);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void MaxEpochsCapsEveryBudgetAndMakesSeparateCells()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        new Reproduction(new ReproduceOptions
        {
            Profile = SmallProfile(), Output = dir, MaxEpochs = 2, Progress = ProgressMode.Quiet,
        }, runner, null, TextWriter.Null).Run();
        Assert.All(runner.Calls, c => Assert.Equal(2, c.Configuration.Epochs));
        var again = Run(dir, runner);
        Assert.Equal(0, again.AlreadyFinished); // the 3-epoch cells are other cells
    }

    internal sealed class FakePretrainer : IUaePretrainer
    {
        public int Calls { get; private set; }
        /// <summary>ct-UAEs pretrained without a provenance.json (as before it was written).</summary>
        public HashSet<string> WithoutProvenance { get; } = [];

        public void Pretrain(UaeSpec spec, string runDirectory, bool resume, int threads, string device)
        {
            Calls++;
            var table = ElementTable.Random(16, 3).WithName(spec.Name);
            ElementTableIO.WriteUaeFolder(table, Path.Combine(runDirectory, ElementTableIO.UaeFiles.RunSubfolder));
            if (!WithoutProvenance.Contains(spec.Name))
                File.WriteAllText(Path.Combine(runDirectory, ElementTableIO.UaeFiles.RunSubfolder, UaeProvenance.FileName),
                    TableProvenanceTests.Provenance(spec.Data, ["train", "validation"], ["Ba", "Fe", "N", "O", "Ti"]).ToJsonString());
            File.WriteAllText(Path.Combine(runDirectory, Trainer.ConfigFile), new JsonObject { ["pretrain"] = new JsonObject { ["data"] = spec.Data } }.ToJsonString());
            File.WriteAllText(Path.Combine(runDirectory, Trainer.MetricsFile), "{\"test\":{}}");
        }
    }
}
