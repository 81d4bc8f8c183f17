using System.Text.Json;
using System.Text.Json.Serialization;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

public enum OptimizerKind { Sgd, AdamW }

/// <summary>
/// Learning-rate schedules. OneCycle is PyTorch's OneCycleLR with its defaults (cosine rise from lr/25 to lr over the first
/// <see cref="TrainingOptions.OneCyclePeak"/> of training, cosine fall to lr/25/10⁴), as ALIGNN trains.
/// </summary>
public enum ScheduleKind { Constant, Step, MultiStep, Cosine, OneCycle }

public enum LossKind { Mse, L1 }

/// <summary>
/// JSON of <see cref="TrainingOptions.ElementTable"/>: <see cref="ElementTableTraining.Scratch"/> (a table learned with the
/// network at the main rate) is written "train", the spelling run files have always held, so stored options and the
/// configuration hashes built from them stay the same; "scratch" is read too.
/// </summary>
public sealed class TableTrainingJson : JsonConverter<ElementTableTraining>
{
    private const string Scratch = "train";

    public override ElementTableTraining Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString() switch
    {
        "frozen" => ElementTableTraining.Frozen,
        "fine_tune" => ElementTableTraining.FineTune,
        Scratch or "scratch" => ElementTableTraining.Scratch,
        var other => throw new JsonException($"element_table: '{other}' is not one of frozen, fine_tune, train"),
    };

    public override void Write(Utf8JsonWriter writer, ElementTableTraining value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch
        {
            ElementTableTraining.Frozen => "frozen",
            ElementTableTraining.FineTune => "fine_tune",
            _ => Scratch,
        });
}

/// <summary>How the loop trains one part of a model (see <see cref="TrainingOptions.TrainingOf"/>).</summary>
public readonly record struct PartTraining(bool Frozen, double? Rate);

/// <summary>Which validation number picks the best epoch.</summary>
public enum SelectionMetric
{
    /// <summary>MAE of the first target (the paper's choice for multi-task runs).</summary>
    FirstTarget,
    /// <summary>Mean over targets of MAE / training std (unit-free; identical ordering to MAE for one target).</summary>
    MeanStandardized,
}

/// <summary>Every setting of the shared training loop. Stored in the run directory's config.json.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>SGD momentum (AdamW uses beta1 = 0.9, beta2 = 0.999).</summary>
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 0.0;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    /// <summary>StepLR: epochs between decays.</summary>
    public int StepSize { get; init; } = 10;
    /// <summary>StepLR / MultiStepLR factor.</summary>
    public double Gamma { get; init; } = 0.1;
    /// <summary>MultiStepLR: epochs at which the rate is multiplied by <see cref="Gamma"/>.</summary>
    public int[] Milestones { get; init; } = [];
    /// <summary>Linear warm-up from 0 over this many epochs (counted in steps), before any schedule.</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>The warm-up of a run of <paramref name="epochs"/> epochs: this recipe's, shrunk to at most a tenth of a short run.</summary>
    public double WarmupFor(int epochs) => Math.Min(WarmupEpochs, 0.1 * epochs);
    /// <summary>Cosine: final learning rate as a fraction of the initial one.</summary>
    public double MinLearningRateFactor { get; init; }
    /// <summary>OneCycle: fraction of training spent rising to the peak rate (PyTorch's pct_start).</summary>
    public double OneCyclePeak { get; init; } = 0.3;
    /// <summary>Clip the global gradient norm to this value; 0 = off.</summary>
    public double GradientClip { get; init; }
    public LossKind Loss { get; init; } = LossKind.Mse;
    /// <summary>How the element table trains: frozen, fine-tuned at <see cref="ElementTableLearningRate"/>, or learned with the network (scratch).</summary>
    [JsonConverter(typeof(TableTrainingJson))]
    public ElementTableTraining ElementTable { get; init; } = ElementTableTraining.Scratch;
    public double ElementTableLearningRate { get; init; } = 1e-5;
    /// <summary>
    /// Learning rate of pretrained layers (<see cref="ParameterRole.Encoder"/>, e.g. after <c>--init-from</c>); null = the
    /// main rate, in the main group. Left out of the JSON when null, so the settings of earlier runs hash as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EncoderLearningRate { get; init; }
    public SelectionMetric Selection { get; init; } = SelectionMetric.MeanStandardized;
    /// <summary>Group crystals of similar size into batches to cut padding (shuffled order of batches).</summary>
    public bool BucketBySize { get; init; }
    /// <summary>
    /// Memory a training step may keep for activations, in GiB, by the model's own estimate: a batch above it is trained
    /// in parts with accumulated gradients (batch-norm statistics are then those of each part); 0 = never split.
    /// </summary>
    public double BatchMemoryGb { get; init; } = DefaultBatchMemoryGb;
    public const double DefaultBatchMemoryGb = 4;
    public int Seed { get; init; } = 42;
    /// <summary>Early stopping: end the run when validation has not improved for this many epochs; 0 = never.</summary>
    public int Patience { get; init; }
    /// <summary>Stop after the epoch during which this many minutes have passed; 0 = no limit (recorded in metrics).</summary>
    public double MaxMinutes { get; init; }

    public void Validate()
    {
        void require(bool ok, string what) { if (!ok) throw new UsageError($"training setting: {what}"); }
        require(Epochs >= 1, "epochs must be ≥ 1");
        require(BatchSize >= 1, "batch size must be ≥ 1");
        require(LearningRate > 0 && double.IsFinite(LearningRate), "learning rate must be positive");
        require(WeightDecay >= 0, "weight decay must be ≥ 0");
        require(StepSize >= 1, "step size must be ≥ 1");
        require(Gamma > 0, "gamma must be positive");
        require(WarmupEpochs >= 0 && WarmupEpochs < Epochs, "warm-up must be shorter than the run");
        require(MinLearningRateFactor is >= 0 and <= 1, "minimum learning-rate factor must be in [0, 1]");
        require(GradientClip >= 0, "gradient clip must be ≥ 0");
        require(BatchMemoryGb >= 0 && double.IsFinite(BatchMemoryGb), "batch memory budget must be ≥ 0");
        require(ElementTableLearningRate >= 0, "element-table learning rate must be ≥ 0");
        require(EncoderLearningRate is null || (EncoderLearningRate >= 0 && double.IsFinite(EncoderLearningRate.Value)), "encoder learning rate must be ≥ 0");
        require(Momentum is >= 0 and < 1, "momentum must be in [0, 1)");
        require(OneCyclePeak is > 0 and < 1, "one-cycle peak must be in (0, 1)");
        require(Patience >= 0, "patience must be ≥ 0");
    }

    /// <summary>
    /// How the loop writes and reads its JSON (metrics.json, checkpoint state, model.json, config.json): snake_case names,
    /// enums as text, and non-finite numbers as the strings "NaN", "Infinity" and "-Infinity" (a diverged or
    /// unlabelled metric must not stop the run from being recorded).
    /// </summary>
    /// <summary>
    /// How the loop trains a part of the model: frozen (out of the optimiser, no gradients), in a group of its own at
    /// <see cref="PartTraining.Rate"/>, or with the main group (Rate null). The element table in <see cref="ElementTableTraining.Scratch"/>
    /// mode keeps a group of its own at the main rate, as checkpoints have always held it.
    /// </summary>
    public PartTraining TrainingOf(ParameterRole role) => role switch
    {
        ParameterRole.ElementTable => ElementTable switch
        {
            ElementTableTraining.Frozen => new PartTraining(Frozen: true, Rate: null),
            ElementTableTraining.FineTune => new PartTraining(Frozen: false, ElementTableLearningRate),
            _ => new PartTraining(Frozen: false, LearningRate),
        },
        ParameterRole.Encoder => new PartTraining(Frozen: false, EncoderLearningRate),
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "<ct>/data", not "\u003Cct\u003E/data"
    };
}
