using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// What a worker of <c>--jobs N</c> is started with: its number (1..N), the file listing its cells (one cell key per
/// line) and the options it runs them with (the parent's, with <see cref="ReproduceOptions.WorkerCells"/> set).
/// </summary>
public sealed record WorkerStart(int Index, int Count, string CellsFile, ReproduceOptions Options);

/// <summary>A running worker.</summary>
public interface IWorker : IDisposable
{
    bool HasExited { get; }
    /// <summary>Valid once <see cref="HasExited"/>.</summary>
    int ExitCode { get; }
    /// <summary>Waits until the worker has exited and its output has been read.</summary>
    void WaitForExit();
    /// <summary>The last lines the worker wrote (its error output first): why it stopped, when it did not finish.</summary>
    string OutputTail { get; }
    /// <summary>Stops the worker and everything it started.</summary>
    void Kill();
}

/// <summary>Starts the workers of <c>--jobs N</c>.</summary>
public interface IWorkerLauncher
{
    IWorker Start(WorkerStart start);
}

/// <summary>
/// Workers as processes of the same executable: <see cref="Environment.ProcessPath"/>, preceded by the entry assembly
/// when the program runs as <c>dotnet ct.dll</c>, with <c>reproduce --worker-cells FILE</c> and the parent's settings.
/// </summary>
public sealed class ProcessWorkerLauncher : IWorkerLauncher
{
    /// <summary>The <c>ct</c> command the workers run.</summary>
    public const string CommandName = "reproduce";

    public IWorker Start(WorkerStart start)
    {
        var (file, prefix) = Executable(Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown"),
            Assembly.GetEntryAssembly()?.Location);
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        foreach (var a in prefix.Concat(Arguments(start.Options))) info.ArgumentList.Add(a);
        AllocatorSettings.ApplyTo(info.Environment);
        return new ProcessWorker(Process.Start(info) ?? throw new IOException($"could not start worker {start.Index}: {file}"));
    }

    /// <summary>The program to start and the arguments before the command: the entry assembly when this process is the
    /// dotnet host running it (dotnet ct.dll), nothing when it is the program itself.</summary>
    public static (string File, IReadOnlyList<string> Prefix) Executable(string processPath, string? entryAssembly)
    {
        bool host = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return host && !string.IsNullOrEmpty(entryAssembly) ? (processPath, [entryAssembly]) : (processPath, []);
    }

    /// <summary>The worker's command line after the executable: the settings that decide its cells' numbers and where
    /// they go (paths made absolute), its cell list, and no progress output.</summary>
    public static IReadOnlyList<string> Arguments(ReproduceOptions o)
    {
        if (o.WorkerCells is null) throw new ArgumentException("a worker needs its cell list", nameof(o));
        var args = new List<string>
        {
            CommandName, "--profile", o.Profile.Name, "--out", Path.GetFullPath(o.Output), "--worker-cells", Path.GetFullPath(o.WorkerCells),
            "--threads", o.Threads.ToString(CultureInfo.InvariantCulture), "--device", o.Device, "--quiet",
        };
        if (o.UaeCache is { } cache) args.AddRange(["--uae-cache", Path.GetFullPath(cache)]);
        if (o.IgnoreShippedUaes) args.Add("--ignore-shipped");
        if (o.MaxEpochs is int max) args.AddRange(["--max-epochs", max.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }

    /// <summary>A worker process; its output is read as it comes (a full pipe would stall it) and the last lines kept.</summary>
    private sealed class ProcessWorker : IWorker
    {
        private const int TailLines = 20;
        private readonly Process _process;
        private readonly Queue<string> _errors = new(), _output = new();

        public ProcessWorker(Process process)
        {
            _process = process;
            _process.StandardInput.Close();
            _process.ErrorDataReceived += (_, e) => Keep(_errors, e.Data);
            _process.OutputDataReceived += (_, e) => Keep(_output, e.Data);
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        private static void Keep(Queue<string> lines, string? line)
        {
            if (string.IsNullOrWhiteSpace(line)) return;
            lock (lines)
            {
                lines.Enqueue(line.Trim());
                while (lines.Count > TailLines) lines.Dequeue();
            }
        }

        public bool HasExited => _process.HasExited;
        public int ExitCode => _process.ExitCode;
        public void WaitForExit() => _process.WaitForExit();

        public string OutputTail
        {
            get
            {
                string Join(Queue<string> q) { lock (q) return string.Join(" | ", q.TakeLast(3)); }
                string errors = Join(_errors);
                return errors.Length > 0 ? errors : Join(_output);
            }
        }

        public void Kill()
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // exited meanwhile
        }

        public void Dispose() => _process.Dispose();
    }
}
