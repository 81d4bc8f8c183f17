using CrystalTransformer.Reproduce;
using CrystalTransformer.Training;
using Spectre.Console;

namespace CrystalTransformer.Cli;

/// <summary>The bars of <c>ct reproduce</c> on a terminal: cells done / total with an ETA, and a bar per run.</summary>
public sealed class ReproduceBars : IReproduceBars
{
    public void Run(int cells, Action<IReproduceDisplay> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => body(new BarDisplay(ctx, cells)));

    private sealed class BarDisplay : IReproduceDisplay, ITrainingObserver
    {
        private readonly ProgressContext _context;
        private readonly ProgressTask _overall;
        private readonly int _cells;
        private ProgressTask? _run;
        private string _cell = "";
        private readonly ReproduceProgress.OncePerSession _once = new();

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
            _overall.Description = Markup.Escape($"cells {index + 1}/{_cells}, ETA {ReproduceProgress.Eta(remaining)}");
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
            if (_run is not null) _run.Description = Markup.Escape($"  {_cell}: {ReproduceProgress.Epoch(record)}");
        }

        public void Message(string line)
        {
            if (_once.First(line)) AnsiConsole.MarkupLine(Markup.Escape(line));
        }
    }
}
