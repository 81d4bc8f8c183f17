using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>Where and how a run executes (not part of the model's recipe).</summary>
public sealed record RunSettings
{
    public required string Directory { get; init; }
    /// <summary>"auto", "cpu" or "cuda".</summary>
    public string Device { get; init; } = "auto";
    /// <summary>torch intra-op threads; 0 keeps libtorch's default.</summary>
    public int Threads { get; init; }
    /// <summary>Continue from Directory/last.ct.</summary>
    public bool Resume { get; init; }
    /// <summary>Extra sections for config.json (how to reload the data, the recipe name, ...).</summary>
    public JsonObject? Description { get; init; }
}

/// <summary>Final numbers of a run (also written to metrics.json).</summary>
public sealed record TrainingResult(
    int BestEpoch, int EpochsRun, bool StoppedByTimeLimit, double Seconds, string[] Targets,
    Dictionary<string, TargetMetrics> Train, Dictionary<string, TargetMetrics> Validation, Dictionary<string, TargetMetrics> Test,
    string ModelPath)
{
    /// <summary>True when the run ended because validation had not improved for <see cref="TrainingOptions.Patience"/> epochs.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>
    /// The epoch at which training diverged (a non-finite loss or validation MAE), when it did: the metrics are then those
    /// of the last good best epoch, and the run did not finish. Absent from metrics.json otherwise.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? DivergedAtEpoch { get; init; }

    /// <summary>What stopped being finite, with <see cref="DivergedAtEpoch"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Diverged { get; init; }
}

/// <summary>
/// The training loss became NaN or infinite at <see cref="Epoch"/>. The run stops there; best.ct and last.ct keep the
/// last good epoch (log.csv records the diverged one). <see cref="WithAdvice"/> lets the caller name a likely cause.
/// </summary>
public sealed class TrainingDivergedError(int epoch, string advice = TrainingDivergedError.GeneralAdvice, string what = TrainingDivergedError.LossNotFinite)
    : InputError($"training diverged at epoch {epoch} ({what}); {advice}")
{
    public const string GeneralAdvice = "try a lower learning rate or gradient clipping";
    public const string LossNotFinite = "loss is not finite";

    public int Epoch { get; } = epoch;

    /// <summary>What stopped being finite ("loss is not finite", "validation MAE of 'x' is not finite").</summary>
    public string What { get; } = what;

    public TrainingDivergedError WithAdvice(string advice) => new(Epoch, advice, What);
}

/// <summary>
/// The one training loop for every model kind. Files in the run directory: config.json, environment.json, log.csv,
/// best.ct (model file of the best validation epoch), last.ct (checkpoint for --resume), metrics.json,
/// test_predictions.csv, CITATION.md (the works to cite, <see cref="Citations"/>).
/// <para>Determinism: the model is initialised by the caller after torch.manual_seed(seed); every epoch re-seeds torch
/// and the shuffling/augmentation generator from (seed, epoch), and learning rates are a pure function of the position
/// in training, so a run resumed from last.ct repeats an uninterrupted run bit for bit at the same thread count.</para>
/// </summary>
public static class Trainer
{
    public const string BestFile = "best.ct", LastFile = "last.ct", LogFile = "log.csv", MetricsFile = "metrics.json",
        ConfigFile = "config.json", EnvironmentFile = "environment.json", PredictionsFile = "test_predictions.csv";

    /// <summary>The config.json of a run to continue (--resume); a clear error when there is none.</summary>
    public static string ConfigToResume(string runDirectory)
    {
        string path = Path.Combine(runDirectory, ConfigFile);
        if (!File.Exists(path))
            throw new InputError($"no {ConfigFile}: not a run directory (a run stopped before it wrote its settings has nothing to continue: start it again with its original command)", runDirectory);
        return path;
    }

    private const string OptimizerEntry = "optimizer.bin", StateEntry = "state.json";

    /// <summary>
    /// What a checkpoint holds besides weights and optimizer state. <see cref="Log"/> is log.csv's rows up to
    /// <see cref="NextEpoch"/>, so a run killed between writing the checkpoint and the log loses no row (null in
    /// checkpoints written before it existed: the file is then truncated instead).
    /// </summary>
    private sealed record LoopState(int NextEpoch, double BestScore, int BestEpoch, double Seconds, string OptionsHash, string[]? Log = null);

    public static TrainingResult Train(TrainableModel model, LabelledData data, TrainingOptions options, RunSettings run, ITrainingObserver observer)
    {
        options.Validate();
        if (model.TargetCount != data.Targets.Count)
            throw new ArgumentException($"model has {model.TargetCount} outputs but the data have {data.Targets.Count} targets");
        if (run.Threads > 0) set_num_threads(run.Threads);
        var device = DeviceChoice.Resolve(run.Device, observer.Message);
        var scaler = TargetScaler.Fit(data);
        string dir = run.Directory;
        System.IO.Directory.CreateDirectory(dir);
        // The time budget may change between sessions of one run; everything else must not.
        string optionsHash = HashOf(JsonSerializer.Serialize(options with { MaxMinutes = 0 }, TrainingOptions.Json) + model.Config.ToJsonString());

        var samples = model.FeaturizeAll(data.Entries);
        int[] trainIdx = data.IndicesOf(Split.Train), valIdx = data.IndicesOf(Split.Validation);
        var info = DescribeModel(model, data, options, scaler, trainIdx);

        model.to(device);
        var (optimizer, baseRates) = CreateOptimizer(model, options);
        using var validation = new EvaluationSet(model, samples, valIdx, device, EvaluationBatchSize(options));
        // Temporary files of atomic writes that a killed session left behind.
        AtomicFile.CleanStaleIn(dir);
        var (state, log) = StartOrResume(model, data, options, run, observer, device, scaler, optimizer, optionsHash);
        log.Write();

        // Standardised targets of every entry live on the device once; batches index into them.
        using var allTargets = tensor(data.Labels.SelectMany((row, i) => row.Select((v, t) => double.IsNaN(v) ? float.NaN : scaler.Standardize(v, t))).ToArray(),
            [data.Entries.Count, data.Targets.Count], device: device);
        var epochTraining = new EpochTraining(model, optimizer, baseRates, model.parameters().Where(p => p.requires_grad).ToArray(), samples,
            samples.Select(sample => sample.Size).ToArray(), trainIdx, allTargets, options, device, observer);
        observer.Start(state.NextEpoch, options.Epochs, epochTraining.BatchesPerEpoch);
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.Seconds; // training time of earlier sessions of this run
        bool timeLimited = false;
        int epoch = state.NextEpoch;
        // A run killed after the checkpoint of the epoch that ended it early is finished, as it would have been.
        bool stoppedEarly = PatienceRunOut(options, state, epoch);
        for (; !stoppedEarly && epoch < options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var (trainLoss, lr) = epochTraining.Run(epoch);
            // A non-finite loss ruins the weights; a labelled validation set whose MAE is not finite means the network's
            // outputs overflowed although the loss did not. Either way the epoch is logged, and best.ct and last.ct of
            // the last good one are kept.
            var valMetrics = double.IsFinite(trainLoss) ? Metrics(validation.Predict(scaler), valIdx, data) : null;
            if (DivergenceOf(trainLoss, valMetrics, data) is { } what)
            {
                log.Add(new EpochRecord(epoch + 1, options.Epochs, lr, trainLoss,
                    valMetrics?.Select(m => m.Mae).ToArray() ?? data.Targets.Select(_ => double.NaN).ToArray(), double.NaN, false, epochClock.Elapsed.TotalSeconds));
                log.Write();
                optimizer.Dispose();
                throw Diverged(dir, data, samples, scaler, device, options, state, epoch + 1, what);
            }

            double score = Score(valMetrics!, scaler, options.Selection);
            // The first epoch is always kept (so best.ct exists even when validation gives no number).
            bool best = state.BestEpoch == 0 || score < state.BestScore || (double.IsNaN(state.BestScore) && !double.IsNaN(score));
            double elapsed = secondsBefore + clock.Elapsed.TotalSeconds;
            if (best) ModelFile.Save(Path.Combine(dir, BestFile), model, info with { Epoch = epoch + 1 });
            var record = new EpochRecord(epoch + 1, options.Epochs, lr, trainLoss, valMetrics!.Select(m => m.Mae).ToArray(), score, best,
                epochClock.Elapsed.TotalSeconds);
            log.Add(record);
            state = new LoopState(epoch + 1, best ? score : state.BestScore, best ? epoch + 1 : state.BestEpoch, elapsed, optionsHash, log.Rows.ToArray());
            SaveCheckpoint(Path.Combine(dir, LastFile), model, info with { Epoch = epoch + 1 }, optimizer, state);
            if (FaultInjection.Enabled) FaultInjection.At("checkpoint-saved");
            log.Write();
            observer.EpochDone(record);
            if (FaultInjection.Enabled) FaultInjection.At("epoch-written");
            if (PatienceRunOut(options, state, epoch + 1))
            {
                stoppedEarly = true;
                observer.Message($"validation has not improved for {options.Patience} epochs: stopping after epoch {epoch + 1} (best {state.BestEpoch})");
                epoch++;
                break;
            }
            if (options.MaxMinutes > 0 && elapsed >= options.MaxMinutes * 60 && epoch + 1 < options.Epochs)
            {
                timeLimited = true;
                observer.Message($"time limit of {options.MaxMinutes} min reached after epoch {epoch + 1}");
                epoch++;
                break;
            }
        }
        optimizer.Dispose();
        return Finish(dir, data, samples, scaler, device, options, state, timeLimited, stoppedEarly, epoch, model);
    }

    /// <summary>What the model file records about the run besides its weights.</summary>
    private static ModelInfo DescribeModel(TrainableModel model, LabelledData data, TrainingOptions options, TargetScaler scaler, int[] trainIdx) => new()
    {
        Kind = model.Kind, Config = model.Config, Targets = data.Targets.ToArray(), TargetMean = scaler.Mean, TargetStd = scaler.Std,
        TrainedElements = trainIdx.SelectMany(i => model.ElementsUsedBy(data.Entries[i])).Distinct().Order().ToArray(),
        DataHash = data.DataHash, DataSource = PortableSources(data.Source), Seed = options.Seed,
    };

    /// <summary>
    /// A new run writes its description; a resumed one loads its checkpoint (weights, optimizer, loop state) and the log
    /// rows up to it. A run stopped before its first checkpoint starts again from its first epoch.
    /// </summary>
    private static (LoopState State, EpochLog Log) StartOrResume(TrainableModel model, LabelledData data, TrainingOptions options, RunSettings run,
        ITrainingObserver observer, Device device, TargetScaler scaler, OptimizerHelper optimizer, string optionsHash)
    {
        string dir = run.Directory, lastPath = Path.Combine(dir, LastFile), logPath = Path.Combine(dir, LogFile);
        var log = new EpochLog(logPath, LogHeader(data.Targets));
        bool resume = run.Resume;
        if (resume && !File.Exists(lastPath) && File.Exists(Path.Combine(dir, ConfigFile)))
        {
            // Stopped before its first checkpoint: the run starts again from its first epoch (as it began).
            observer.Message($"{dir} has no checkpoint yet: starting from the first epoch");
            resume = false;
        }
        if (!resume)
        {
            WriteRunDescription(dir, model, data, options, run, device, scaler);
            return (new LoopState(0, double.PositiveInfinity, 0, 0, optionsHash), log);
        }
        var state = LoadCheckpoint(lastPath, model, optimizer, optionsHash);
        observer.Message(state.NextEpoch < options.Epochs
            ? $"resuming {dir} at epoch {state.NextEpoch + 1} of {options.Epochs}"
            : $"all {options.Epochs} epochs of {dir} were trained: evaluating the best epoch ({state.BestEpoch})");
        log.Rows.AddRange((IEnumerable<string>?)state.Log ?? LoggedRows(logPath, state.NextEpoch));
        return (state, log);
    }

    /// <summary>Why an epoch diverged (a non-finite training loss or validation MAE), or null when it did not.</summary>
    private static string? DivergenceOf(double trainLoss, TargetMetrics[]? valMetrics, LabelledData data)
    {
        if (!double.IsFinite(trainLoss)) return TrainingDivergedError.LossNotFinite;
        int broken = Array.FindIndex(valMetrics!, m => m.Count > 0 && !double.IsFinite(m.Mae));
        return broken >= 0 ? $"validation MAE of '{data.Targets[broken]}' is not finite" : null;
    }

    /// <summary>Early stopping: validation has not improved for <see cref="TrainingOptions.Patience"/> epochs before the last.</summary>
    private static bool PatienceRunOut(TrainingOptions options, LoopState state, int epochsDone) =>
        options.Patience > 0 && state.BestEpoch > 0 && epochsDone - state.BestEpoch >= options.Patience && epochsDone < options.Epochs;

    /// <summary>
    /// The training steps of one epoch: torch and the shuffling/augmentation generator re-seeded from (seed, epoch),
    /// batches planned, and each step taken at the learning rate the schedule gives its position.
    /// </summary>
    private sealed class EpochTraining(TrainableModel model, OptimizerHelper optimizer, double[] baseRates, Parameter[] trainable,
        IReadOnlyList<ISample> samples, int[] sizes, int[] trainIdx, Tensor allTargets, TrainingOptions options, Device device, ITrainingObserver observer)
    {
        public int BatchesPerEpoch => (trainIdx.Length + options.BatchSize - 1) / options.BatchSize;

        /// <summary>Trains one epoch; returns its mean training loss and the learning rate of its last step.</summary>
        public (double TrainLoss, double LearningRate) Run(int epoch)
        {
            long epochSeed = unchecked(options.Seed * 1_000_003L + epoch);
            manual_seed(epochSeed);
            var rng = new Random(unchecked((int)(epochSeed ^ (epochSeed >> 32))));
            var batches = Batching.Plan(trainIdx, sizes, options.BatchSize, rng, options.BucketBySize);
            model.train();
            using var lossSum = zeros(1, dtype: float64, device: device);
            double lr = 0;
            for (int b = 0; b < batches.Count; b++)
            {
                using var pause = FinalizerPause.Enter(); // see FinalizerPause: TorchSharp's scalars must outlive the step
                using var scope = NewDisposeScope();
                // The rate of a step is the schedule at the position reached after it (so warm-up never takes a step at 0).
                double factor = LearningRateSchedule.Factor(options, epoch, (b + 1.0) / batches.Count);
                int g = 0;
                foreach (var group in optimizer.ParamGroups) group.LearningRate = baseRates[g++] * factor;
                lr = options.LearningRate * factor;
                var loss = Step(model, optimizer, trainable, samples, batches[b], allTargets, options, device, rng);
                lossSum.add_(loss.detach().to(float64));
                observer.BatchDone();
            }
            return (lossSum.item<double>() / Math.Max(1, batches.Count), lr); // the epoch's one synchronisation
        }
    }

    /// <summary>
    /// log.csv: rewritten whole (atomically) after every checkpoint, so it is never half-written and its rows are the
    /// checkpoint's.
    /// </summary>
    private sealed class EpochLog(string path, string header)
    {
        public List<string> Rows { get; } = [];

        public void Add(EpochRecord record) => Rows.Add(LogLine(record));

        public void Write() => AtomicFile.WriteAllText(path, string.Concat(Rows.Prepend(header).Select(l => l + "\n")));
    }

    /// <summary>Predictions in the targets' own units for <paramref name="indices"/> (eval mode, no augmentation).</summary>
    public static double[][] Predict(TrainableModel model, IReadOnlyList<ISample> samples, IReadOnlyList<int> indices, TargetScaler scaler,
        Device device, int batchSize)
    {
        model.eval();
        int targets = model.TargetCount;
        var result = new double[indices.Count][];
        if (indices.Count == 0) return result;
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        using (var outer = NewDisposeScope())
        {
            foreach (var part in EvaluationParts(model, samples, indices, batchSize))
            {
                using var pause = FinalizerPause.Enter();
                using var scope = NewDisposeScope();
                using var input = model.Collate(part.Select(i => samples[i]).ToArray(), device, null);
                parts.Add(model.forward(input).MoveToOuterDisposeScope());
            }
            Restore(parts, scaler, targets, result);
        }
        return result;
    }

    /// <summary>
    /// The batches of an evaluation, in order: <paramref name="batchSize"/> crystals each, split further where the memory
    /// budget requires (without gradients a step keeps far less than in training; the training estimate is a safe bound).
    /// </summary>
    internal static IEnumerable<int[]> EvaluationParts(TrainableModel model, IReadOnlyList<ISample> samples, IReadOnlyList<int> indices, int batchSize)
    {
        double budget = TrainingOptions.DefaultBatchMemoryGb * (1L << 30);
        for (int start = 0; start < indices.Count; start += batchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(batchSize, indices.Count - start)).Select(k => indices[k]).ToArray();
            foreach (var part in Batching.SplitByCost(batch, i => model.TrainingBytes(samples[i]), budget))
                yield return part;
        }
    }

    /// <summary>One transfer for the whole set: the batches' outputs in order, back in the targets' own units.</summary>
    internal static void Restore(List<Tensor> parts, TargetScaler scaler, int targets, double[][] result)
    {
        var all = cat(parts, 0).to(float64).cpu().data<double>().ToArray();
        for (int i = 0; i < result.Length; i++)
            result[i] = Enumerable.Range(0, targets).Select(t => scaler.Restore(all[i * targets + t], t)).ToArray();
    }

    /// <summary>
    /// One optimiser step on <paramref name="batch"/> (indices into <paramref name="samples"/> and the rows of the
    /// standardised <paramref name="allTargets"/>): gradients, clipping, update. Returns the batch's loss (on the device).
    /// The training loop and the throughput benchmarks both time this.
    /// </summary>
    public static Tensor Step(TrainableModel model, OptimizerHelper optimizer, IEnumerable<Parameter> trainable, IReadOnlyList<ISample> samples,
        int[] batch, Tensor allTargets, TrainingOptions options, Device device, Random? rng)
    {
        optimizer.zero_grad();
        var loss = ForwardBackward(model, samples, batch, allTargets, options, options.BatchMemoryGb * (1L << 30), device, rng);
        if (options.GradientClip > 0) nn.utils.clip_grad_norm_(trainable, options.GradientClip);
        optimizer.step();
        return loss;
    }

    /// <summary>
    /// Loss of one training batch with gradients accumulated in the parameters: the data loss plus the model's
    /// <see cref="TrainableModel.RegularizationLoss"/> (once per batch). A batch whose estimated activations
    /// exceed <paramref name="memoryBudget"/> bytes runs in parts; each part's loss is its share of the whole batch's
    /// loss (same denominators), so the summed gradient is the whole batch's, except that batch norm sees each part alone.
    /// </summary>
    private static Tensor ForwardBackward(TrainableModel model, IReadOnlyList<ISample> samples, int[] batch, Tensor allTargets,
        TrainingOptions options, double memoryBudget, Device device, Random? rng)
    {
        Tensor Targets(int[] rows) => allTargets.index_select(0, tensor(rows.Select(i => (long)i).ToArray(), device: device));
        var parts = Batching.SplitByCost(batch, i => model.TrainingBytes(samples[i]), memoryBudget);
        if (parts.Count == 1)
        {
            using var input = model.Collate(batch.Select(i => samples[i]).ToArray(), device, rng);
            var loss = Loss(model.forward(input), Targets(batch), options.Loss);
            if (model.RegularizationLoss() is { } penalty) loss = loss + penalty;
            loss.backward();
            return loss;
        }
        var counts = LabelledCounts(Targets(batch));
        var total = zeros(1, dtype: allTargets.dtype, device: device);
        foreach (var part in parts)
        {
            using var scope = NewDisposeScope();
            using var input = model.Collate(part.Select(i => samples[i]).ToArray(), device, rng);
            var loss = Loss(model.forward(input), Targets(part), options.Loss, counts);
            loss.backward();
            total.add_(loss.detach());
        }
        if (model.RegularizationLoss() is { } regularization)
        {
            regularization.backward();
            total.add_(regularization.detach());
        }
        return total;
    }

    /// <summary>Labelled rows per target ([targets], at least 1): the denominators of <see cref="Loss"/>.</summary>
    public static Tensor LabelledCounts(Tensor target) =>
        // dim: 0L, not 0: a literal 0 converts to the ScalarType enum and would pick sum(dtype: Byte).
        target.isnan().logical_not().to(float32).sum(0L).clamp_min(1);

    /// <summary>
    /// Sum over targets of the mean squared (or absolute) error of the labelled rows; NaN labels are masked out.
    /// <paramref name="counts"/> replaces the rows' own labelled counts (a part of a batch divides by the whole batch's).
    /// </summary>
    public static Tensor Loss(Tensor predicted, Tensor target, LossKind kind, Tensor? counts = null)
    {
        var labelled = target.isnan().logical_not().to(predicted.dtype);
        var error = (predicted - target.nan_to_num(0.0)) * labelled;
        var perElement = kind == LossKind.L1 ? error.abs() : error.square();
        counts ??= LabelledCounts(target).to(predicted.dtype);
        return (perElement.sum(0L) / counts).sum();
    }

    private static (double[][] Predictions, TargetMetrics[] Metrics) Evaluate(TrainableModel model, IReadOnlyList<ISample> samples, int[] indices,
        LabelledData data, TargetScaler scaler, Device device, int batchSize)
    {
        var predictions = Predict(model, samples, indices, scaler, device, batchSize);
        return (predictions, Metrics(predictions, indices, data));
    }

    private static TargetMetrics[] Metrics(double[][] predictions, int[] indices, LabelledData data) =>
        Enumerable.Range(0, data.Targets.Count).Select(t => TargetMetrics.Compute(
            indices.Select(i => data.Labels[i][t]).ToArray(), predictions.Select(p => p[t]).ToArray())).ToArray();

    /// <summary>
    /// Batch size for validation and test: at least 256. Without gradients a batch costs far less memory (and the loop's
    /// memory budget still splits large ones), and small training batches (32 for 100 crystals) would make evaluating
    /// the whole validation set every epoch cost more than the epoch's training.
    /// </summary>
    public static int EvaluationBatchSize(TrainingOptions options) => Math.Max(options.BatchSize, 256);

    private static double Score(TargetMetrics[] metrics, TargetScaler scaler, SelectionMetric selection)
    {
        if (selection == SelectionMetric.FirstTarget) return metrics[0].Mae;
        var standardized = metrics.Select((m, t) => m.Mae / scaler.Std[t]).Where(v => !double.IsNaN(v)).ToArray();
        return standardized.Length == 0 ? double.NaN : standardized.Average();
    }

    /// <summary>
    /// The optimiser's parameter groups: first the main group at <see cref="TrainingOptions.LearningRate"/> (every
    /// parameter in no part of <see cref="TrainableModel.ParameterParts"/>, or in a part trained with it), then one group per
    /// part with a rate of its own (<see cref="TrainingOptions.TrainingOf"/>). Frozen parts stop requiring gradients.
    /// </summary>
    private static (OptimizerHelper Optimizer, double[] BaseRates) CreateOptimizer(TrainableModel model, TrainingOptions o)
    {
        var claimed = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var own = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var partGroups = new List<(Parameter[] Params, double Rate)>();
        foreach (var (role, parameters) in model.ParameterParts)
        {
            var part = parameters.Where(claimed.Add).ToArray();
            if (part.Length == 0) continue;
            var training = o.TrainingOf(role);
            if (training.Frozen) foreach (var p in part) p.requires_grad = false;
            else if (training.Rate is double rate)
            {
                partGroups.Add((part, rate));
                own.UnionWith(part);
            }
        }
        var main = model.parameters().Where(p => !own.Contains(p) && p.requires_grad).ToArray();
        var groups = partGroups.Prepend((Params: main, Rate: o.LearningRate)).ToList();
        var rates = groups.Select(g => g.Rate).ToArray();
        OptimizerHelper optimizer = o.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Params, g.Rate, o.Momentum, 0, o.WeightDecay, false, false)), o.LearningRate,
                o.Momentum, 0, o.WeightDecay),
            _ => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Params, g.Rate, 0.9, 0.999, 1e-8, o.WeightDecay, false, false)), o.LearningRate,
                weight_decay: o.WeightDecay),
        };
        return (optimizer, rates);
    }

    private static void SaveCheckpoint(string path, TrainableModel model, ModelInfo info, OptimizerHelper optimizer, LoopState state)
    {
        ModelFile.Save(path, model, info, new Dictionary<string, Action<Stream>>
        {
            [OptimizerEntry] = s => { using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true); optimizer.save_state_dict(w); },
            [StateEntry] = s => JsonSerializer.Serialize(s, state, TrainingOptions.Json),
        });
    }

    private static LoopState LoadCheckpoint(string path, TrainableModel model, OptimizerHelper optimizer, string optionsHash)
    {
        if (!File.Exists(path)) throw new InputError($"nothing to resume: no {LastFile} in the run directory", Path.GetDirectoryName(path));
        var stateBytes = ModelFile.ReadEntry(path, StateEntry) ?? throw new InputError($"{LastFile} holds no training state", path);
        var state = JsonSerializer.Deserialize<LoopState>(stateBytes, TrainingOptions.Json) ?? throw new InputError("empty training state", path);
        if (state.OptionsHash != optionsHash)
            throw new InputError("the checkpoint was made with other settings than config.json now holds; cannot resume", path);
        var (saved, _) = ModelFile.Load(path);
        using (saved)
        using (no_grad())
        {
            var source = saved.state_dict();
            foreach (var (name, p) in model.named_parameters()) p.copy_(source[name]);
            foreach (var (name, b) in model.named_buffers()) b.copy_(source[name]);
        }
        var optimizerBytes = ModelFile.ReadEntry(path, OptimizerEntry) ?? throw new InputError($"{LastFile} holds no optimizer state", path);
        using (var r = new BinaryReader(new MemoryStream(optimizerBytes))) optimizer.load_state_dict(r);
        return state;
    }

    /// <summary>
    /// A diverged run: metrics.json and test_predictions.csv of the last good best epoch (marked with the epoch that
    /// diverged and why; without a good epoch, only that), so the run directory stays readable; then the error to throw.
    /// </summary>
    private static TrainingDivergedError Diverged(string dir, LabelledData data, IReadOnlyList<ISample> samples, TargetScaler scaler, Device device,
        TrainingOptions options, LoopState state, int epoch, string what)
    {
        bool written = false;
        if (state.BestEpoch > 0 && File.Exists(Path.Combine(dir, BestFile)))
        {
            // The divergence is what the caller must hear about: a failure to score the last good model only makes the
            // metrics shorter.
            try
            {
                Finish(dir, data, samples, scaler, device, options, state, false, false, epoch, null, (epoch, what));
                written = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException) { }
        }
        if (!written)
            AtomicFile.WriteAllText(Path.Combine(dir, MetricsFile), new JsonObject
            {
                ["best_epoch"] = state.BestEpoch, ["epochs_run"] = epoch, ["targets"] = new JsonArray(data.Targets.Select(t => (JsonNode)t).ToArray()),
                ["diverged_at_epoch"] = epoch, ["diverged"] = what,
            }.ToJsonString(TrainingOptions.Json));
        return new TrainingDivergedError(epoch, TrainingDivergedError.GeneralAdvice, what);
    }

    private static TrainingResult Finish(string dir, LabelledData data, IReadOnlyList<ISample> samples, TargetScaler scaler, Device device,
        TrainingOptions options, LoopState state, bool timeLimited, bool stoppedEarly, int epochsRun, TrainableModel? trained,
        (int Epoch, string What)? diverged = null)
    {
        string bestPath = Path.Combine(dir, BestFile);
        var (best, _) = ModelFile.Load(bestPath, device);
        using (best)
        {
            var sets = new Dictionary<Split, (double[][] Predictions, TargetMetrics[] Metrics)>();
            foreach (var split in new[] { Split.Train, Split.Validation, Split.Test })
                sets[split] = Evaluate(best, samples, data.IndicesOf(split), data, scaler, device, EvaluationBatchSize(options));
            Dictionary<string, TargetMetrics> named(Split s) => data.Targets.Select((t, k) => (t, sets[s].Metrics[k])).ToDictionary(p => p.t, p => p.Item2);
            var result = new TrainingResult(state.BestEpoch, epochsRun, timeLimited, state.Seconds, data.Targets.ToArray(),
                named(Split.Train), named(Split.Validation), named(Split.Test), bestPath)
            {
                StoppedEarly = stoppedEarly, DivergedAtEpoch = diverged?.Epoch, Diverged = diverged?.What,
            };
            AtomicFile.WriteAllText(Path.Combine(dir, MetricsFile), JsonSerializer.Serialize(result, TrainingOptions.Json));
            WritePredictions(Path.Combine(dir, PredictionsFile), data, data.IndicesOf(Split.Test), sets[Split.Test].Predictions);
            return result;
        }
    }

    private static void WritePredictions(string path, LabelledData data, int[] indices, double[][] predictions)
    {
        var sb = new StringBuilder("id");
        foreach (var t in data.Targets) sb.Append(CultureInfo.InvariantCulture, $",{t},{t}_predicted");
        sb.Append('\n');
        for (int k = 0; k < indices.Length; k++)
        {
            sb.Append(Csv(data.Entries[indices[k]].Id));
            for (int t = 0; t < data.Targets.Count; t++)
                sb.Append(CultureInfo.InvariantCulture, $",{Number(data.Labels[indices[k]][t])},{Number(predictions[k][t])}");
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static void WriteRunDescription(string dir, TrainableModel model, LabelledData data, TrainingOptions options, RunSettings run,
        Device device, TargetScaler scaler)
    {
        var config = new JsonObject
        {
            ["model"] = new JsonObject { ["kind"] = model.Kind, ["config"] = model.Config, ["parameters"] = model.parameters().Sum(p => p.numel()) },
            ["training"] = JsonSerializer.SerializeToNode(options, TrainingOptions.Json),
            ["data"] = new JsonObject
            {
                ["source"] = PortableSources(data.Source), ["sha256"] = data.DataHash, ["targets"] = new JsonArray(data.Targets.Select(t => (JsonNode)t).ToArray()),
                ["split"] = data.SplitDescription,
                ["train"] = data.IndicesOf(Split.Train).Length, ["validation"] = data.IndicesOf(Split.Validation).Length,
                ["test"] = data.IndicesOf(Split.Test).Length,
                ["target_mean"] = new JsonArray(scaler.Mean.Select(v => (JsonNode)v).ToArray()),
                ["target_std"] = new JsonArray(scaler.Std.Select(v => (JsonNode)v).ToArray()),
            },
            ["seed"] = options.Seed,
            ["device"] = device.ToString(),
            ["threads"] = get_num_threads(),
        };
        if (run.Description is not null)
            foreach (var (k, v) in run.Description) config[k] = v?.DeepClone();
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJsonString(TrainingOptions.Json));
        AtomicFile.WriteAllText(Path.Combine(dir, EnvironmentFile), JsonSerializer.Serialize(RunEnvironment.Capture(device), TrainingOptions.Json));
        AtomicFile.WriteAllText(Path.Combine(dir, Citations.FileName), Citations.Markdown(Citations.For(model.Kind, model.Config, PortableSources(data.Source))));
    }

    private static string LogHeader(IReadOnlyList<string> targets) =>
        "epoch,learning_rate,train_loss,val_score," + string.Join(",", targets.Select(t => $"val_mae_{t}")) + ",best,seconds";

    private static string LogLine(EpochRecord r) => string.Join(",",
        new[] { r.Epoch.ToString(CultureInfo.InvariantCulture), LogNumber(r.LearningRate), LogNumber(r.TrainLoss), LogNumber(r.ValidationScore) }
            .Concat(r.ValidationMae.Select(LogNumber)).Append(r.IsBest ? "1" : "0").Append(r.Seconds.ToString("0.###", CultureInfo.InvariantCulture)));

    /// <summary>log.csv spells non-finite numbers as the JSON files do: NaN, Infinity, -Infinity.</summary>
    private static string LogNumber(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The rows of an existing log.csv up to <paramref name="epochsKept"/> (checkpoints older than the log inside them).</summary>
    private static List<string> LoggedRows(string path, int epochsKept) =>
        !File.Exists(path) ? []
        : File.ReadAllLines(path).Skip(1).Where(l => int.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out int e) && e <= epochsKept).ToList();

    /// <summary>The data source(s) as recorded in run files (see <see cref="IO.BuiltInData.Portable"/>).</summary>
    private static string PortableSources(string source) =>
        string.Join(" + ", source.Split(" + ").Select(IO.BuiltInData.Portable));

    private static string HashOf(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
