using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct train</c>: trains a back-end (CGCNN, MEGNet, ALIGNN) or the front-end on a data set with a chosen element table.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = string.Join("; ", ModelKinds.All.Select(k => $"{k.Name}: {k.Summary}")) };
        var data = new Option<string?>("--data") { Description = "perov5 (its fixed split), nomad2018 (fixed seeded 80/10/10 split), or a CGCNN folder, an extxyz file with labels, a CSV with a cif column, pymatgen JSON records with targets (matbench layouts) or an ASE .db with labels in its key-value pairs" };
        var targets = new Option<string?>("--targets") { Description = "comma-separated label names, e.g. heat_ref or formation_energy_ev_natom,bandgap_energy_ev (several = multi-target)" };
        var embedding = new Option<string?>("--embedding") { Description = $"element table: {ElementTableIO.Syntax} (default: {ModelKinds.Defaults(k => k.DefaultTable, ModelKinds.BackEnds)})" };
        var mode = new Option<string>("--embedding-mode") { Description = "frozen (table fixed), finetune (table trained at --embedding-lr, the paper's CT) or scratch (random rows of the table's width, trained)", DefaultValueFactory = _ => "frozen" };
        var embeddingLr = new Option<double?>("--embedding-lr") { Description = "learning rate of the table in finetune mode (default 1e-5, the paper's, which barely changes a table; with CGCNN's SGD (lr 0.01) even 1e-2 leaves it in place and a rate of 1 moves it, measured on perov5; --embedding-l2sp keeps it near its values)" };
        var embeddingL2Sp = new Option<double?>("--embedding-l2sp") { Description = "finetune mode: pull the table towards its loaded values T0, adding ALPHA / width · Σ over its rows of ||T − T0||² to the loss (0 = off)" };
        var standardize = new Option<bool>("--standardize-embedding") { Description = "always standardise the table's columns (mean 0, std 1 over its elements) before use (default: only tables on raw physical scales, such as magpie, oliynyk and xenonpy)" };
        var noStandardize = new Option<bool>("--no-standardize-embedding") { Description = "never standardise the table, not even a raw-scale one (magpie, oliynyk, xenonpy), which may make training diverge" };
        var missing = new Option<string>("--missing-elements") { Description = "elements of the data the table lacks: error (default; lists them), zero (zero vector) or mean (mean vector)", DefaultValueFactory = _ => "error" };
        var epochs = new Option<int?>("--epochs") { Description = $"epochs (default: the model's reference code: {ModelKinds.Defaults(k => Invariant(k.DefaultOptions(1).Epochs))})" };
        var trainSize = new Option<int?>("--train-size") { Description = "use this many training crystals (seeded with --split-seed); validation and test stay whole" };
        var seed = CommonOptions.Seed("seed for initialisation, batch order and dropout");
        var splitSeed = new Option<int>("--split-seed") { Description = $"seed of the 80/10/10 split of user data without a split column, and of the --train-size subset (default {CommonOptions.DefaultSeed})", DefaultValueFactory = _ => CommonOptions.DefaultSeed };
        var output = new Option<string?>("--out") { Description = "run directory (default runs/train-<model>-<data>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this directory from its last checkpoint" };
        var batch = new Option<int?>("--batch-size") { Description = $"batch size (default: {ModelKinds.Defaults(k => Invariant(k.DefaultOptions(1).BatchSize))})" };
        var lr = new Option<double?>("--lr") { Description = $"learning rate (default: {ModelKinds.Defaults(k => Invariant(k.DefaultOptions(1).LearningRate))}); with --init-from the rate of the new heads" };
        var initFrom = new Option<string?>("--init-from") { Description = "transformer: fine-tune a pretrained front-end, given as a model file (.ct), a run directory (its best.ct) or a shipped model's name; its architecture and every weight below the output heads are loaded, the heads start fresh for --targets" };
        var encoderLr = new Option<double?>("--encoder-lr") { Description = "with --init-from: learning rate of the pretrained layers, element table included (default: --lr)" };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd or adamw" };
        var schedule = new Option<string?>("--schedule") { Description = CommonOptions.Choices<ScheduleKind>() };
        var milestones = new Option<string?>("--milestones") { Description = $"multistep schedule: comma-separated epochs at which the rate is multiplied by 0.1 (default: {ModelKinds.Defaults(k => k.DefaultOptions(1).Schedule == ScheduleKind.MultiStep ? string.Join(",", k.DefaultOptions(1).Milestones) : null)})" };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "weight decay" };
        var clip = new Option<double?>("--clip") { Description = "gradient-norm clip (0 = off)" };
        var loss = new Option<string?>("--loss") { Description = "mse or l1" };
        var set = new Option<string[]>("--set") { Description = "architecture setting NAME=VALUE, repeatable (e.g. --set convolutions=4 --set atom_features=128)", AllowMultipleArgumentsPerToken = false };
        var majority = new Option<bool>("--majority-species") { Description = "read disordered sites as their majority species (default: refuse disordered structures)" };
        var graphCache = new Option<string?>("--graph-cache") { Description = "folder for graph caches: graphs are built once and streamed from disk (bounded memory for large data; reused while data and settings match)" };
        var threads = CommonOptions.ResumableThreads("graphs are built on all of them, then the network trains on all of them (the steps follow each other)");
        var device = CommonOptions.ResumableDevice();
        var quiet = CommonOptions.Quiet();
        var batchMemory = new Option<double?>("--batch-memory") { Description = "GiB of activations a training step may keep, by the model's estimate (default 4; 0 = no limit): larger batches (ALIGNN on big crystals) are trained in parts with accumulated gradients" };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "stop after the epoch in which this wall-clock budget is used up (resume later with --resume)" };

        var command = new Command("train", $"Train a graph network ({string.Join(", ", ModelKinds.BackEnds.Select(k => k.Name))}) with a chosen element table, or the transformer front-end (from scratch or, with --init-from, from a pretrained one), on a labelled data set. " +
            "Writes the run directory: best.ct (model file with weights, element table, graph settings and target scaling), metrics.json, log.csv, test_predictions.csv.")
        {
            model, data, targets, embedding, mode, embeddingLr, embeddingL2Sp, standardize, noStandardize, missing, epochs, trainSize, seed, splitSeed, output, resume, batch, lr,
            optimizer, schedule, milestones, weightDecay, clip, loss, set, majority, graphCache, threads, device, quiet, maxMinutes, batchMemory,
            initFrom, encoderLr,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string? resumeDir = p.GetValue(resume);
            TrainRequest request;
            if (resumeDir is not null)
            {
                request = BackendTraining.LoadRequest(resumeDir);
                if (p.GetValue(maxMinutes) is double budget) request = request with { MaxMinutes = budget };
            }
            else
            {
                string kind = BackendTraining.Kind(p.GetValue(model) ?? throw new UsageError($"--model is required ({ModelKinds.NameList()})"));
                string dataName = p.GetValue(data) ?? throw new UsageError("--data is required (perov5, nomad2018 or a file/folder)");
                var targetList = (p.GetValue(targets) ?? throw new UsageError("--targets is required (e.g. heat_ref)"))
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (targetList.Length == 0) throw new UsageError("--targets names no label");
                string stem = DataSets.IsBuiltIn(dataName) ? DataSets.Canonical(dataName) : Path.GetFileNameWithoutExtension(dataName.TrimEnd('/', '\\')).Split('.')[0];
                request = new TrainRequest
                {
                    Model = kind, Data = dataName, Targets = targetList,
                    Embedding = p.GetValue(embedding),
                    EmbeddingMode = ParseMode(p.GetValue(mode)!),
                    EmbeddingLearningRate = p.GetValue(embeddingLr),
                    EmbeddingL2Sp = p.GetValue(embeddingL2Sp),
                    StandardizeEmbedding = (p.GetValue(standardize), p.GetValue(noStandardize)) switch
                    {
                        (true, true) => throw new UsageError("--standardize-embedding and --no-standardize-embedding contradict each other"),
                        (true, false) => true,
                        (false, true) => false,
                        _ => null,
                    },
                    MissingElements = CommonOptions.ParseEnum<MissingElementPolicy>(p.GetValue(missing)!, "--missing-elements"),
                    MajoritySpecies = p.GetValue(majority),
                    TrainSize = p.GetValue(trainSize), SplitSeed = p.GetValue(splitSeed), Seed = p.GetValue(seed),
                    Epochs = p.GetValue(epochs), BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr),
                    Optimizer = p.GetValue(optimizer) is { } o ? CommonOptions.ParseEnum<OptimizerKind>(o, "--optimizer") : null,
                    Schedule = p.GetValue(schedule) is { } s ? CommonOptions.ParseEnum<ScheduleKind>(s, "--schedule") : null,
                    Milestones = p.GetValue(milestones) is { } m ? ParseMilestones(m) : null,
                    WeightDecay = p.GetValue(weightDecay), GradientClip = p.GetValue(clip),
                    Loss = p.GetValue(loss) is { } l ? CommonOptions.ParseEnum<LossKind>(l, "--loss") : null,
                    MaxMinutes = p.GetValue(maxMinutes) ?? 0,
                    BatchMemoryGb = p.GetValue(batchMemory),
                    Architecture = ParseSettings(p.GetValue(set) ?? []),
                    InitFrom = p.GetValue(initFrom),
                    EncoderLearningRate = p.GetValue(encoderLr),
                    GraphCache = p.GetValue(graphCache),
                    Output = p.GetValue(output) ?? Path.Combine("runs", $"train-{kind}-{stem}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                };
            }
            bool isQuiet = p.GetValue(quiet);
            CommandRunner.DetailsDirectory = request.Output;
            var (runThreads, runDevice) = CommonOptions.RunSettings(p.GetValue(threads), p.GetValue(device), resumeDir);
            var result = TrainingProgress.Run(TrainingProgress.Default(isQuiet),
                observer => BackendTraining.Run(request, observer, runDevice, runThreads, resumeDir is not null));
            TrainingCurveFile.Write(request.Output);
            if (!isQuiet) Console.WriteLine(BackendTraining.Summary(result) + $"; run directory {request.Output}");
            return 0;
        }));
        return command;
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    public static ElementTableTraining ParseMode(string value) => value.Trim().ToLowerInvariant() switch
    {
        "frozen" or "freeze" => ElementTableTraining.Frozen,
        "finetune" or "fine-tune" or "ct" => ElementTableTraining.FineTune,
        "scratch" => ElementTableTraining.Scratch,
        _ => throw new UsageError($"--embedding-mode: '{value}' is not one of frozen, finetune, scratch"),
    };

    private static int[] ParseMilestones(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) && e >= 1 ? e
                : throw new UsageError($"--milestones: '{t}' is not a positive epoch number")).ToArray();

    /// <summary>NAME=VALUE pairs; values are JSON (numbers, true/false) or else text.</summary>
    public static JsonObject? ParseSettings(IEnumerable<string> pairs)
    {
        JsonObject? result = null;
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageError($"--set '{pair}': expected NAME=VALUE");
            string name = pair[..eq].Trim().Replace('-', '_'), text = pair[(eq + 1)..].Trim();
            JsonNode? value;
            try { value = JsonNode.Parse(text); }
            catch (System.Text.Json.JsonException) { value = JsonValue.Create(text); }
            (result ??= [])[name] = value;
        }
        return result;
    }
}
