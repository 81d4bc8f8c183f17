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
        var data = new Option<string?>("--data") { Description = "perov5, nomad2018, mp-compositions, or a file/folder: CGCNN folder, extxyz with labels, CSV with a cif column, or CSV with a composition column (composition mode)" };
        var targets = new Option<string?>("--targets") { Description = "comma-separated label names, e.g. heat_ref,dir_gap (several = multi-task)" };
        var recipe = new Option<string>("--recipe") { Description = "fast (default: converges quickly on CPUs) or paper (the authors' settings)", DefaultValueFactory = _ => "fast" };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (default: the recipe's)" };
        var output = new Option<string?>("--out") { Description = "run directory (default runs/pretrain-<data>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this directory from its last checkpoint" };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation, shuffling, augmentation and dropout", DefaultValueFactory = _ => 42 };
        var splitSeed = new Option<int>("--split-seed") { Description = "seed of the random 80/10/10 split when the data have no split column", DefaultValueFactory = _ => 42 };
        var trainSize = new Option<int?>("--train-size") { Description = "use only this many training entries (seeded choice); validation and test stay whole" };
        var threads = new Option<int>("--threads") { Description = "torch threads (0 = libtorch default)", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var quiet = new Option<bool>("--quiet") { Description = "no progress output (CI)" };
        var maxMinutes = new Option<double?>("--max-minutes") { Description = "stop after the epoch in which this wall-clock budget (summed over resumed sessions) is used up; 0 = none" };
        var batch = new Option<int?>("--batch-size") { Description = "batch size" };
        var lr = new Option<double?>("--lr") { Description = "learning rate" };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd or adamw" };
        var schedule = new Option<string?>("--schedule") { Description = "constant, step, multistep or cosine" };
        var warmup = new Option<double?>("--warmup") { Description = "linear warm-up epochs" };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "weight decay" };
        var clip = new Option<double?>("--clip") { Description = "gradient-norm clip (0 = off)" };
        var loss = new Option<string?>("--loss") { Description = "mse or l1" };
        var layers = new Option<int?>("--layers") { Description = "encoder layers" };
        var heads = new Option<int?>("--heads") { Description = "attention heads" };
        var feedForward = new Option<int?>("--ff") { Description = "feed-forward width" };
        var inputWidth = new Option<int?>("--input-width") { Description = "width of the coordinate/fraction embedding (model width = 128 + this)" };
        var dropout = new Option<double?>("--dropout") { Description = "dropout" };
        var norm = new Option<string?>("--norm") { Description = "post (paper) or pre LayerNorm" };
        var readout = new Option<string?>("--readout") { Description = "first-atom, mean, attention or fraction-weighted (composition mode)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "switch off the coordinate augmentation" };
        var bucket = new Option<bool>("--bucket") { Description = "batch crystals of similar size together (less padding)" };
        var patience = new Option<int?>("--patience") { Description = "early stopping: end when validation has not improved for this many epochs (default: the recipe's; 0 = never)" };
        var fractionEncoding = new Option<string?>("--fraction-encoding") { Description = "composition mode: linear (the fraction → Linear) or sinusoidal (sines/cosines of the fraction and its log)" };

        var command = new Command("pretrain", "Train the CrystalTransformer front-end on structures (or compositions) and write its ct-UAE to RUN_DIR/embedding.")
        {
            data, targets, recipe, epochs, output, resume, seed, splitSeed, trainSize, threads, device, quiet, maxMinutes, batch, lr, optimizer,
            schedule, warmup, weightDecay, clip, loss, layers, heads, feedForward, inputWidth, dropout, norm, readout, noAugment, bucket,
            patience, fractionEncoding,
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
                string dataName = p.GetValue(data) ?? throw new InputError("--data is required (perov5, mp-compositions, or a file)");
                var targetList = (p.GetValue(targets) ?? throw new InputError("--targets is required (e.g. heat_ref or formation_energy_per_atom,band_gap)"))
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                bool composition = PretrainData.IsComposition(dataName);
                var r = Recipes.Get(p.GetValue(recipe)!, targetList.Length, composition);
                var model = r.Model with
                {
                    Layers = p.GetValue(layers) ?? r.Model.Layers,
                    Heads = p.GetValue(heads) ?? r.Model.Heads,
                    FeedForward = p.GetValue(feedForward) ?? r.Model.FeedForward,
                    InputWidth = p.GetValue(inputWidth) ?? r.Model.InputWidth,
                    Dropout = p.GetValue(dropout) ?? r.Model.Dropout,
                    PreNorm = p.GetValue(norm) is { } n ? ParseNorm(n) : r.Model.PreNorm,
                    Readout = p.GetValue(readout) is { } ro ? ParseEnum<Readout>(ro.Replace("-", ""), "--readout") : r.Model.Readout,
                    Augmentation = p.GetValue(noAugment) ? AugmentationConfig.None : r.Model.Augmentation,
                    FractionEncoding = p.GetValue(fractionEncoding) is { } fe ? ParseEnum<FractionEncoding>(fe, "--fraction-encoding") : r.Model.FractionEncoding,
                };
                var t = r.Training;
                var training = t with
                {
                    Epochs = p.GetValue(epochs) ?? r.DefaultEpochs,
                    BatchSize = p.GetValue(batch) ?? t.BatchSize,
                    LearningRate = p.GetValue(lr) ?? t.LearningRate,
                    Optimizer = p.GetValue(optimizer) is { } o ? ParseEnum<OptimizerKind>(o, "--optimizer") : t.Optimizer,
                    Schedule = p.GetValue(schedule) is { } s ? ParseEnum<ScheduleKind>(s, "--schedule") : t.Schedule,
                    // The recipe's warm-up shrinks with short runs (at most a tenth of them).
                    WarmupEpochs = p.GetValue(warmup) ?? Math.Min(t.WarmupEpochs, 0.1 * (p.GetValue(epochs) ?? r.DefaultEpochs)),
                    WeightDecay = p.GetValue(weightDecay) ?? t.WeightDecay,
                    GradientClip = p.GetValue(clip) ?? t.GradientClip,
                    Loss = p.GetValue(loss) is { } l ? ParseEnum<LossKind>(l, "--loss") : t.Loss,
                    Seed = p.GetValue(seed),
                    MaxMinutes = p.GetValue(maxMinutes) ?? 0,
                    BucketBySize = p.GetValue(bucket) || t.BucketBySize,
                    Patience = p.GetValue(patience) ?? t.Patience,
                };
                string dir = p.GetValue(output) ?? Path.Combine("runs", $"pretrain-{Path.GetFileNameWithoutExtension(dataName).Split('.')[0]}-{DateTime.Now:yyyyMMdd-HHmmss}");
                spec = new PretrainSpec(dataName, targetList, p.GetValue(splitSeed), p.GetValue(trainSize), r.Name, model, training, dir);
            }
            var result = Run(spec, p.GetValue(threads), p.GetValue(device)!, resumeDir is not null, TrainingProgress.Default(p.GetValue(quiet)));
            if (!p.GetValue(quiet)) Console.WriteLine(Summary(result, spec.Directory));
            return 0;
        }));
        return command;
    }

    /// <summary>Loads the data, trains, and writes the ct-UAE into RUN_DIR/embedding.</summary>
    public static TrainingResult Run(PretrainSpec spec, int threads, string device, bool resume, ProgressMode progress)
    {
        var labelled = PretrainData.Load(spec.Data, spec.Targets, spec.SplitSeed, spec.TrainSize);
        if (threads > 0) set_num_threads(threads);
        manual_seed(spec.Training.Seed);
        using var model = new CrystalTransformerModel(spec.Model, spec.Targets.Length);
        var settings = new RunSettings
        {
            Directory = spec.Directory, Device = device, Threads = threads, Resume = resume,
            Description = new JsonObject { ["pretrain"] = JsonSerializer.SerializeToNode(spec, TrainingOptions.Json) },
        };
        var result = TrainingProgress.Run(progress, observer => Trainer.Train(model, labelled, spec.Training, settings, observer));
        EmbedCommand.WriteFromModelFile(Path.Combine(spec.Directory, Trainer.BestFile), Path.Combine(spec.Directory, "embedding"));
        return result;
    }

    private static string Summary(TrainingResult r, string dir) =>
        string.Join("\n", r.Targets.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"test {t}: MAE {r.Test[t].Mae:0.0000}  RMSE {r.Test[t].Rmse:0.0000}  R² {r.Test[t].R2:0.000}  (n = {r.Test[t].Count})")))
        + $"\nbest epoch {r.BestEpoch} of {r.EpochsRun}, {r.Seconds:0} s; run directory {dir}, ct-UAE in {Path.Combine(dir, "embedding")}";

    private static bool ParseNorm(string v) => v.Trim().ToLowerInvariant() switch
    {
        "pre" => true, "post" => false, _ => throw new InputError($"--norm must be pre or post, not '{v}'"),
    };

    public static T ParseEnum<T>(string value, string option) where T : struct, Enum =>
        Enum.TryParse<T>(value.Replace("-", "").Replace("_", ""), ignoreCase: true, out var v) && Enum.IsDefined(v) ? v
            : throw new InputError($"{option}: '{value}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}

/// <summary>Everything that defines a pretraining run; stored in config.json so --resume rebuilds the same run.</summary>
public sealed record PretrainSpec(string Data, string[] Targets, int SplitSeed, int? TrainSize, string Recipe,
    TransformerConfig Model, TrainingOptions Training, string Directory)
{
    public static PretrainSpec LoadFrom(string dir)
    {
        string path = Path.Combine(dir, Trainer.ConfigFile);
        if (!File.Exists(path)) throw new InputError($"no {Trainer.ConfigFile}: not a run directory", dir);
        var node = JsonNode.Parse(File.ReadAllText(path))?["pretrain"] ?? throw new InputError("config.json has no pretrain section", path);
        var spec = node.Deserialize<PretrainSpec>(TrainingOptions.Json) ?? throw new InputError("config.json: empty pretrain section", path);
        return spec with { Directory = dir };
    }
}

/// <summary>Resolves --data for pretraining: built-in names or user files.</summary>
public static class PretrainData
{
    public static string PathOf(string data) => data.Trim().ToLowerInvariant() switch
    {
        "perov5" => BuiltInData.PathOf("perov5", "perov5.csv.gz"),
        "nomad2018" or "nomad" => BuiltInData.PathOf("nomad2018", "train.extxyz.gz"),
        "mp-compositions" or "mp_compositions" => BuiltInData.PathOf("mp_compositions", "mp_formation_bandgap.csv.gz"),
        _ => data,
    };

    /// <summary>True for a CSV whose header has a composition (or formula) column and no cif column.</summary>
    public static bool IsComposition(string data)
    {
        string path = PathOf(data);
        if (!File.Exists(path) || !(path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)))
            return false;
        using var raw = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new System.IO.Compression.GZipStream(raw, System.IO.Compression.CompressionMode.Decompress) : raw;
        using var reader = new StreamReader(s);
        var header = (reader.ReadLine() ?? "").ToLowerInvariant().Split(',').Select(h => h.Trim('"', ' ')).ToArray();
        return (header.Contains("composition") || header.Contains("formula")) && !header.Contains("cif");
    }

    public static LabelledData Load(string data, IReadOnlyList<string> targets, int splitSeed, int? trainSize)
    {
        string path = PathOf(data);
        if (!File.Exists(path) && !Directory.Exists(path)) throw new InputError($"no data set or file '{data}' (built-in: perov5, nomad2018, mp-compositions)");
        var labelled = IsComposition(data)
            ? CompositionData.Read(path, targets, splitSeed)
            : StructureData(path, targets, splitSeed);
        return trainSize is int n ? labelled.WithTrainSubset(n, splitSeed) : labelled;
    }

    private static LabelledData StructureData(string path, IReadOnlyList<string> targets, int splitSeed)
    {
        var structures = StructureIO.Read(path);
        IEnumerable<string> files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [path];
        return LabelledData.FromStructures(structures, targets, path, RunEnvironment.HashFiles(files), splitSeed);
    }
}
