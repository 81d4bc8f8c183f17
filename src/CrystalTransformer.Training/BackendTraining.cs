using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>
/// Everything that defines one training run of a back-end (or of the front-end) on a data set. Unset optional values
/// take the model's defaults (<see cref="BackendTraining.DefaultOptions"/>). Stored in the run's config.json under
/// "train", so <c>--resume</c> rebuilds the same run.
/// </summary>
public sealed record TrainRequest
{
    /// <summary>cgcnn, megnet, alignn or transformer.</summary>
    public required string Model { get; init; }
    /// <summary>perov5, nomad2018, or a path (see <see cref="DataSets"/>).</summary>
    public required string Data { get; init; }
    public required string[] Targets { get; init; }
    /// <summary>Element table: a built-in name, onehot, random:DIM, a file or a ct embed folder; null = the model's default.</summary>
    public string? Embedding { get; init; }
    public ElementTableTraining EmbeddingMode { get; init; } = ElementTableTraining.Frozen;
    /// <summary>
    /// Learning rate of the table in fine-tune mode (default 1e-5, the paper's "CT", which barely changes entries of RMS
    /// 0.14–0.20 as the shipped ct-UAEs have; higher rates such as 1e-3 move the table, e.g. with <see cref="EmbeddingL2Sp"/>).
    /// </summary>
    public double? EmbeddingLearningRate { get; init; }
    /// <summary>
    /// L2-SP strength α in fine-tune mode (null or 0 = off): the loss gains α / width · Σ_rows Σ_columns (T − T0)² over
    /// the rows the table covers, T0 being the loaded values (see <see cref="ElementTableConfig.L2Sp"/>).
    /// </summary>
    public double? EmbeddingL2Sp { get; init; }
    /// <summary>
    /// Standardise the table's columns before use: true always, false never, null (the default) when the table is on raw
    /// physical scales (<see cref="BackendTraining.IsRawScale"/>: magpie, oliynyk, xenonpy). Runs recorded before the
    /// default existed hold false, and resume as they ran.
    /// </summary>
    public bool? StandardizeEmbedding { get; init; }
    /// <summary>Elements the data need but the table lacks: error (default), zero vector or mean vector.</summary>
    public MissingElementPolicy MissingElements { get; init; } = MissingElementPolicy.Error;
    /// <summary>Keep the majority species of disordered sites (default: reject disordered input).</summary>
    public bool MajoritySpecies { get; init; }
    public int? TrainSize { get; init; }
    /// <summary>Seed of the random split of user data without a split column, and of the --train-size subset.</summary>
    public int SplitSeed { get; init; } = 42;
    /// <summary>Seed of initialisation, batch order and dropout.</summary>
    public int Seed { get; init; } = 42;
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public OptimizerKind? Optimizer { get; init; }
    public ScheduleKind? Schedule { get; init; }
    /// <summary>MultiStepLR epochs at which the rate is multiplied by 0.1 (CGCNN's default: [100]).</summary>
    public int[]? Milestones { get; init; }
    public double? WeightDecay { get; init; }
    public double? GradientClip { get; init; }
    public LossKind? Loss { get; init; }
    public double MaxMinutes { get; init; }
    /// <summary>Activation memory a training step may use (GiB, model's estimate) before a batch is trained in parts; null = the loop's default.</summary>
    public double? BatchMemoryGb { get; init; }
    /// <summary>Architecture settings on top of the model's defaults, by their snake_case names (e.g. {"convolutions": 4}).</summary>
    public JsonObject? Architecture { get; init; }
    /// <summary>
    /// Transformer only: fine-tune a pretrained front-end. A model file (.ct), a run directory (its best.ct) or a shipped
    /// model's name (<see cref="Prediction.ResolveModel"/>); the architecture and every weight below the output heads come
    /// from it, the heads start fresh (seeded) for the request's targets.
    /// </summary>
    public string? InitFrom { get; init; }
    /// <summary>sha256 of the <see cref="InitFrom"/> model file, recorded when the run starts and checked when it resumes.</summary>
    public string? InitFromSha256 { get; init; }
    /// <summary>With <see cref="InitFrom"/>: learning rate of the pretrained layers (null = <see cref="LearningRate"/>); the new heads train at <see cref="LearningRate"/>.</summary>
    public double? EncoderLearningRate { get; init; }
    /// <summary>Folder of on-disk graph caches (graphs streamed from disk, bounded memory); null keeps graphs in memory.</summary>
    public string? GraphCache { get; init; }
    /// <summary>The run directory.</summary>
    public required string Output { get; init; }
}

/// <summary>
/// The reusable part of <c>ct train</c>: resolves the data set, split and subset, resolves and checks the element table,
/// builds the model, and trains it with the shared loop (<see cref="Trainer.Train"/>). <c>ct reproduce</c> calls
/// <see cref="Run"/> for every cell of its grid.
/// </summary>
public static class BackendTraining
{
    /// <summary>The config.json section holding the request.</summary>
    public const string ConfigSection = "train";

    /// <summary>Element table of the model kind when none is given (<see cref="ModelKind.DefaultTable"/>).</summary>
    public static string DefaultEmbedding(string kind) => ModelKinds.Get(kind).DefaultTable;

    /// <summary>
    /// Training settings of the model kind's reference code (<see cref="ModelKind.DefaultOptions"/>). The best epoch is
    /// chosen by validation MAE (for several targets, the mean of MAE / std).
    /// </summary>
    public static TrainingOptions DefaultOptions(string kind, int targetCount) => ModelKinds.Get(kind).DefaultOptions(targetCount);

    /// <summary>Canonical model kind ("cgcnn", ...), or an error listing the known ones.</summary>
    public static string Kind(string model) => ModelKinds.Get(model).Name;

    /// <summary>The request's settings on top of the model's defaults.</summary>
    public static TrainingOptions Options(TrainRequest r)
    {
        var d = DefaultOptions(r.Model, r.Targets.Length);
        int epochs = r.Epochs ?? d.Epochs;
        return d with
        {
            Epochs = epochs,
            BatchSize = r.BatchSize ?? d.BatchSize,
            LearningRate = r.LearningRate ?? d.LearningRate,
            Optimizer = r.Optimizer ?? d.Optimizer,
            Schedule = r.Schedule ?? d.Schedule,
            Milestones = r.Milestones ?? d.Milestones,
            WeightDecay = r.WeightDecay ?? d.WeightDecay,
            GradientClip = r.GradientClip ?? d.GradientClip,
            Loss = r.Loss ?? d.Loss,
            WarmupEpochs = d.WarmupFor(epochs),
            ElementTable = ModelKinds.Get(r.Model).LearnsOwnTable ? ElementTableTraining.Scratch : r.EmbeddingMode,
            ElementTableLearningRate = r.EmbeddingLearningRate ?? 1e-5,
            // Pretrained layers get a group of their own (also at the main rate), so every --init-from run has the same groups.
            EncoderLearningRate = r.InitFrom is null ? null : r.EncoderLearningRate ?? r.LearningRate ?? d.LearningRate,
            Seed = r.Seed,
            MaxMinutes = r.MaxMinutes,
            BatchMemoryGb = r.BatchMemoryGb ?? d.BatchMemoryGb,
        };
    }

    /// <summary>Loads the request's data (split, subset, disorder option).</summary>
    public static LabelledData LoadData(TrainRequest r) =>
        DataSets.Load(r.Data, r.Targets, r.SplitSeed, r.TrainSize);

    /// <summary>
    /// Builds the model for the request (torch is seeded with the request's seed first, so the initial weights repeat),
    /// with its element table resolved against every structure of <paramref name="data"/>: an element the table lacks is
    /// one error naming all such elements and the structures that need them, unless a fallback was chosen.
    /// </summary>
    public static TrainableModel CreateModel(TrainRequest r, LabelledData data, Action<string>? message = null)
    {
        CheckOptions(r);
        var kind = ModelKinds.Get(r.Model);
        if (r.InitFrom is { } source) return FromPretrained(r, source);
        manual_seed(r.Seed);
        var disorder = r.MajoritySpecies ? DisorderPolicy.Majority : DisorderPolicy.Reject;
        if (kind.LearnsOwnTable)
            return kind.Create(new ModelBuild(r.Targets.Length, r.Architecture, new ElementTableConfig(), null, disorder));
        var table = ElementTableIO.Load(r.Embedding ?? kind.DefaultTable, r.Seed);
        if (r.EmbeddingMode != ElementTableTraining.Scratch)
        {
            var (standardize, why) = WillStandardize(table, r.StandardizeEmbedding);
            if (standardize)
            {
                if (r.StandardizeEmbedding is null) message?.Invoke(why);
                table = table.Standardized();
            }
        }
        ResolvedElementTable resolved;
        if (r.EmbeddingMode == ElementTableTraining.Scratch)
            resolved = new ResolvedElementTable(table, [], r.MissingElements); // only the width is used
        else
        {
            var needs = data.Entries.Select(entry => (entry.Id, Elements(entry, disorder)));
            resolved = table.Resolve(needs, r.MissingElements);
            if (resolved.Summary.Length > 0) message?.Invoke(resolved.Summary);
        }
        // Recorded in the model file: a built-in table as <ct>/data/..., never this machine's folder.
        var tableConfig = ElementTableConfig.From(resolved, r.EmbeddingMode, r.EmbeddingL2Sp);
        tableConfig = tableConfig with { Source = BuiltInData.Portable(tableConfig.Source) };
        return kind.Create(new ModelBuild(r.Targets.Length, r.Architecture, tableConfig, resolved.Table, disorder));
    }

    /// <summary>Settings of a pretrained front-end that hold no weights and so may change for the new training.</summary>
    public static readonly IReadOnlyList<string> TransferableSettings = ["dropout", "augmentation"];

    /// <summary>
    /// The front-end of the <see cref="TrainRequest.InitFrom"/> model with fresh heads for the request's targets: its
    /// architecture (composition mode included), every weight below the heads copied, the heads initialised from the
    /// request's seed.
    /// </summary>
    private static CrystalTransformerModel FromPretrained(TrainRequest r, string spec)
    {
        string path = Prediction.ResolveModel(spec);
        CheckPinned(r, path);
        var (loaded, info) = ModelFile.Load(path);
        using (loaded)
        {
            if (loaded is not CrystalTransformerModel pretrained)
                throw new InputError($"--init-from needs a transformer model; this file holds a {info.Kind} model", path);
            var json = pretrained.Settings.ToJson();
            foreach (var (name, value) in r.Architecture ?? []) json[name] = value?.DeepClone();
            manual_seed(r.Seed); // after loading, which drew its own initial weights
            var model = new CrystalTransformerModel(TransformerConfig.FromJson(json), r.Targets.Length);
            model.InitializeEncoderFrom(pretrained);
            return model;
        }
    }

    /// <summary>The request with the sha256 of its <see cref="TrainRequest.InitFrom"/> model recorded (checked against an earlier record).</summary>
    public static TrainRequest WithInitFromPinned(TrainRequest r)
    {
        if (r.InitFrom is not { } spec) return r;
        string path = Prediction.ResolveModel(spec);
        return r with { InitFromSha256 = CheckPinned(r, path) };
    }

    private static string CheckPinned(TrainRequest r, string path)
    {
        string sha = RunEnvironment.HashFiles([path]);
        if (r.InitFromSha256 is { } recorded && !recorded.Equals(sha, StringComparison.OrdinalIgnoreCase))
            throw new InputError($"the --init-from model changed since the run started (sha256 {sha}, config.json records {recorded})", path);
        return sha;
    }

    private static IEnumerable<Element> Elements(DataEntry entry, DisorderPolicy disorder) =>
        entry.Structure is { } s ? s.AtomicNumbers(disorder).Distinct().Select(PeriodicTable.Get) : entry.Composition.Elements;

    /// <summary>
    /// Refuses the option combinations a request cannot use (usage errors), before any data or model file is read.
    /// </summary>
    public static void CheckOptions(TrainRequest r)
    {
        var kind = ModelKinds.Get(r.Model);
        if (r.EmbeddingL2Sp is double alpha && (alpha < 0 || !double.IsFinite(alpha)))
            throw new UsageError($"--embedding-l2sp must be a finite number ≥ 0, got {alpha.ToString(CultureInfo.InvariantCulture)}");
        if (r.EmbeddingL2Sp > 0 && (kind.LearnsOwnTable || r.EmbeddingMode != ElementTableTraining.FineTune))
            throw new UsageError($"--embedding-l2sp pulls a fine-tuned table towards its loaded values: it needs --embedding-mode finetune ({string.Join(", ", ModelKinds.BackEnds.Select(k => k.Name))})");
        if (r.EncoderLearningRate is not null && r.InitFrom is null)
            throw new UsageError("--encoder-lr sets the rate of the layers loaded with --init-from; without --init-from every layer trains at --lr");
        LabelledData.CheckTrainSize(r.TrainSize);
        if (r.InitFrom is not null)
        {
            if (kind.Name != CrystalTransformerModel.KindName)
                throw new UsageError($"--init-from fine-tunes a pretrained transformer front-end: it needs --model transformer, not {kind.Name}");
            if (r.Embedding is { } e)
                throw new UsageError($"--embedding '{e}' cannot be used with --init-from: the element table is part of the pretrained model");
            if (r.EmbeddingMode != ElementTableTraining.Frozen || r.EmbeddingLearningRate is not null || r.StandardizeEmbedding is not null)
                throw new UsageError("with --init-from the element table is one of the pretrained layers: it trains at --encoder-lr " +
                    "(--embedding-mode, --embedding-lr and --[no-]standardize-embedding do not apply)");
            if (r.Architecture?.Select(setting => setting.Key).FirstOrDefault(name => !TransferableSettings.Contains(name)) is { } fixedSetting)
                throw new UsageError($"--set {fixedSetting}: with --init-from the architecture is the pretrained model's; only {string.Join(" and ", TransferableSettings)} may change");
        }
        else if (kind.LearnsOwnTable && r.Embedding is { } e && !e.Trim().Equals(kind.DefaultTable, StringComparison.OrdinalIgnoreCase))
            throw new UsageError($"the {kind.Name} learns its own element table from one-hot vectors; --embedding '{e}' applies to {string.Join(", ", ModelKinds.BackEnds.Select(k => k.Name))}");
    }

    /// <summary>Runs (or, with <paramref name="resume"/>, continues) the request and returns the final metrics.</summary>
    public static TrainingResult Run(TrainRequest request, ITrainingObserver observer, string device = "auto", int threads = 0, bool resume = false)
    {
        CheckOptions(request);
        if (threads > 0) set_num_threads(threads);
        request = WithInitFromPinned(request);
        var options = Options(request);
        options.Validate();
        var data = LoadData(request);
        foreach (var line in data.MissingLabels()) observer.Message(line);
        using var model = CreateModel(request, data, observer.Message);
        if (model is GraphModel graphModel)
            graphModel.Featurization = new GraphFeaturization
            {
                Threads = threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount),
                CacheDirectory = request.GraphCache,
                Message = observer.Message,
            };
        var settings = new RunSettings
        {
            Directory = request.Output, Device = device, Threads = threads, Resume = resume,
            Description = new JsonObject { [ConfigSection] = JsonSerializer.SerializeToNode(request, Json) },
        };
        double tableScale = RawTableScale(model);
        try
        {
            return Trainer.Train(model, data, options, settings, observer);
        }
        catch (TrainingDivergedError diverged) when (tableScale > RawScaleThreshold)
        {
            string name = ((GraphModel)model).TableConfig.Name, spec = request.Embedding ?? DefaultEmbedding(request.Model);
            throw diverged.WithAdvice(string.Create(CultureInfo.InvariantCulture,
                $"the table '{name}' has raw-scale columns (max |value| = {tableScale:G6}) and was not standardised: use std:{spec}, or leave out --no-standardize-embedding"));
        }
    }

    /// <summary>Largest |value| of a table's trained rows (0 for a table without any).</summary>
    public static double TableScale(ElementTable table)
    {
        double max = 0;
        foreach (var e in table.Trained)
            foreach (double v in table[e]) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>
    /// True for a table on raw physical scales: not standardised, and some trained value beyond <see cref="RawScaleThreshold"/>
    /// (magpie, oliynyk and xenonpy reach thousands; every other built-in table stays within 7.5).
    /// </summary>
    public static bool IsRawScale(ElementTable table) => table.Scaling is null && TableScale(table) > RawScaleThreshold;

    /// <summary>
    /// Whether a request's table is standardised before use (see <see cref="TrainRequest.StandardizeEmbedding"/>) and, for
    /// the automatic choice, the one line that says so. <c>ct train</c> and <c>ct reproduce</c> follow this one rule.
    /// </summary>
    public static (bool Standardize, string Reason) WillStandardize(ElementTable table, bool? requested)
    {
        if (requested is bool chosen) return (chosen, chosen ? "--standardize-embedding" : "--no-standardize-embedding");
        if (!IsRawScale(table)) return (false, "");
        return (true, string.Create(CultureInfo.InvariantCulture,
            $"the table '{table.Name}' has raw-scale columns (max |value| = {TableScale(table):G6}): standardised (mean 0, std 1 over its elements; --no-standardize-embedding keeps it as it is)"));
    }

    /// <summary>
    /// Largest |value| in the rows of a graph network's table above which a diverging run is blamed on the table: tables
    /// of raw physical quantities (magpie, oliynyk, xenonpy: melting points in K, ...) reach thousands, learned and
    /// standardised tables stay near 1 (a standardised column reaches at most √(elements − 1) ≈ 10).
    /// </summary>
    public const double RawScaleThreshold = 100;

    /// <summary>Largest |value| of the rows a graph network's table uses, or 0 when the table is standardised or learned from scratch.</summary>
    public static double RawTableScale(TrainableModel model)
    {
        if (model is not GraphModel graph || graph.TableConfig.Standardized || graph.TableConfig.Training == ElementTableTraining.Scratch) return 0;
        var values = graph.Elements.Values();
        int width = graph.TableConfig.Dimension;
        double max = 0;
        foreach (int z in graph.TableConfig.Elements)
            for (int c = 0; c < width; c++) max = Math.Max(max, Math.Abs(values[(z - 1) * width + c]));
        return max;
    }

    /// <summary>The request stored in a run directory's config.json (for --resume).</summary>
    public static TrainRequest LoadRequest(string runDirectory)
    {
        string path = Trainer.ConfigToResume(runDirectory);
        var node = JsonNode.Parse(File.ReadAllText(path))?[ConfigSection]
            ?? throw new InputError($"{Trainer.ConfigFile} has no '{ConfigSection}' section (not a ct train run)", path);
        var request = node.Deserialize<TrainRequest>(Json) ?? throw new InputError("empty train section", path);
        return request with { Output = runDirectory };
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One line per target: test MAE, RMSE, R² and n.</summary>
    public static string Summary(TrainingResult r) =>
        string.Join("\n", r.Targets.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"test {t}: MAE {r.Test[t].Mae:0.0000}  RMSE {r.Test[t].Rmse:0.0000}  R² {r.Test[t].R2:0.000}  (n = {r.Test[t].Count})")))
        + string.Create(CultureInfo.InvariantCulture, $"\nbest epoch {r.BestEpoch} of {r.EpochsRun}, {r.Seconds:0} s");
}
