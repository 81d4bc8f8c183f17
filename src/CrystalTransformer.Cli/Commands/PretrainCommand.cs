using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct pretrain</c>: trains the CrystalTransformer front-end and writes its ct-UAE.</summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var data = new Option<string[]>("--data") { Description = "perov5, nomad2018, mp-compositions, or a file/folder: CGCNN folder, extxyz with labels, CSV with a cif column, or CSV with a composition column (composition mode); repeat for multi-source pretraining (each data set keeps its split; a crystal's missing labels are masked)" };
        var targets = new Option<string?>("--targets") { Description = "comma-separated label names, e.g. heat_ref,dir_gap (several = multi-task; with several --data, each data set contributes the targets it has)" };
        var recipe = new Option<string>("--recipe") { Description = "fast (default: converges quickly on CPUs; in composition mode the composition recipe), paper (the authors' settings) or paper-adamw (the paper's architecture with AdamW, warm-up and cosine decay)", DefaultValueFactory = _ => "fast" };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (default: the recipe's)" };
        var output = new Option<string?>("--out") { Description = "run directory (default runs/pretrain-<data>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this directory from its last checkpoint" };
        var seed = CommonOptions.Seed("seed for initialisation, shuffling, augmentation and dropout");
        var splitSeed = new Option<int>("--split-seed") { Description = $"seed of the random 80/10/10 split when the data have no split column (default {CommonOptions.DefaultSeed})", DefaultValueFactory = _ => CommonOptions.DefaultSeed };
        var trainSize = new Option<int?>("--train-size") { Description = "use only this many training entries (seeded choice); validation and test stay whole" };
        var threads = CommonOptions.ResumableThreads("the network trains on all of them");
        var device = CommonOptions.ResumableDevice();
        var quiet = CommonOptions.Quiet();
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "stop after the epoch in which this wall-clock budget (summed over resumed sessions) is used up; 0 = none" };
        var batch = new Option<int?>("--batch-size") { Description = "batch size" };
        var lr = new Option<double?>("--lr") { Description = "learning rate" };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd or adamw" };
        var schedule = new Option<string?>("--schedule") { Description = CommonOptions.Choices<ScheduleKind>() };
        var warmup = new Option<double?>("--warmup") { Description = "linear warm-up epochs" };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "weight decay" };
        var clip = new Option<double?>("--clip") { Description = "gradient-norm clip (0 = off)" };
        var loss = new Option<string?>("--loss") { Description = "mse or l1" };
        var layers = new Option<int?>("--layers") { Description = "encoder layers" };
        var heads = new Option<int?>("--heads") { Description = "attention heads" };
        var feedForward = new Option<int?>("--ff") { Description = "feed-forward width" };
        var inputWidth = new Option<int?>("--input-width") { Description = "width of the coordinate/fraction embedding (model width = 128 + this)" };
        var dropout = new Option<double?>("--dropout") { Description = "dropout" };
        var headDropout = new Option<double?>("--head-dropout") { Description = "dropout after each hidden layer of the output heads (default 0)" };
        var norm = new Option<string?>("--norm") { Description = "post (paper) or pre LayerNorm" };
        var readout = new Option<string?>("--readout") { Description = "first-atom, mean, attention or fraction-weighted (composition mode)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "switch off the coordinate augmentation" };
        var bucket = new Option<bool>("--bucket") { Description = "batch crystals of similar size together (less padding)" };
        var patience = new Option<int?>("--patience") { Description = "early stopping: end when validation has not improved for this many epochs (default: the recipe's; 0 = never)" };
        var headLayers = new Option<string?>("--head-layers") { Description = "hidden widths of each target's head, comma-separated (e.g. 512,256,128; default: the paper's heads)" };
        var fractionEncoding = new Option<string?>("--fraction-encoding") { Description = "composition mode: linear (the fraction → Linear) or sinusoidal (sines/cosines of the fraction and its log)" };

        var command = new Command("pretrain", "Train the CrystalTransformer front-end on structures (or compositions) and write its ct-UAE to RUN_DIR/embedding.")
        {
            data, targets, recipe, epochs, output, resume, seed, splitSeed, trainSize, threads, device, quiet, maxMinutes, batch, lr, optimizer,
            schedule, warmup, weightDecay, clip, loss, layers, heads, feedForward, inputWidth, dropout, headDropout, norm, readout, noAugment, bucket,
            patience, fractionEncoding, headLayers,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string? resumeDir = p.GetValue(resume);
            PretrainSpec spec;
            if (resumeDir is not null)
            {
                spec = PretrainSpec.LoadFrom(resumeDir);
                // Everything else comes from the run's config.json; only the wall-clock budget may change.
                if (p.GetValue(maxMinutes) is double budget) spec = spec with { Training = spec.Training with { MaxMinutes = budget } };
            }
            else
            {
                var dataNames = p.GetValue(data) is { Length: > 0 } given ? given
                    : throw new UsageError("--data is required (perov5, nomad2018, mp-compositions, or a file)");
                var targetList = (p.GetValue(targets) ?? throw new UsageError("--targets is required (e.g. heat_ref or formation_energy_per_atom,band_gap)"))
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                bool composition = Pretraining.IsCompositionMode(dataNames);
                var r = Recipes.Get(p.GetValue(recipe)!, targetList.Length, composition);
                var model = r.Model with
                {
                    Layers = p.GetValue(layers) ?? r.Model.Layers,
                    Heads = p.GetValue(heads) ?? r.Model.Heads,
                    FeedForward = p.GetValue(feedForward) ?? r.Model.FeedForward,
                    InputWidth = p.GetValue(inputWidth) ?? r.Model.InputWidth,
                    Dropout = p.GetValue(dropout) ?? r.Model.Dropout,
                    HeadDropout = p.GetValue(headDropout) ?? r.Model.HeadDropout,
                    PreNorm = p.GetValue(norm) is { } n ? ParseNorm(n) : r.Model.PreNorm,
                    Readout = p.GetValue(readout) is { } ro ? CommonOptions.ParseEnum<Readout>(ro.Replace("-", ""), "--readout") : r.Model.Readout,
                    Augmentation = p.GetValue(noAugment) ? AugmentationConfig.None : r.Model.Augmentation,
                    HeadLayers = p.GetValue(headLayers) is { } hl ? ParseWidths(hl, "--head-layers") : r.Model.HeadLayers,
                    FractionEncoding = p.GetValue(fractionEncoding) is { } fe ? CommonOptions.ParseEnum<FractionEncoding>(fe, "--fraction-encoding") : r.Model.FractionEncoding,
                };
                var t = r.Training;
                var training = t with
                {
                    Epochs = p.GetValue(epochs) ?? r.DefaultEpochs,
                    BatchSize = p.GetValue(batch) ?? t.BatchSize,
                    LearningRate = p.GetValue(lr) ?? t.LearningRate,
                    Optimizer = p.GetValue(optimizer) is { } o ? CommonOptions.ParseEnum<OptimizerKind>(o, "--optimizer") : t.Optimizer,
                    Schedule = p.GetValue(schedule) is { } s ? CommonOptions.ParseEnum<ScheduleKind>(s, "--schedule") : t.Schedule,
                    WarmupEpochs = p.GetValue(warmup) ?? t.WarmupFor(p.GetValue(epochs) ?? r.DefaultEpochs),
                    WeightDecay = p.GetValue(weightDecay) ?? t.WeightDecay,
                    GradientClip = p.GetValue(clip) ?? t.GradientClip,
                    Loss = p.GetValue(loss) is { } l ? CommonOptions.ParseEnum<LossKind>(l, "--loss") : t.Loss,
                    Seed = p.GetValue(seed),
                    MaxMinutes = p.GetValue(maxMinutes) ?? 0,
                    BucketBySize = p.GetValue(bucket) || t.BucketBySize,
                    Patience = p.GetValue(patience) ?? t.Patience,
                };
                string stem = string.Join("+", dataNames.Select(d => Path.GetFileNameWithoutExtension(d.TrimEnd('/', '\\')).Split('.')[0]));
                string dir = p.GetValue(output) ?? Path.Combine("runs", $"pretrain-{stem}-{DateTime.Now:yyyyMMdd-HHmmss}");
                spec = new PretrainSpec(dataNames, targetList, p.GetValue(splitSeed), p.GetValue(trainSize), r.Name, model, training, dir);
            }
            CommandRunner.DetailsDirectory = spec.Directory;
            var (runThreads, runDevice) = CommonOptions.RunSettings(p.GetValue(threads), p.GetValue(device), resumeDir);
            var result = TrainingProgress.Pretrain(spec, runThreads, runDevice, resumeDir is not null, TrainingProgress.Default(p.GetValue(quiet)));
            if (!p.GetValue(quiet)) Console.WriteLine(Summary(result, spec.Directory));
            return 0;
        }));
        return command;
    }

    private static string Summary(TrainingResult r, string dir) =>
        string.Join("\n", r.Targets.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"test {t}: MAE {r.Test[t].Mae:0.0000}  RMSE {r.Test[t].Rmse:0.0000}  R² {r.Test[t].R2:0.000}  (n = {r.Test[t].Count})")))
        + $"\nbest epoch {r.BestEpoch} of {r.EpochsRun}, {r.Seconds:0} s; run directory {dir}, ct-UAE in {Path.Combine(dir, "embedding")}";

    private static int[] ParseWidths(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) && w >= 1 ? w
                : throw new UsageError($"{option}: '{t}' is not a positive width")).ToArray();

    private static bool ParseNorm(string v) => v.Trim().ToLowerInvariant() switch
    {
        "pre" => true, "post" => false, _ => throw new UsageError($"--norm must be pre or post, not '{v}'"),
    };
}
