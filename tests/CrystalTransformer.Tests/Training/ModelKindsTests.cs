using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

/// <summary>The smallest back-end: element table → linear layer → mean over the atoms → one output per target.</summary>
internal sealed record MeanTableConfig : GraphNetworkConfig
{
    public double Cutoff { get; init; } = 4.0;
    public int Features { get; init; } = 4;

    public override RadiusGraphSettings GraphSettings() => new() { Cutoff = Cutoff, Disorder = Disorder };
    protected override string Kind => MeanTableModel.KindName;
    protected override IEnumerable<(bool Ok, string What)> Checks() => [(Cutoff > 0, "cutoff must be positive"), (Features >= 1, "features must be ≥ 1")];
}

internal sealed class MeanTableModel : GraphModel
{
    public const string KindName = "mean-table";

    private readonly ElementEmbedding elements;
    private readonly Linear output;
    private readonly int _targets;

    public MeanTableModel(MeanTableConfig config, int targets) : base(nameof(MeanTableModel), config.ElementTable, config.GraphSettings(), targets)
    {
        config.Validate();
        Settings = config;
        _targets = targets;
        elements = new ElementEmbedding(config.ElementTable, config.Features);
        output = nn.Linear(config.Features, targets);
        RegisterComponents();
    }

    public MeanTableConfig Settings { get; }
    public override string Kind => KindName;
    public override int TargetCount => _targets;
    public override JsonObject Config => ConfigJson.ToJson(Settings);
    public override ElementEmbedding Elements => elements;
    protected override GraphInputParts Parts => GraphInputParts.None;

    public override Tensor forward(IBatch input)
    {
        var g = (GraphInput)input;
        return output.forward(MeanPool(elements.forward(g.ElementIndex), g));
    }

    /// <summary>The one registration line a new back-end needs.</summary>
    public static readonly ModelKind Descriptor = ModelKind.GraphNetwork(KindName, "mean of table rows (test model)", "cgcnn92",
        _ => new TrainingOptions { Epochs = 7, BatchSize = 8, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-2, Schedule = ScheduleKind.Constant },
        (table, disorder) => new MeanTableConfig { ElementTable = table, Disorder = disorder }, (c, targets) => new MeanTableModel(c, targets));
}

[Collection("torch")]
public class ModelKindsTests
{
    private static readonly Lazy<ModelKind> Registered = new(() =>
    {
        ModelKinds.Register(MeanTableModel.Descriptor);
        return MeanTableModel.Descriptor;
    });

    [Fact]
    public void ARegisteredKindTrainsThroughTheRegistryAndItsModelFileLoadsAgain()
    {
        var kind = Registered.Value;
        Assert.Same(kind, ModelKinds.Get("Mean-Table"));
        Assert.Contains(kind, ModelKinds.BackEnds);
        Assert.Equal(new RadiusGraphSettings { Cutoff = 4.0 }, kind.Graph);

        string file = BackendTrainingTests.TinyFile();
        var request = new TrainRequest
        {
            Model = "mean-table", Data = file, Targets = ["a", "b"], Embedding = "random:8:3", Epochs = 1, Output = TinyData.TempDir(), Seed = 5,
        };
        // The kind's defaults reach the run: its batch size and optimiser, the request's epoch count.
        var options = BackendTraining.Options(request);
        Assert.Equal((1, 8, OptimizerKind.AdamW), (options.Epochs, options.BatchSize, options.Optimizer));

        var result = BackendTraining.Run(request, new BackendTrainingTests.QuietObserver(), "cpu", threads: 1);
        Assert.Equal(1, result.EpochsRun);
        Assert.True(double.IsFinite(result.Test["a"].Mae));

        var (model, info) = ModelFile.Load(result.ModelPath);
        using (model)
        {
            Assert.Equal("mean-table", info.Kind);
            var loaded = Assert.IsType<MeanTableModel>(model);
            Assert.Equal("random8_seed3", loaded.TableConfig.Name);
            Assert.Equal(2, loaded.TargetCount);
        }
    }

    [Fact]
    public void UnknownKindsAndDuplicateRegistrationsAreErrors()
    {
        _ = Registered.Value;
        var error = Assert.Throws<InputError>(() => ModelKinds.Get("schnet"));
        Assert.Contains("unknown model 'schnet'", error.Message);
        Assert.Contains("cgcnn, megnet, alignn, transformer", error.Message);
        Assert.Throws<ArgumentException>(() => ModelKinds.Register(MeanTableModel.Descriptor with { Name = "CGCNN" }));

        string file = BackendTrainingTests.TinyFile();
        var request = new TrainRequest { Model = "schnet", Data = file, Targets = ["a"], Output = TinyData.TempDir() };
        Assert.Throws<InputError>(() => BackendTraining.CreateModel(request, BackendTraining.LoadData(request with { Model = "cgcnn" })));
        Assert.Throws<InputError>(() => BackendTraining.Options(request));
    }

    [Fact]
    public void TheBuiltInKindsCarryTheirReferenceDefaults()
    {
        Assert.Equal(["cgcnn", "megnet", "alignn", "transformer"], ModelKinds.Names.Take(4));
        Assert.Equal(("cgcnn92", "megnet16", "cgcnn92"), (ModelKinds.Cgcnn.DefaultTable, ModelKinds.Megnet.DefaultTable, ModelKinds.Alignn.DefaultTable));
        Assert.True(ModelKinds.Transformer.LearnsOwnTable);
        Assert.Null(ModelKinds.Transformer.Graph);
        Assert.True(ModelKinds.Alignn.Graph!.LineGraph);
        Assert.Equal((30, 256, 1000, 128, 300, 64),
            (ModelKinds.Cgcnn.DefaultOptions(1).Epochs, ModelKinds.Cgcnn.DefaultOptions(1).BatchSize,
             ModelKinds.Megnet.DefaultOptions(1).Epochs, ModelKinds.Megnet.DefaultOptions(1).BatchSize,
             ModelKinds.Alignn.DefaultOptions(1).Epochs, ModelKinds.Alignn.DefaultOptions(1).BatchSize));
    }
}
