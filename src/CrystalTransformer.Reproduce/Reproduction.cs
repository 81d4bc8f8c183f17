using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;
using CrystalTransformer.Reproduce.Report;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>Settings of one <c>ct reproduce</c> invocation.</summary>
public sealed record ReproduceOptions
{
    public required ReproduceProfile Profile { get; init; }
    public GridFilter Filter { get; init; } = GridFilter.All;
    public Shard Shard { get; init; } = Shard.Whole;
    public required string Output { get; init; }
    /// <summary>Where pretrained ct-UAEs are cached (default OUT/uae); shards of one grid may share one.</summary>
    public string? UaeCache { get; init; }
    /// <summary>CPU threads of the whole run (0 = all cores, libtorch's default): one cell at a time trains on all of
    /// them; with <see cref="Jobs"/> N each worker process gets <see cref="ThreadsPerWorker"/> of them.</summary>
    public int Threads { get; init; }
    /// <summary>Caps every budget's epochs (a quick try of a grid); the epochs are part of a cell's identity, so capped
    /// runs never stand in for full-budget ones.</summary>
    public int? MaxEpochs { get; init; }
    public string Device { get; init; } = "auto";
    /// <summary>Pretrain every ct-UAE (full profile) even where a shipped table's task matches.</summary>
    public bool IgnoreShippedUaes { get; init; }
    /// <summary>Stop after step 1 (the ct-UAEs).</summary>
    public bool PretrainOnly { get; init; }
    public ProgressMode Progress { get; init; } = ProgressMode.Lines;
    /// <summary>The command line, shown in the report.</summary>
    public string CommandLine { get; init; } = "";
    /// <summary>Worker processes that train the pending cells at once (each every N-th of them, recording into the same
    /// store); 1 trains them in this process.</summary>
    public int Jobs { get; init; } = 1;
    /// <summary>Set in a worker of <see cref="Jobs"/>: the file listing the cell keys it trains; it writes no report.</summary>
    public string? WorkerCells { get; init; }

    /// <summary>The threads each of <paramref name="workers"/> worker processes gets out of <paramref name="threads"/>
    /// (0 = all cores): an equal share, at least one; a single process keeps them all.</summary>
    public static int ThreadsPerWorker(int threads, int workers) =>
        workers <= 1 ? threads : Math.Max(1, (threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount)) / workers);
}

/// <summary>What a run did.</summary>
/// <param name="Elsewhere">Cells left to another process on the same output folder (claimed by it, or finished by it meanwhile).</param>
public sealed record ReproduceSummary(int Cells, int AlreadyFinished, int Ran, int Failed, double WallSeconds, string? ReportPath, int Elsewhere = 0);

/// <summary>
/// <c>ct reproduce</c>: resolves the ct-UAEs (step 1), then trains every selected cell of the grid that the results
/// store does not hold yet (resuming half-finished run directories), recording each as it finishes, and writes the report.
/// With <see cref="ReproduceOptions.Jobs"/> &gt; 1 the pending cells are trained by worker processes started through
/// <paramref name="workers"/>, each taking every N-th of them; this process shows the progress from the store.
/// </summary>
public sealed class Reproduction(ReproduceOptions options, ICellRunner runner, IUaePretrainer? pretrainer, TextWriter log, IWorkerLauncher? workers = null)
{
    public const string RunsFolder = "runs", CacheFolder = "cache", ReportFolder = "report", UaeFolder = "uae", WorkersFolder = "workers";

    /// <summary>How often the parent of --jobs looks into the store for finished cells.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Draws progress bars when <see cref="ReproduceOptions.Progress"/> asks for them (else one line per cell).</summary>
    public IReproduceBars? Bars { get; init; }

    public ReproduceSummary Run(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var o = options;
        if (o.Jobs < 1) throw new UsageError($"--jobs must be at least 1, not {o.Jobs}");
        var all = o.Profile.Expand();
        var selected = o.WorkerCells is { } list ? WorkerSelection(all, list) : Select(o);
        Directory.CreateDirectory(o.Output);
        using var store = ResultsStore.Open(Path.Combine(o.Output, ResultsStore.FileName));
        if (o.WorkerCells is null)
            log.WriteLine($"{o.Profile.Name} profile: {selected.Count} of {all.Count} cells selected{(o.Shard.Count > 1 ? $" (shard {o.Shard})" : "")}; results in {store.Path}");

        var tables = ResolveTables(selected, store);
        if (o.PretrainOnly) return new ReproduceSummary(selected.Count, 0, 0, 0, clock.Elapsed.TotalSeconds, null);

        var datasets = new DatasetCatalog(o.Output);
        var configured = new List<(CellConfiguration Config, PreparedData Data, string Table)>();
        foreach (var cell in selected)
        {
            var data = datasets.Get(cell.Dataset);
            var (spec, hash, standardized) = tables[TableKey(cell)];
            var budget = o.Profile.BudgetFor(cell);
            int epochs = o.MaxEpochs is int cap ? Math.Min(cap, budget.Epochs) : budget.Epochs;
            configured.Add((new CellConfiguration(cell, o.Profile.Name, epochs, budget.BatchSize, hash, data.Identity) { TableStandardized = standardized }, data, spec));
        }
        foreach (var d in configured.Select(c => c.Data).DistinctBy(d => d.Name)) store.SetNote($"data:{d.Name}", d.Notes.ToJsonString());
        if (o.WorkerCells is null) store.SetNote("command", o.CommandLine);

        var pending = configured.Where(c => !store.IsFinished(c.Config.Hash)).ToList();
        int done = configured.Count - pending.Count, failed = 0, elsewhere = 0;
        if (done > 0 && o.WorkerCells is null) log.WriteLine($"{done} cell(s) already finished in the results store: skipped");
        if (o.Jobs > 1 && o.WorkerCells is null && pending.Count > 1)
            failed = RunWorkers(pending.Select(p => p.Config).ToList(), store, cancel, ref elsewhere);
        else TrainHere(pending, store, cancel, ref failed, ref elsewhere);
        if (o.WorkerCells is not null) return new ReproduceSummary(selected.Count, done, pending.Count - elsewhere, failed, clock.Elapsed.TotalSeconds, null, elsewhere);
        if (elsewhere > 0)
            log.WriteLine($"{elsewhere} cell(s) were claimed or finished by another ct reproduce on {o.Output}: not trained here (run again once it has finished for a report with all of them)");
        string reportPath = ReportWriter.Write(store, Path.Combine(o.Output, ReportFolder), o.CommandLine);
        log.WriteLine($"report: {reportPath}");
        return new ReproduceSummary(selected.Count, done, pending.Count - elsewhere, failed, clock.Elapsed.TotalSeconds, reportPath, elsewhere);
    }

    /// <summary>Trains the pending cells one after the other in this process.</summary>
    private void TrainHere(List<(CellConfiguration Config, PreparedData Data, string Table)> pending, ResultsStore store, CancellationToken cancel,
        ref int failedCount, ref int elsewhereCount)
    {
        var o = options;
        int failed = 0, claimedElsewhere = 0;
        var eta = new EtaEstimator();
        ReproduceProgress.Run(o.Progress, log, pending.Count, Bars, display =>
        {
            for (int k = 0; k < pending.Count; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var (config, data, table) = pending[k];
                var cell = config.Cell;
                string runDir = Path.Combine(o.Output, RunsFolder, cell.DirectoryName(config.Hash));
                // Another ct reproduce on this output folder may train the same cells: each is claimed first, and one
                // that another process has claimed or finished meanwhile is left to it.
                using var claim = CellClaim.TryTake(runDir);
                if (claim is null)
                {
                    claimedElsewhere++;
                    display.CellFinished(k, $"{cell.Key}: being trained by another process on this output folder (claim {CellClaim.PathFor(runDir)}): left to it",
                        eta.Remaining(pending.Skip(k + 1).Select(p => p.Config.Cell)));
                    continue;
                }
                if (store.IsFinished(config.Hash))
                {
                    claimedElsewhere++;
                    display.CellFinished(k, $"{cell.Key}: finished by another process meanwhile", eta.Remaining(pending.Skip(k + 1).Select(p => p.Config.Cell)));
                    continue;
                }
                bool resume = File.Exists(Path.Combine(runDir, Trainer.LastFile));
                // A resumed cell continues with the thread count it started with unless --threads says otherwise.
                int threads = resume && o.Threads == 0 && ResumeSettings.Recorded(runDir).Threads is int recorded ? recorded : o.Threads;
                var request = new CellRequest(config, table, data.Spec, runDir, resume, threads, o.Device, Path.Combine(o.Output, CacheFolder));
                display.CellStarted(k, cell.Key + (request.Resume ? " (resuming)" : ""));
                var cellClock = Stopwatch.StartNew();
                try
                {
                    if (!FinishedOnDisk(runDir, config.Hash))
                    {
                        WriteCellFile(runDir, config);
                        runner.Run(request, display.RunObserver);
                    }
                    var record = RecordFromRunDirectory(config, runDir, cellClock.Elapsed.TotalSeconds, store.Path);
                    store.Record(record);
                    if (IO.FaultInjection.Enabled) IO.FaultInjection.At("cell-recorded");
                    eta.Add(cell, cellClock.Elapsed.TotalSeconds);
                    display.CellFinished(k, string.Create(CultureInfo.InvariantCulture,
                        $"{cell.Key}: test MAE {record.Mae:0.0000}, R² {record.R2:0.000} ({cellClock.Elapsed.TotalSeconds:0} s)"),
                        eta.Remaining(pending.Skip(k + 1).Select(p => p.Config.Cell)));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed++;
                    string message = OneLine(e);
                    store.RecordFailure(new FailureRecord(config.Hash, cell, message, DateTime.UtcNow.ToString("O")));
                    eta.Add(cell, cellClock.Elapsed.TotalSeconds);
                    display.CellFinished(k, $"{cell.Key}: FAILED: {message}", eta.Remaining(pending.Skip(k + 1).Select(p => p.Config.Cell)));
                }
            }
        });
        failedCount += failed;
        elsewhereCount += claimedElsewhere;
    }

    /// <summary>
    /// --jobs N: worker k of N trains every N-th pending cell from the k-th on (the --shard rule applied to the pending
    /// cells) and records into the same store; this process follows the store, shows the progress, and records every cell
    /// a worker left without a record (it crashed or was killed) as failed with the worker's last words. Cancelling
    /// kills the workers. Returns the number of failed cells.
    /// </summary>
    private int RunWorkers(List<CellConfiguration> pending, ResultsStore store, CancellationToken cancel, ref int elsewhere)
    {
        int leftToOthers = 0;
        var o = options;
        if (workers is null) throw new InvalidOperationException("--jobs needs a way to start worker processes");
        int n = Math.Min(o.Jobs, pending.Count);
        string folder = Path.Combine(o.Output, WorkersFolder);
        Directory.CreateDirectory(folder);
        var started = DateTime.UtcNow;
        int threadsEach = ReproduceOptions.ThreadsPerWorker(o.Threads, n);
        var cellOf = pending.ToDictionary(c => c.Hash, c => c.Cell);
        var hashOf = pending.ToDictionary(c => c.Cell.Key, c => c.Hash);
        var running = new List<(int Index, IWorker Worker, string[] Hashes)>();
        int failed = 0;
        try
        {
            for (int k = 1; k <= n; k++)
            {
                var mine = new Shard(k, n).Select(pending.Select(c => c.Cell).ToArray());
                string file = Path.Combine(folder, $"worker-{k}-of-{n}.cells");
                IO.TextFiles.WriteAllTextAtomic(file, string.Concat(mine.Select(c => c.Key + "\n")));
                var worker = workers.Start(new WorkerStart(k, n, file, o with { Jobs = 1, Threads = threadsEach, WorkerCells = file, Progress = ProgressMode.Quiet, Filter = GridFilter.All, Shard = Shard.Whole }));
                running.Add((k, worker, mine.Select(c => hashOf[c.Key]).ToArray()));
            }
            log.WriteLine($"{pending.Count} cell(s) in {n} worker processes ({threadsEach} torch thread(s) each)");
            var eta = new EtaEstimator();
            foreach (var f in store.FinishedCells().Where(f => !cellOf.ContainsKey(f.ConfigHash))) eta.Add(f.Cell, f.WallSeconds); // earlier sessions' times
            var seen = new HashSet<string>(StringComparer.Ordinal);
            ReproduceProgress.Run(o.Progress, log, pending.Count, Bars, display =>
            {
                void Show(string hash, string line)
                {
                    seen.Add(hash);
                    int live = Math.Max(1, running.Count(w => !w.Worker.HasExited));
                    var left = eta.Remaining(pending.Where(c => !seen.Contains(c.Hash)).Select(c => c.Cell));
                    display.CellFinished(seen.Count - 1, line, left / live);
                }
                while (true)
                {
                    bool exited = running.All(w => w.Worker.HasExited); // before looking, so the last look sees every record
                    cancel.ThrowIfCancellationRequested();
                    foreach (var f in store.FinishedCells().Where(f => cellOf.ContainsKey(f.ConfigHash) && !seen.Contains(f.ConfigHash)))
                    {
                        eta.Add(f.Cell, f.WallSeconds);
                        Show(f.ConfigHash, string.Create(CultureInfo.InvariantCulture, $"{f.Cell.Key}: test MAE {f.Mae:0.0000}, R² {f.R2:0.000} ({f.WallSeconds:0} s)"));
                    }
                    foreach (var f in store.Failures().Where(f => cellOf.ContainsKey(f.ConfigHash) && !seen.Contains(f.ConfigHash) && RecordedSince(f, started)))
                    {
                        failed++;
                        Show(f.ConfigHash, $"{f.Cell.Key}: FAILED: {f.Message}");
                    }
                    if (exited) break;
                    cancel.WaitHandle.WaitOne(PollInterval);
                }
                // What a worker left unrecorded: it stopped before the cell finished or failed.
                foreach (var (index, worker, hashes) in running)
                {
                    worker.WaitForExit();
                    foreach (var hash in hashes.Where(h => !seen.Contains(h)))
                    {
                        if (CellClaim.IsHeld(Path.Combine(o.Output, RunsFolder, cellOf[hash].DirectoryName(hash))))
                        {
                            // The worker left it to another ct reproduce on this output folder, which trains it now.
                            leftToOthers++;
                            Show(hash, $"{cellOf[hash].Key}: being trained by another process on this output folder: left to it");
                            continue;
                        }
                        failed++;
                        string tail = worker.OutputTail;
                        string message = $"worker {index} of {n} exited with code {worker.ExitCode} before recording this cell{(tail.Length > 0 ? ": " + tail : "")}";
                        store.RecordFailure(new FailureRecord(hash, cellOf[hash], message, DateTime.UtcNow.ToString("O")));
                        Show(hash, $"{cellOf[hash].Key}: FAILED: {message}");
                    }
                }
            });
            elsewhere += leftToOthers;
            return failed;
        }
        finally
        {
            foreach (var (_, worker, _) in running)
            {
                worker.Kill();
                worker.Dispose();
            }
        }
    }

    private static bool RecordedSince(FailureRecord f, DateTime start) =>
        DateTime.TryParse(f.TimeUtc, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) && t.ToUniversalTime() >= start;

    /// <summary>A worker's cells: the keys in its list file, in grid order; a key the grid does not have is an error.</summary>
    private static IReadOnlyList<GridCell> WorkerSelection(IReadOnlyList<GridCell> all, string file)
    {
        if (!File.Exists(file)) throw new InputError("no worker cell list here", file);
        var keys = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        var cells = all.Where(c => keys.Contains(c.Key)).ToArray();
        var unknown = keys.Except(cells.Select(c => c.Key)).ToArray();
        if (unknown.Length > 0) throw new InputError($"{unknown.Length} cell(s) of the list are not in the grid, e.g. '{unknown[0]}'", file);
        return cells;
    }

    /// <summary>The cells of the profile that --only and --shard select, in grid order (an error when there are none).</summary>
    public static IReadOnlyList<GridCell> Select(ReproduceOptions o)
    {
        var all = o.Profile.Expand();
        var selected = o.Shard.Select(o.Filter.Apply(all));
        return selected.Count > 0 ? selected
            : throw new UsageError($"no cell of the {o.Profile.Name} grid ({all.Count} cells) is selected by --only '{o.Filter}' and --shard {o.Shard}");
    }

    /// <summary>
    /// Every table the cells use, by <see cref="TableKey"/> → (specification for the runner, content hash): ct-UAEs
    /// resolved (pretrained when needed) also inside transforms and concatenations, baselines loaded, and for encoder
    /// cells the front-end model they start from. Each ct-UAE and model is noted in the store with its provenance.
    /// </summary>
    private Dictionary<string, (string Spec, string Hash, bool Standardized)> ResolveTables(IReadOnlyList<GridCell> cells, ResultsStore store)
    {
        var result = new Dictionary<string, (string, string, bool)>(StringComparer.Ordinal);
        // The rule of ct train (a table on raw physical scales is standardised), decided here from the same table so that
        // it is part of the cell's identity.
        (string, string, bool) Table(string spec, ElementTable table) =>
            (spec, table.ContentHash(), BackendTraining.WillStandardize(table, null).Standardize);
        var uaes = new Dictionary<string, ResolvedUae>(StringComparer.Ordinal);
        foreach (var cell in cells.DistinctBy(TableKey))
        {
            string name = cell.Embedding;
            if (CellMode.Parse(cell.Mode).Kind == CellModeKind.Encoder)
            {
                var (spec, hash) = ResolveModel(name, store);
                result[TableKey(cell)] = (spec, hash, false);
            }
            else if (UaeCatalog.IsUae(name))
            {
                foreach (var uae in UaeCatalog.NamesIn(name).Where(n => !uaes.ContainsKey(n))) uaes[uae] = ResolveUae(uae, store);
                if (uaes.TryGetValue(name, out var alone)) result[name] = (alone.TableSpec, alone.TableHash, BackendTraining.WillStandardize(ElementTableIO.Load(alone.TableSpec), null).Standardize);
                else
                {
                    string spec = UaeCatalog.Substitute(name, n => uaes[n].TableSpec);
                    result[name] = Table(spec, ElementTableIO.Load(spec));
                }
            }
            else result[name] = Table(name, ElementTableIO.Load(name));
        }
        return result;
    }

    /// <summary>The key of a cell's table in <see cref="ResolveTables"/>: encoder cells name a model, not a table.</summary>
    public static string TableKey(GridCell cell) => CellMode.Parse(cell.Mode).Kind == CellModeKind.Encoder ? "model:" + cell.Embedding : cell.Embedding;

    private ResolvedUae ResolveUae(string name, ResultsStore store)
    {
        var o = options;
        string cache = o.UaeCache ?? Path.Combine(o.Output, UaeFolder);
        var uae = UaeCatalog.Resolve(name, cache, o.Profile.MayPretrain, pretrainer, o.Threads, o.Device, log.WriteLine, o.IgnoreShippedUaes);
        var provenance = UaeProvenance.Find(uae.Folder);
        log.WriteLine($"{name}: {uae.Origin} ({uae.Location}){(provenance is null ? "; no provenance.json: its comparisons count as not clean" : "")}");
        var note = new JsonObject
        {
            ["origin"] = uae.Origin, ["location"] = uae.Location, ["table_sha256"] = uae.TableHash, ["metadata"] = uae.Metadata.DeepClone(),
            ["provenance"] = provenance?.DeepClone(),
        };
        store.SetNote($"uae:{name}", note.ToJsonString());
        return uae;
    }

    /// <summary>A front-end model that encoder cells start from (a shipped model's name, a run directory or a model file):
    /// its specification stays as given, its identity is the model file's sha256.</summary>
    private (string Spec, string Hash) ResolveModel(string name, ResultsStore store)
    {
        string path = Prediction.ResolveModel(name);
        string hash = RunEnvironment.HashFiles([path]);
        var provenance = UaeProvenance.Find(Path.GetDirectoryName(Path.GetFullPath(path))!);
        log.WriteLine($"{name}: front-end model {path}{(provenance is null ? "; no provenance.json: its comparisons count as not clean" : "")}");
        var note = new JsonObject { ["location"] = Path.GetFullPath(path), ["model_sha256"] = hash, ["provenance"] = provenance?.DeepClone() };
        store.SetNote($"model:{name}", note.ToJsonString());
        return (name, hash);
    }

    /// <summary>Names the cell and its configuration hash inside its run directory (written before training starts).</summary>
    public const string CellFile = "cell.json";

    private static void WriteCellFile(string runDir, CellConfiguration config)
    {
        Directory.CreateDirectory(runDir);
        var node = new JsonObject { ["config_hash"] = config.Hash, ["configuration"] = config.ToJson() };
        AtomicFile.WriteAllText(Path.Combine(runDir, CellFile), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>A run directory that finished training this configuration, but was not recorded when the previous session
    /// stopped (metrics.json is written last by the loop).</summary>
    private static bool FinishedOnDisk(string runDir, string hash)
    {
        string metrics = Path.Combine(runDir, Trainer.MetricsFile), cell = Path.Combine(runDir, CellFile);
        if (!File.Exists(metrics) || !File.Exists(cell)) return false;
        try
        {
            // A diverged run writes metrics.json of its last good epoch too, but did not finish.
            return (string?)JsonNode.Parse(File.ReadAllText(cell))?["config_hash"] == hash
                && JsonNode.Parse(File.ReadAllText(metrics))?["diverged_at_epoch"] is null;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>Reads a finished run directory into a store record.</summary>
    public static RunRecord RecordFromRunDirectory(CellConfiguration config, string runDir, double wallSeconds, string origin)
    {
        string Read(string file)
        {
            string path = Path.Combine(runDir, file);
            return File.Exists(path) ? File.ReadAllText(path) : throw new InputError($"the run directory has no {file}", runDir);
        }
        var metrics = JsonNode.Parse(Read(Trainer.MetricsFile))!;
        string configJson = Read(Trainer.ConfigFile);
        var runConfig = JsonNode.Parse(configJson)!;
        string target = config.Cell.Target;
        var test = metrics["test"]?[target] ?? throw new InputError($"metrics.json has no test metrics for '{target}'", runDir);
        return new RunRecord
        {
            ConfigHash = config.Hash, Configuration = config,
            TrainCount = (int?)runConfig["data"]?["train"] ?? throw new InputError("config.json has no data.train count", runDir),
            Mae = Number(test["mae"]), Rmse = Number(test["rmse"]), R2 = Number(test["r2"]), TestCount = (int?)test["count"] ?? 0,
            ValidationMae = Number(metrics["validation"]?[target]?["mae"]),
            EpochsRun = (int?)metrics["epochs_run"] ?? 0, BestEpoch = (int?)metrics["best_epoch"] ?? 0,
            Seconds = Number(metrics["seconds"]), WallSeconds = wallSeconds, RunDirectory = Path.GetFullPath(runDir),
            DataHash = (string?)runConfig["data"]?["sha256"] ?? "",
            ConfigJson = configJson,
            EnvironmentJson = File.Exists(Path.Combine(runDir, Trainer.EnvironmentFile)) ? Read(Trainer.EnvironmentFile) : "{}",
            PredictionsCsv = Read(Trainer.PredictionsFile),
            FinishedUtc = DateTime.UtcNow.ToString("O"), Origin = Path.GetFullPath(origin),
        };
    }

    // metrics.json writes NaN as a string when a metric is undefined (e.g. R² of a constant test set).
    private static double Number(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue v when v.TryGetValue(out double d) => d,
        JsonValue v when v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) => p,
        _ => double.NaN,
    };

    private static string OneLine(Exception e)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e;
        string kind = inner is InputError or IOException ? "" : inner.GetType().Name + ": ";
        return (kind + inner.Message).ReplaceLineEndings(" ");
    }

    /// <summary>Joins the results stores of several output folders (shards) into OUT's store and writes the report.</summary>
    public static (int Added, int Present, string ReportPath) Merge(IReadOnlyList<string> inputs, string output, string commandLine, TextWriter log)
    {
        if (inputs.Count == 0) throw new UsageError("--merge needs at least one folder or results.db");
        Directory.CreateDirectory(output);
        string target = Path.GetFullPath(Path.Combine(output, ResultsStore.FileName));
        int added = 0, present = 0;
        using (var store = ResultsStore.Open(target))
        {
            foreach (var input in inputs)
            {
                string path = Directory.Exists(input) ? Path.Combine(input, ResultsStore.FileName) : input;
                if (!File.Exists(path)) throw new InputError("no results store here (expected a reproduce output folder or its results.db)", input);
                if (Path.GetFullPath(path) == target) continue;
                using var other = ResultsStore.Open(path);
                var (a, p) = store.MergeFrom(other);
                log.WriteLine($"{path}: {a} run(s) added, {p} already present");
                added += a;
                present += p;
            }
            store.SetNote("command", commandLine);
            string report = ReportWriter.Write(store, Path.Combine(output, ReportFolder), commandLine);
            log.WriteLine($"report: {report}");
            return (added, present, report);
        }
    }
}

/// <summary>Remaining time from the cells finished so far: the mean time of finished cells of the same model, data set and
/// size, else of the same model, else of all.</summary>
public sealed class EtaEstimator
{
    private readonly List<(GridCell Cell, double Seconds)> _done = [];

    public void Add(GridCell cell, double seconds) => _done.Add((cell, seconds));

    public TimeSpan? Remaining(IEnumerable<GridCell> cells)
    {
        if (_done.Count == 0) return null;
        double overall = _done.Average(d => d.Seconds), total = 0;
        foreach (var c in cells)
        {
            var same = _done.Where(d => d.Cell.Model == c.Model && d.Cell.Dataset == c.Dataset && d.Cell.TrainSize == c.TrainSize).ToList();
            var model = same.Count > 0 ? same : _done.Where(d => d.Cell.Model == c.Model).ToList();
            total += model.Count > 0 ? model.Average(d => d.Seconds) : overall;
        }
        return TimeSpan.FromSeconds(total);
    }
}
