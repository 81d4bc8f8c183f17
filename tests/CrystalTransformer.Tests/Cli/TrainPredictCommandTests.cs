using System.CommandLine;
using System.Globalization;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.Tests.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Cli;

[Collection("torch")]
public class TrainPredictCommandTests
{
    private static int Ct(params string[] args)
    {
        var root = new RootCommand { TrainCommand.Create(), PredictCommand.Create(), ModelsCommand.Create() };
        return CommandRunner.Run(root, args);
    }

    private static readonly Lazy<string> TrainedRun = new(() =>
    {
        string file = BackendTrainingTests.TinyFile();
        string run = TinyData.TempDir();
        int code = Ct("train", "--model", "cgcnn", "--data", file, "--targets", "a,b", "--embedding", "random:8:3", "--epochs", "1",
            "--batch-size", "8", "--set", "atom_features=8", "--set", "convolutions=1", "--set", "hidden_features=8", "--set", "radius=5",
            "--set", "max_neighbors=6", "--threads", "1", "--device", "cpu", "--quiet", "--out", run);
        Assert.Equal(0, code);
        return run;
    });

    [Fact]
    public void TrainWritesARunDirectoryWhoseRequestCanBeResumed()
    {
        string run = TrainedRun.Value;
        foreach (var f in new[] { Trainer.BestFile, Trainer.MetricsFile, Trainer.LogFile, Trainer.PredictionsFile })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        var request = BackendTraining.LoadRequest(run);
        Assert.Equal(["a", "b"], request.Targets);
        Assert.Equal(8, request.Architecture!["atom_features"]!.GetValue<int>());
        Assert.Equal(1, Ct("train", "--model", "nonsense", "--data", "perov5", "--targets", "heat_ref", "--quiet"));
        Assert.Equal(1, Ct("train", "--model", "cgcnn", "--data", "perov5", "--targets", "heat_ref", "--set", "no_such_setting=1", "--quiet", "--out", TinyData.TempDir()));
        // Option values a library refuses are usage errors too.
        Assert.Equal(2, Ct("train", "--model", "cgcnn", "--data", "perov5", "--targets", "heat_ref", "--train-size", "0", "--quiet", "--out", TinyData.TempDir()));
        Assert.Equal(2, Ct("train", "--model", "cgcnn", "--data", "perov5", "--targets", "heat_ref", "--epochs", "0", "--quiet", "--out", TinyData.TempDir()));
    }

    [Fact]
    public void TransferOptionsReachTheRunsRequest()
    {
        string file = BackendTrainingTests.TinyFile();
        string[] common = ["--data", file, "--targets", "a,b", "--epochs", "1", "--batch-size", "8", "--threads", "1", "--device", "cpu", "--quiet"];
        string l2sp = TinyData.TempDir();
        Assert.Equal(0, Ct(["train", "--model", "cgcnn", "--embedding", "std:random:8:3", "--embedding-mode", "finetune", "--embedding-lr", "1e-3",
            "--embedding-l2sp", "2", "--set", "atom_features=8", "--set", "convolutions=1", "--set", "radius=5", "--set", "max_neighbors=6", .. common, "--out", l2sp]));
        var request = BackendTraining.LoadRequest(l2sp);
        Assert.Equal(2, request.EmbeddingL2Sp);
        Assert.Equal("std:random:8:3", ModelFile.ReadInfo(Path.Combine(l2sp, Trainer.BestFile)).Config["element_table"]!["name"]!.GetValue<string>());

        string source = TinyData.TempDir(), target = TinyData.TempDir();
        Assert.Equal(0, Ct(["train", "--model", "transformer", "--set", "layers=1", "--set", "heads=2", "--set", "feed_forward=16", .. common, "--out", source]));
        Assert.Equal(0, Ct(["train", "--model", "transformer", "--init-from", source, "--encoder-lr", "1e-4", .. common, "--out", target]));
        request = BackendTraining.LoadRequest(target);
        Assert.Equal(source, request.InitFrom);
        Assert.Equal(1e-4, request.EncoderLearningRate);
        Assert.Equal(RunEnvironment.HashFiles([Path.Combine(source, Trainer.BestFile)]), request.InitFromSha256);
        Assert.Equal(2, Ct(["train", "--model", "transformer", "--init-from", source, "--embedding", "magpie", .. common, "--out", TinyData.TempDir()]));
    }

    [Fact]
    public void PredictWritesOneRowPerStructureAndBadInputDoesNotStopTheRest()
    {
        string run = TrainedRun.Value;
        var data = TinyData.Structures(count: 4, seed: 21);
        var s = data.Entries.Select(e => e.Structure!).ToArray();
        string dir = TinyData.TempDir();
        StructureIO.Write(Path.Combine(dir, "good1.cif"), s[0]);
        StructureIO.Write(Path.Combine(dir, "good2.vasp"), s[1]);
        File.WriteAllText(Path.Combine(dir, "bad.cif"), "data_x\n_cell_length_a 4x\n");
        var heavy = Structure.FromFractional(Lattice.Cubic(4), [PeriodicTable.Get(101)], [new Vec3(0, 0, 0)], "md");
        StructureIO.Write(Path.Combine(dir, "heavy.cif"), heavy);
        StructureIO.Write(Path.Combine(dir, "sub", "multi.extxyz"), [s[2].WithId("first"), s[3].WithId("second")]);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a structure"); // ignored inside folders
        string output = Path.Combine(TinyData.TempDir(), "preds.csv");

        Assert.Equal(0, Ct("predict", "--model", run, dir, "--out", output, "--threads", "2", "--quiet"));
        var lines = File.ReadAllLines(output);
        Assert.Equal("id,a,b,error", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["bad", "good1", "good2", "heavy", "first", "second"], rows.Select(r => r[0]));
        Assert.Contains("bad.cif", lines[1]);
        Assert.Equal("", rows[0][1]);
        Assert.Contains("Md", lines[4]);
        foreach (var r in new[] { rows[1], rows[2], rows[4], rows[5] })
        {
            Assert.Equal("", r[3]);
            Assert.True(double.IsFinite(double.Parse(r[1], CultureInfo.InvariantCulture)));
        }

        // The CSV holds what the model predicts for these structures.
        var (model, info) = Prediction.LoadModel(run);
        using (model)
        {
            var samples = new[] { s[0], s[2] }.Select(x => model.Featurize(DataEntry.From(x))).ToArray();
            var expected = Trainer.Predict(model, samples, [0, 1], info.Scaler, CPU, 8);
            Assert.Equal(expected[0][0], double.Parse(rows[1][1], CultureInfo.InvariantCulture), 4);
            Assert.Equal(expected[1][1], double.Parse(rows[4][2], CultureInfo.InvariantCulture), 4);
        }
        Assert.Equal(1, Ct("predict", "--model", "no-such-model", dir, "--quiet"));
        Assert.Equal(1, Ct("predict", "--model", run, Path.Combine(dir, "missing.cif"), "--quiet"));
    }

    [Fact]
    public void OneUnusableFileNeverStopsTheBatchAndAnAllFailedBatchExitsNonZero()
    {
        string run = TrainedRun.Value;
        var s = TinyData.Structures(count: 2, seed: 5).Entries.Select(e => e.Structure!).ToArray();
        string dir = TinyData.TempDir();
        StructureIO.Write(Path.Combine(dir, "good1.cif"), s[0]);
        StructureIO.Write(Path.Combine(dir, "good2.cif"), s[1]);
        // The fuzzed POSCAR of the report: the first Cartesian position is 1e308.
        File.WriteAllText(Path.Combine(dir, "huge.vasp"), PoscarOf(s[0]));
        // A structure whose graph would need more memory than the per-structure limit.
        var many = Structure.FromFractional(Lattice.Cubic(40), Enumerable.Repeat(s[0].Sites[0].Element, 4000),
            Enumerable.Range(0, 4000).Select(i => new Vec3(i % 16 / 16.0, i / 16 % 16 / 16.0, i / 256 / 16.0)), "many");
        StructureIO.Write(Path.Combine(dir, "many.vasp"), many);
        string output = Path.Combine(TinyData.TempDir(), "preds.csv");
        Assert.Equal(0, Ct("predict", "--model", run, Path.Combine(dir, "huge.vasp"), Path.Combine(dir, "good1.cif"), Path.Combine(dir, "good2.cif"),
            Path.Combine(dir, "many.vasp"), "--structure-memory", "0.01", "--out", output, "--quiet"));
        var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["huge", "good1", "good2", "many"], rows.Select(r => r[0]));
        Assert.Contains("1e6 Å", rows[0][3]);
        Assert.Equal("", rows[1][3]);
        Assert.Equal("", rows[2][3]);
        Assert.Contains("the limit per structure is 0.01 GB", File.ReadAllLines(output)[4]);
        Assert.Equal(1, Ct("predict", "--model", run, Path.Combine(dir, "huge.vasp"), "--out", output, "--quiet"));
    }

    private static string PoscarOf(Structure s)
    {
        var lines = FormatTestHelpers.WriteAll(PoscarFormat.Instance, s).Split('\n').ToList();
        int mode = lines.FindIndex(l => l.Trim() is "Direct" or "direct");
        lines[mode] = "Cartesian";
        lines[mode + 1] = "1e308 1e308 1e308";
        return string.Join("\n", lines);
    }
}
