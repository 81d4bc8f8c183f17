using CrystalTransformer.IO.Csv;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>--jobs with workers on threads of this process (each with its own store connection, as processes have).</summary>
public class JobsTests
{
    /// <summary>Runs each worker's <see cref="Reproduction"/> on a thread; <see cref="Die"/> makes chosen workers stop
    /// at once with an exit code and a last line, as a crashed process would.</summary>
    private sealed class ThreadLauncher(ICellRunner runner) : IWorkerLauncher
    {
        public List<WorkerStart> Starts { get; } = [];
        public Dictionary<int, int> Die { get; } = [];
        public ManualResetEventSlim? Hold { get; init; }
        public int Killed;

        public IWorker Start(WorkerStart start)
        {
            lock (Starts) Starts.Add(start);
            return new ThreadWorker(this, () =>
            {
                if (Die.TryGetValue(start.Index, out int code)) return (code, "Fatal error. Segmentation fault");
                Hold?.Wait();
                var summary = new Reproduction(start.Options, runner, null, TextWriter.Null).Run();
                return (summary.Failed > 0 ? 1 : 0, "");
            });
        }

        private sealed class ThreadWorker : IWorker
        {
            private readonly ThreadLauncher _launcher;
            private readonly Thread _thread;
            private int _code;
            private string _tail = "";

            public ThreadWorker(ThreadLauncher launcher, Func<(int, string)> body)
            {
                _launcher = launcher;
                _thread = new Thread(() =>
                {
                    try { (_code, _tail) = body(); }
                    catch (Exception e) { (_code, _tail) = (3, "ct: " + e.Message); }
                }) { IsBackground = true };
                _thread.Start();
            }

            public bool HasExited => !_thread.IsAlive;
            public int ExitCode => _code;
            public void WaitForExit() => _thread.Join();
            public string OutputTail => _tail;
            public void Kill()
            {
                if (_thread.IsAlive) Interlocked.Increment(ref _launcher.Killed);
                _launcher.Hold?.Set();
            }
            public void Dispose() { }
        }
    }

    private static ReproduceSummary Run(string output, ICellRunner runner, int jobs, IWorkerLauncher? launcher, GridFilter? filter = null, CancellationToken cancel = default) =>
        new Reproduction(new ReproduceOptions
        {
            Profile = ReproductionTests.SmallProfile(), Output = output, Progress = ProgressMode.Quiet, Jobs = jobs, Filter = filter ?? GridFilter.All,
            CommandLine = "ct reproduce (jobs test)",
        }, runner, null, TextWriter.Null, launcher) { PollInterval = TimeSpan.FromMilliseconds(20) }.Run(cancel);

    private static Dictionary<string, string> Maes(string output)
    {
        var t = CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, "results.csv"));
        return t.Rows.ToDictionary(r => string.Join("/", r.Fields.Take(7)), r => r.Fields[t.Column("mae")]);
    }

    [Fact]
    public void WorkersTrainEveryPendingCellOnceIntoOneStoreWithTheResultsOfOneJob()
    {
        string parallel = TinyData.TempDir(), serial = TinyData.TempDir();
        var runner = new FakeCellRunner();
        var launcher = new ThreadLauncher(runner);
        var summary = Run(parallel, runner, jobs: 3, launcher);
        int cells = ReproductionTests.SmallProfile().Expand().Count;
        Assert.Equal((cells, cells, 0), (summary.Cells, summary.Ran, summary.Failed));
        Assert.Equal(cells, runner.Calls.Count);
        Assert.Equal(cells, runner.Calls.Select(c => c.Cell.Key).Distinct().Count());
        // Worker k has every third cell from the k-th on: the --shard rule.
        Assert.Equal(3, launcher.Starts.Count);
        var all = ReproductionTests.SmallProfile().Expand();
        foreach (var start in launcher.Starts)
            Assert.Equal(new Shard(start.Index, 3).Select(all).Select(c => c.Key), File.ReadAllLines(start.CellsFile));
        Assert.All(launcher.Starts, s => Assert.Equal((1, ProgressMode.Quiet), (s.Options.Jobs, s.Options.Progress)));
        // --threads 0 (all cores) is shared out: each of the 3 workers gets a third, at least one.
        Assert.All(launcher.Starts, s => Assert.Equal(Math.Max(1, Environment.ProcessorCount / 3), s.Options.Threads));
        Assert.True(File.Exists(summary.ReportPath));
        using (var store = ResultsStore.Open(Path.Combine(parallel, ResultsStore.FileName))) Assert.Equal(cells, store.Count);

        Run(serial, new FakeCellRunner(), jobs: 1, launcher: null);
        Assert.Equal(Maes(serial), Maes(parallel));
    }

    [Fact]
    public void OnlyThePendingCellsAreSharedOut()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        Run(dir, runner, jobs: 1, launcher: null, filter: GridFilter.Parse(["seed=0"]));
        var launcher = new ThreadLauncher(runner);
        var summary = Run(dir, runner, jobs: 2, launcher);
        var pending = ReproductionTests.SmallProfile().Expand().Where(c => c.Seed != 0).ToArray();
        Assert.Equal((pending.Length, 0), (summary.Ran, summary.Failed));
        Assert.Equal(pending.Select(c => c.Key).Order(), launcher.Starts.SelectMany(s => File.ReadAllLines(s.CellsFile)).Order());
        Assert.Equal(new Shard(1, 2).Select(pending).Select(c => c.Key), File.ReadAllLines(launcher.Starts.Single(s => s.Index == 1).CellsFile));
    }

    [Fact]
    public void AWorkerThatDiesHasItsCellsRecordedAsFailedAndTheRestFinish()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        var launcher = new ThreadLauncher(runner) { Die = { [2] = 139 } };
        var summary = Run(dir, runner, jobs: 2, launcher);
        var all = ReproductionTests.SmallProfile().Expand();
        var lost = new Shard(2, 2).Select(all);
        Assert.Equal(lost.Count, summary.Failed);
        Assert.True(File.Exists(summary.ReportPath));
        using (var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName)))
        {
            Assert.Equal(all.Count - lost.Count, store.Count);
            var failures = store.Failures();
            Assert.Equal(lost.Select(c => c.Key).Order(), failures.Select(f => f.Cell.Key).Order());
            Assert.All(failures, f => Assert.Equal("worker 2 of 2 exited with code 139 before recording this cell: Fatal error. Segmentation fault", f.Message));
        }
        // The next run retries exactly those cells.
        var again = Run(dir, runner, jobs: 1, launcher: null);
        Assert.Equal((lost.Count, 0), (again.Ran, again.Failed));
    }

    [Fact]
    public void ACellThatFailsInAWorkerIsReportedOnce()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        string broken = ReproductionTests.SmallProfile().Expand()[3].Key;
        runner.FailOnce.Add(broken);
        var summary = Run(dir, runner, jobs: 2, new ThreadLauncher(runner));
        Assert.Equal(1, summary.Failed);
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        Assert.Contains("simulated crash", Assert.Single(store.Failures()).Message);
    }

    [Fact]
    public void CancellingStopsTheWorkers()
    {
        string dir = TinyData.TempDir();
        var runner = new FakeCellRunner();
        using var hold = new ManualResetEventSlim(false);
        var launcher = new ThreadLauncher(runner) { Hold = hold };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.ThrowsAny<OperationCanceledException>(() => Run(dir, runner, jobs: 2, launcher, cancel: cancel.Token));
        Assert.Equal(2, launcher.Killed);
    }

    [Fact]
    public void AWorkerRefusesACellListWithCellsOutsideTheGrid()
    {
        string dir = TinyData.TempDir();
        string list = Path.Combine(dir, "cells");
        File.WriteAllText(list, "cgcnn/perov5/heat_ref/200/cgcnn92/frozen/s0\ncgcnn/perov5/heat_ref/200/nonsense/frozen/s0\n");
        var e = Assert.Throws<InputError>(() => new Reproduction(new ReproduceOptions
        {
            Profile = ReproductionTests.SmallProfile(), Output = dir, Progress = ProgressMode.Quiet, WorkerCells = list,
        }, new FakeCellRunner(), null, TextWriter.Null).Run());
        Assert.Contains("nonsense", e.Message);
    }

    [Fact]
    public void AWorkerTrainsItsListAndWritesNoReport()
    {
        string dir = TinyData.TempDir();
        string list = Path.Combine(dir, "cells");
        var cells = ReproductionTests.SmallProfile().Expand().Take(2).ToArray();
        File.WriteAllLines(list, cells.Select(c => c.Key));
        var runner = new FakeCellRunner();
        var summary = new Reproduction(new ReproduceOptions
        {
            Profile = ReproductionTests.SmallProfile(), Output = dir, Progress = ProgressMode.Quiet, WorkerCells = list,
        }, runner, null, TextWriter.Null).Run();
        Assert.Equal((2, 2, (string?)null), (summary.Cells, summary.Ran, summary.ReportPath));
        Assert.Equal(cells.Select(c => c.Key), runner.Calls.Select(c => c.Cell.Key));
        Assert.False(Directory.Exists(Path.Combine(dir, Reproduction.ReportFolder)));
    }

    [Fact]
    public void WorkerProcessesRunTheSameProgramWithTheParentsSettings()
    {
        var viaHost = ProcessWorkerLauncher.Executable("/usr/lib/dotnet/dotnet", "/opt/ct/ct.dll");
        Assert.Equal("/usr/lib/dotnet/dotnet", viaHost.File);
        Assert.Equal(["/opt/ct/ct.dll"], viaHost.Prefix);
        var apphost = ProcessWorkerLauncher.Executable("/opt/ct/ct", "/opt/ct/ct.dll");
        Assert.Equal("/opt/ct/ct", apphost.File);
        Assert.Empty(apphost.Prefix);
        var options = new ReproduceOptions
        {
            Profile = Profiles.Transfer, Output = "out", WorkerCells = "out/workers/worker-1-of-2.cells", Threads = 1, Device = "cpu",
            UaeCache = "cache", IgnoreShippedUaes = true, MaxEpochs = 2, Jobs = 1,
        };
        var args = ProcessWorkerLauncher.Arguments(options);
        Assert.Equal(["reproduce", "--profile", "transfer", "--out", Path.GetFullPath("out"), "--worker-cells", Path.GetFullPath("out/workers/worker-1-of-2.cells"),
            "--threads", "1", "--device", "cpu", "--quiet", "--uae-cache", Path.GetFullPath("cache"), "--ignore-shipped", "--max-epochs", "2"], args);
        Assert.DoesNotContain("--jobs", args);
    }
}
