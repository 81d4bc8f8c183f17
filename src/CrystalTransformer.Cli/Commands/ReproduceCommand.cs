using System.CommandLine;
using System.Globalization;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Reproduce.Report;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct reproduce</c>: the paper's experiments and the comparisons it lacks, with an HTML report.</summary>
public static class ReproduceCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "the short profile (default): CGCNN × {cgcnn92, onehot, ct-uae-perov5-mt, ct-uae-mp} on NOMAD 300 and perov5 1,000, 3 seeds, short budget; uses the shipped ct-UAEs and never pretrains" };
        var full = new Option<bool>("--full") { Description = $"everything: {{{string.Join(", ", Profiles.Models)}}} × {Profiles.BaselineTables.Length + UaeCatalog.Names.Length} tables × {{frozen, finetune}} × perov5 200/1,000/all, NOMAD Ef and Eg 100/300/1,000/all, perov5 OOD × 3 seeds; pretrains missing ct-UAEs (same as --profile full)" };
        var profile = new Option<string?>("--profile")
        {
            Description = "the grid: quick (default), full, transfer (CGCNN with onehot, cgcnn92 and ct-uae-mp frozen, ct-uae-mp and cgcnn92 fine-tuned at table rates 1e-3 and 1, and whole-encoder transfer from the MP front-end, on perov5 200/1,000 and perov5-ood, 5 seeds: 120 runs), or transfer-wide (more tables, fine-tuning and L2-SP, perov5 100/200/500/1,000: 350 runs)",
        };
        var jobs = new Option<int>("--jobs")
        {
            Description = "worker processes training cells at once (each every N-th pending cell, all recording into OUT/results.db; each with --threads/N threads, at least 1)",
            DefaultValueFactory = _ => 1,
        };
        var workerCells = new Option<string?>("--worker-cells") { Description = "internal: the cell list of a --jobs worker", Hidden = true };
        var maxEpochs = new Option<int?>("--max-epochs") { Description = "cap every budget's epochs (a quick try of a grid; capped runs are separate cells)" };
        var only = new Option<string[]>("--only")
        {
            Description = "filter the grid: FIELD=V1,V2 (or FIELD!=...) terms, space-separated, all must hold; fields model, embedding, mode, dataset, target, size, seed; * is a wildcard. " +
                          "Example: --only \"model=cgcnn embedding=cgcnn92,ct-uae-* size!=all\"",
            AllowMultipleArgumentsPerToken = false,
        };
        var shard = new Option<string?>("--shard") { Description = "run only slice K of N of the grid (K = 1..N), e.g. --shard $SLURM_ARRAY_TASK_ID/8" };
        var output = new Option<string>("--out") { Description = "output folder: results.db, runs/, report/", DefaultValueFactory = _ => Path.Combine("runs", "reproduce") };
        var merge = new Option<string[]>("--merge") { Description = "join the results of these output folders (shards) into --out and write the report; trains nothing", AllowMultipleArgumentsPerToken = true };
        var threads = CommonOptions.Threads("one cell at a time trains on all of them; with --jobs N each worker process trains on threads/N (at least 1)");
        var device = CommonOptions.Device();
        var uaeCache = new Option<string?>("--uae-cache") { Description = "folder of pretrained ct-UAEs (default OUT/uae); shards of one grid can share one" };
        var ignoreShipped = new Option<bool>("--ignore-shipped") { Description = "with --full: pretrain every ct-UAE even where a shipped table's data and targets match" };
        var pretrainOnly = new Option<bool>("--pretrain-only") { Description = "only step 1: make the ct-UAEs the selected cells need, then stop" };
        var reportOnly = new Option<bool>("--report-only") { Description = "write OUT/report from OUT/results.db without training" };
        var quiet = CommonOptions.Quiet();
        var list = new Option<bool>("--list") { Description = "print the selected cells (model/dataset/target/size/embedding/mode/seed) and stop" };

        var command = new Command("reproduce", "Train the back-ends with every element table on the built-in data (resumable, shardable) and write OUT/report/index.html.")
        {
            quick, full, profile, only, shard, jobs, workerCells, maxEpochs, output, merge, threads, device, uaeCache, ignoreShipped, pretrainOnly, reportOnly, quiet, list,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string commandLine = "ct " + string.Join(" ", p.Tokens.Select(t => t.Value.Contains(' ') ? $"\"{t.Value}\"" : t.Value));
            string outDir = p.GetValue(output)!;
            CommandRunner.DetailsDirectory = outDir;
            var log = p.GetValue(quiet) ? TextWriter.Null : Console.Out;
            if (p.GetValue(merge) is { Length: > 0 } inputs)
            {
                var (added, present, report) = Reproduction.Merge(inputs, outDir, commandLine, log);
                log.WriteLine($"{added} run(s) merged into {Path.Combine(outDir, ResultsStore.FileName)} ({present} already present)");
                return 0;
            }
            if (p.GetValue(reportOnly))
            {
                string db = Path.Combine(outDir, ResultsStore.FileName);
                if (!File.Exists(db)) throw new InputError("no results store to report on", db);
                using var store = ResultsStore.Open(db);
                log.WriteLine($"report: {ReportWriter.Write(store, Path.Combine(outDir, Reproduction.ReportFolder), commandLine)}");
                return 0;
            }
            var named = new[] { p.GetValue(quick) ? "quick" : null, p.GetValue(full) ? "full" : null, p.GetValue(profile) }.OfType<string>().ToArray();
            if (named.Length > 1) throw new UsageError($"choose one profile (--quick, --full or --profile NAME), not {string.Join(" and ", named)}");
            if (p.GetValue(maxEpochs) is < 1) throw new UsageError("--max-epochs must be at least 1");
            var options = new ReproduceOptions
            {
                Profile = Profiles.Get(named.FirstOrDefault() ?? "quick"),
                MaxEpochs = p.GetValue(maxEpochs),
                Filter = GridFilter.Parse(p.GetValue(only) ?? []),
                Shard = p.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.Whole,
                Output = outDir,
                UaeCache = p.GetValue(uaeCache),
                Threads = p.GetValue(threads) is var t && t >= 0 ? t : CommonOptions.ThreadCount(t),
                Device = CommonOptions.CheckDevice(p.GetValue(device)!),
                PretrainOnly = p.GetValue(pretrainOnly),
                IgnoreShippedUaes = p.GetValue(ignoreShipped),
                Progress = TrainingProgress.Default(p.GetValue(quiet)),
                CommandLine = commandLine,
                Jobs = p.GetValue(jobs),
                WorkerCells = p.GetValue(workerCells),
            };
            if (options.Jobs < 1) throw new UsageError("--jobs must be at least 1");
            if (p.GetValue(list))
            {
                var cells = Reproduction.Select(options);
                foreach (var cell in cells) Console.WriteLine(cell.Key);
                Console.WriteLine($"{cells.Count} cell(s) of the {options.Profile.Name} profile ({options.Profile.Expand().Count} in all)");
                return 0;
            }
            // Ctrl-C and SIGTERM stop the workers of --jobs (killed, not left running) and then this process.
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            if (options.Jobs > 1) Console.CancelKeyPress += onCancel;
            using var onTerm = options.Jobs > 1 ? System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); }) : null;
            ReproduceSummary summary;
            try
            {
                summary = new Reproduction(options, new BackendCellRunner(), new FrontEndPretrainer(options.Progress), log, new ProcessWorkerLauncher())
                    { Bars = new ReproduceBars() }.Run(cancel.Token);
            }
            finally { Console.CancelKeyPress -= onCancel; }
            if (options.WorkerCells is not null) return summary.Failed > 0 ? CommandRunner.ExitFailedCells : 0;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Cells} cell(s): {summary.AlreadyFinished} already finished, {summary.Ran - summary.Failed} trained now, {summary.Failed} failed{(summary.Elsewhere > 0 ? $", {summary.Elsewhere} left to another process" : "")}; {summary.WallSeconds / 60:0.0} min"));
            if (summary.Failed > 0) Console.Error.WriteLine($"ct: {summary.Failed} cell(s) failed (listed in the report); run the same command again to retry them");
            return summary.Failed > 0 ? CommandRunner.ExitFailedCells : 0;
        }));
        return command;
    }

    /// <summary>Pretrains a ct-UAE through the code path of <c>ct pretrain</c> (recipe defaults, the data's own split).</summary>
    private sealed class FrontEndPretrainer(ProgressMode progress) : IUaePretrainer
    {
        public void Pretrain(UaeSpec spec, string runDirectory, bool resume, int threads, string device)
        {
            var recipe = Recipes.Get(spec.Recipe, spec.Targets.Count, Pretraining.IsCompositionMode(spec.DataSets));
            var training = recipe.Training with
            {
                Epochs = recipe.DefaultEpochs,
                Seed = spec.Seed,
                WarmupEpochs = recipe.Training.WarmupFor(recipe.DefaultEpochs),
            };
            var pretrain = new PretrainSpec(spec.DataSets, [.. spec.Targets], SplitSeed: 42, TrainSize: null, recipe.Name, recipe.Model, training, runDirectory);
            TrainingProgress.Pretrain(pretrain, threads, device, resume, progress);
        }
    }
}
