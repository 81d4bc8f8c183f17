using CrystalTransformer.Models;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>A named front-end architecture plus training settings.</summary>
public sealed record Recipe(string Name, TransformerConfig Model, TrainingOptions Training, int DefaultEpochs);

/// <summary>
/// Front-end recipes. <c>paper</c>: the authors' architecture and SGD settings. <c>fast</c>: measured to converge far
/// faster on a CPU budget (see README); the element table stays a 128-d Linear(100→128), so it is a ct-UAE either way.
/// </summary>
public static class Recipes
{
    public static readonly string[] Names = ["fast", "paper", "paper-adamw"];

    public static Recipe Get(string name, int targetCount, bool compositionMode)
    {
        var recipe = name.Trim().ToLowerInvariant() switch
        {
            "paper" => Paper(targetCount),
            "fast" => Fast(),
            "paper-adamw" => PaperAdamW(),
            _ => throw new InputError($"unknown recipe '{name}' (known: {string.Join(", ", Names)})"),
        };
        if (!compositionMode) return recipe;
        if (recipe.Name == "fast") return FastComposition();
        // Composition mode: one token per element with its fraction; "first atom" means nothing, so pool.
        var model = recipe.Model with
        {
            Input = TokenInput.Fraction, Augmentation = AugmentationConfig.None,
            Readout = recipe.Model.Readout == Readout.FirstAtom ? Readout.Mean : recipe.Model.Readout,
        };
        return recipe with { Model = model };
    }

    /// <summary>
    /// The paper: 8 post-LN layers, first-atom readout; SGD momentum 0.9, weight decay 1e-3, batch 128; single task lr 1e-4
    /// with StepLR(10, ×0.96), multi-task lr 6e-3 with StepLR(20, ×0.5); best epoch by the first target's validation MAE.
    /// </summary>
    public static Recipe Paper(int targetCount) => new("paper", TransformerConfig.Paper, new TrainingOptions
    {
        Optimizer = OptimizerKind.Sgd, Momentum = 0.9, WeightDecay = 1e-3, BatchSize = 128,
        LearningRate = targetCount == 1 ? 1e-4 : 6e-3,
        Schedule = ScheduleKind.Step, StepSize = targetCount == 1 ? 10 : 20, Gamma = targetCount == 1 ? 0.96 : 0.5,
        Selection = SelectionMetric.FirstTarget, Epochs = 250,
    }, 250);

    /// <summary>
    /// The paper's architecture (8 post-LN layers, first-atom readout, its heads) with an optimiser that converges on a
    /// CPU: AdamW lr 3e-4 with 10 warm-up epochs (post-LN stacks need a gentle start) and cosine decay, clip 1, batch 64,
    /// no coordinate augmentation, 400 epochs with early stopping after 80 without improvement. Measured on perov5
    /// heat_ref: test MAE 0.053 eV (the fast recipe 0.058, the paper's SGD settings 0.48 in 30 minutes; README).
    /// </summary>
    public static Recipe PaperAdamW() => new("paper-adamw",
        TransformerConfig.Paper with { Augmentation = AugmentationConfig.None },
        new TrainingOptions
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 3e-4, WeightDecay = 1e-4, BatchSize = 64,
            Schedule = ScheduleKind.Cosine, WarmupEpochs = 10, GradientClip = 1.0, Patience = 80,
            Selection = SelectionMetric.FirstTarget, Epochs = 400,
        }, 400);

    /// <summary>
    /// Composition mode of the fast recipe, chosen on the validation part of the MP compositions (README, "Recipes"):
    /// 1 pre-LN layer, fraction width 32 with the sinusoidal fraction encoding, fraction-weighted pooling, heads with
    /// hidden layers 512-256-128, no dropout, L1 loss, AdamW 2e-3 with warm-up and cosine decay, batch 128, 300 epochs
    /// with early stopping after 40 without improvement. The element layer stays Linear(100→128).
    /// </summary>
    public static Recipe FastComposition() => new("fast",
        TransformerConfig.Composition with
        {
            Layers = 1, InputWidth = 32, FeedForward = 256, Dropout = 0, PreNorm = true, Readout = Readout.FractionWeighted,
            FractionEncoding = FractionEncoding.Sinusoidal, HeadLayers = [512, 256, 128],
        },
        new TrainingOptions
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4, BatchSize = 128,
            Schedule = ScheduleKind.Cosine, WarmupEpochs = 2, MinLearningRateFactor = 0.01, GradientClip = 1.0, Loss = LossKind.L1,
            Patience = 40, Selection = SelectionMetric.MeanStandardized, Epochs = 300,
        }, 300);

    /// <summary>
    /// Faster on CPUs: 2 pre-LN layers, mean readout, no coordinate augmentation, AdamW with warm-up and cosine decay,
    /// gradient clipping, batch 64. Measured on perov5 heat_ref: the paper's augmentation (random ±5 Å shifts and
    /// rotations of the raw coordinates) is what keeps short runs at the mean-predictor level; without it the same
    /// short run learns (README, "Recipes").
    /// </summary>
    public static Recipe Fast() => new("fast",
        TransformerConfig.Paper with { Layers = 2, PreNorm = true, Readout = Readout.Mean, Augmentation = AugmentationConfig.None },
        new TrainingOptions
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 1e-4, BatchSize = 64,
            Schedule = ScheduleKind.Cosine, WarmupEpochs = 2, MinLearningRateFactor = 0.01, GradientClip = 1.0,
            Selection = SelectionMetric.MeanStandardized, Epochs = 25,
        }, 25);
}
