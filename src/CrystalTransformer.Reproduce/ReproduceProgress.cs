using System.Globalization;
using CrystalTransformer.Training;
using Spectre.Console;

namespace CrystalTransformer.Reproduce;

/// <summary>What the grid loop tells the user: an overall bar (cells done / total, ETA) and a bar per run.</summary>
public interface IReproduceDisplay
{
    /// <summary>Receives the training loop's progress of the current cell.</summary>
    ITrainingObserver RunObserver { get; }
    void CellStarted(int index, string description);
    void CellFinished(int index, string line, TimeSpan? remaining);
}

public static class ReproduceProgress
{
    public static void Run(ProgressMode mode, TextWriter log, int cells, Action<IReproduceDisplay> body)
    {
        switch (mode)
        {
            case ProgressMode.Quiet: body(new LineDisplay(TextWriter.Null, cells)); break;
            case ProgressMode.Lines: body(new LineDisplay(log, cells)); break;
            default:
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .HideCompleted(true)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                        new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx => body(new BarDisplay(ctx, cells)));
                break;
        }
    }

    public static string Eta(TimeSpan? remaining) => remaining is { } r
        ? r.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)r.TotalHours} h {r.Minutes:00} min") : string.Create(CultureInfo.InvariantCulture, $"{r.Minutes} min {r.Seconds:00} s")
        : "–";

    private static string Epoch(EpochRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}/{r.Epochs}, val MAE {string.Join(" ", r.ValidationMae.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}");

    /// <summary>Notices that every run repeats (the device, a reused graph cache) are shown once per session.</summary>
    private sealed class OncePerSession
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        public bool First(string line) { lock (_seen) return _seen.Add(line); }
    }

    private sealed class LineDisplay(TextWriter log, int cells) : IReproduceDisplay, ITrainingObserver
    {
        private readonly OncePerSession _once = new();
        public ITrainingObserver RunObserver => this;
        public void CellStarted(int index, string description) { }
        public void CellFinished(int index, string line, TimeSpan? remaining)
        {
            log.WriteLine($"[{index + 1}/{cells}] {line}; ETA {Eta(remaining)}");
            log.Flush();
        }
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line)
        {
            if (!_once.First(line)) return;
            log.WriteLine(line);
            log.Flush();
        }
    }

    private sealed class BarDisplay : IReproduceDisplay, ITrainingObserver
    {
        private readonly ProgressContext _context;
        private readonly ProgressTask _overall;
        private readonly int _cells;
        private ProgressTask? _run;
        private string _cell = "";
        private readonly OncePerSession _once = new();

        public BarDisplay(ProgressContext context, int cells)
        {
            _context = context;
            _cells = cells;
            _overall = context.AddTask(Markup.Escape($"cells 0/{cells}"), maxValue: Math.Max(1, cells));
        }

        public ITrainingObserver RunObserver => this;

        public void CellStarted(int index, string description)
        {
            _cell = description;
            _run = _context.AddTask(Markup.Escape($"  {description}: preparing"), maxValue: 1);
        }

        public void CellFinished(int index, string line, TimeSpan? remaining)
        {
            if (_run is not null) { _run.Value = _run.MaxValue; _run.StopTask(); }
            _overall.Increment(1);
            _overall.Description = Markup.Escape($"cells {index + 1}/{_cells}, ETA {Eta(remaining)}");
            AnsiConsole.MarkupLine(Markup.Escape(line));
        }

        public void Start(int firstEpoch, int epochs, int batchesPerEpoch)
        {
            if (_run is null) return;
            _run.MaxValue = Math.Max(1, (epochs - firstEpoch) * batchesPerEpoch);
            _run.Value = 0;
            _run.Description = Markup.Escape($"  {_cell}: epoch {firstEpoch + 1}/{epochs}");
        }

        public void BatchDone() => _run?.Increment(1);

        public void EpochDone(EpochRecord record)
        {
            if (_run is not null) _run.Description = Markup.Escape($"  {_cell}: {Epoch(record)}");
        }

        public void Message(string line)
        {
            if (_once.First(line)) AnsiConsole.MarkupLine(Markup.Escape(line));
        }
    }
}
