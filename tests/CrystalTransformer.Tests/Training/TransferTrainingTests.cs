using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

/// <summary><c>ct train --model transformer --init-from MODEL</c>: a pretrained front-end fine-tuned on new data with fresh heads.</summary>
[Collection("torch")]
public class TransferTrainingTests
{
    /// <summary>A tiny composition-mode front-end (sinusoidal fractions, mean readout) with two heads, saved as a model file.</summary>
    private static readonly Lazy<string> Pretrained = new(() =>
    {
        var config = TinyData.TinyModel(preNorm: true, readout: Readout.Mean) with
        {
            Input = TokenInput.Fraction, FractionEncoding = FractionEncoding.Sinusoidal, Augmentation = AugmentationConfig.None,
        };
        manual_seed(11);
        using var model = new CrystalTransformerModel(config, 2);
        string path = Path.Combine(TinyData.TempDir(), "pretrained.ct");
        ModelFile.Save(path, model, new ModelInfo
        {
            Kind = model.Kind, Config = model.Config, Targets = ["x", "y"], TargetMean = [0, 0], TargetStd = [1, 1],
        });
        return path;
    });

    private static TrainRequest Request(string? output = null, int epochs = 1) => new()
    {
        Model = "transformer", Data = TinyFileCached.Value, Targets = ["a", "b"], InitFrom = Pretrained.Value,
        Epochs = epochs, BatchSize = 8, Seed = 5, Output = output ?? TinyData.TempDir(),
    };

    private static readonly Lazy<string> TinyFileCached = new(() => BackendTrainingTests.TinyFile());

    private static TrainingResult Run(TrainRequest request, bool resume = false) =>
        BackendTraining.Run(request, new QuietObserver(), "cpu", threads: 1, resume: resume);

    private static Dictionary<string, Tensor> Weights(TrainableModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().clone());

    [Fact]
    public void InitFromCopiesEveryWeightBelowTheHeadsAndStartsTheHeadsFresh()
    {
        var request = Request();
        var data = BackendTraining.LoadData(request);
        var (source, _) = ModelFile.Load(Pretrained.Value);
        using (source)
        using (var model = (CrystalTransformerModel)BackendTraining.CreateModel(request, data))
        {
            Assert.Equal(TokenInput.Fraction, model.Settings.Input);
            Assert.Equal(((CrystalTransformerModel)source).Settings, model.Settings);
            Assert.True(model.EncoderIsPretrained);
            var theirs = Weights(source);
            var mine = Weights(model);
            Assert.Equal(theirs.Keys.Order(), mine.Keys.Order());
            foreach (var (name, value) in mine)
            {
                bool same = value.eq(theirs[name]).all().item<bool>();
                Assert.True(name.StartsWith(CrystalTransformerModel.HeadsPrefix) ? !same : same, name);
            }
            Assert.True(mine["atom_embed.weight"].eq(theirs["atom_embed.weight"]).all().item<bool>());
            // The heads are seeded: the same request gives the same heads.
            using var again = (CrystalTransformerModel)BackendTraining.CreateModel(request, data);
            Assert.True(Weights(again)["heads.0.0.weight"].eq(mine["heads.0.0.weight"]).all().item<bool>());
            // A structure data set meets a composition model through each structure's composition.
            var sample = (TokenSample)model.Featurize(data.Entries[0]);
            Assert.Equal(data.Entries[0].Composition.Fractions.Count, sample.Size);
        }
    }

    [Fact]
    public void FineTuningTrainsRecordsTheSourceAndResumesExactly()
    {
        string dir = TinyData.TempDir();
        var result = Run(Request(dir));
        Assert.True(double.IsFinite(result.Test["a"].Mae));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Trainer.ConfigFile)))!;
        Assert.Equal(Pretrained.Value, config["train"]!["init_from"]!.GetValue<string>());
        Assert.Equal(RunEnvironment.HashFiles([Pretrained.Value]), config["train"]!["init_from_sha256"]!.GetValue<string>());
        Assert.Equal("fraction", config["model"]!["config"]!["input"]!.GetValue<string>());

        var straight = Run(Request(epochs: 3));
        string resumed = TinyData.TempDir();
        Run(Request(resumed, epochs: 3) with { MaxMinutes = 1e-9 }); // stops after the first epoch
        var request = BackendTraining.LoadRequest(resumed);
        Assert.NotNull(request.InitFromSha256);
        var finished = Run(request, resume: true);
        Assert.Equal(JsonSerializer.Serialize(straight.Test, TrainingOptions.Json), JsonSerializer.Serialize(finished.Test, TrainingOptions.Json));
    }

    [Fact]
    public void EncoderLearningRateIsAGroupOfItsOwn()
    {
        // At an encoder rate of 0 the pretrained layers stay exactly as loaded while the heads train at --lr.
        var request = Request() with { EncoderLearningRate = 0 };
        var data = BackendTraining.LoadData(request);
        using var model = BackendTraining.CreateModel(request, data);
        var before = Weights(model);
        Trainer.Train(model, data, BackendTraining.Options(request), new RunSettings { Directory = request.Output, Device = "cpu", Threads = 1 }, new QuietObserver());
        foreach (var (name, value) in Weights(model))
        {
            bool moved = !value.eq(before[name]).all().item<bool>();
            Assert.True(name.StartsWith(CrystalTransformerModel.HeadsPrefix) ? moved : !moved, name);
        }
        var options = BackendTraining.Options(Request());
        Assert.Equal(options.LearningRate, options.EncoderLearningRate); // default: --lr
        Assert.Equal(OptimizerKind.AdamW, options.Optimizer);
        Assert.Equal(ScheduleKind.Cosine, options.Schedule);
        Assert.Null(BackendTraining.Options(Request() with { InitFrom = null }).EncoderLearningRate);
    }

    [Fact]
    public void OptionsThatContradictTheSourceModelAreClearErrors()
    {
        var data = BackendTraining.LoadData(Request());
        string Error(TrainRequest r) => Assert.Throws<InputError>(() => BackendTraining.CreateModel(r, data)).Message;
        string Usage(TrainRequest r) => Assert.Throws<UsageError>(() => BackendTraining.CreateModel(r, data)).Message;
        Assert.Contains("--embedding 'cgcnn92' cannot be used with --init-from", Usage(Request() with { Embedding = "cgcnn92" }));
        Assert.Contains("--set layers: with --init-from the architecture is the pretrained model's; only dropout and augmentation may change",
            Usage(Request() with { Architecture = new JsonObject { ["layers"] = 3 } }));
        Assert.Contains("needs --model transformer, not cgcnn", Usage(Request() with { Model = "cgcnn" }));
        Assert.Contains("--encoder-lr sets the rate of the layers loaded with --init-from", Usage(Request() with { InitFrom = null, EncoderLearningRate = 1e-4 }));
        Assert.Contains("this file holds a cgcnn model", Error(Request() with { InitFrom = "cgcnn-perov5" })); // a shipped model, by name
        Assert.Contains("no model 'no-such-model'", Error(Request() with { InitFrom = "no-such-model" }));
        Assert.Contains("changed since the run started", Error(Request() with { InitFromSha256 = new string('0', 64) }));

        using var model = (CrystalTransformerModel)BackendTraining.CreateModel(Request() with { Architecture = new JsonObject { ["dropout"] = 0.0 } }, data);
        Assert.Equal(0.0, model.Settings.Dropout);
    }

    private sealed class QuietObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}
