using System.Globalization;
using Spectre.Console;

namespace CrystalTransformer.Training;

/// <summary>One finished epoch as the loop reports it (validation MAE in the targets' own units).</summary>
public sealed record EpochRecord(int Epoch, int Epochs, double LearningRate, double TrainLoss, double[] ValidationMae,
    double ValidationScore, bool IsBest, double Seconds);

/// <summary>Receives progress from the training loop.</summary>
public interface ITrainingObserver
{
    void Start(int firstEpoch, int epochs, int batchesPerEpoch);
    /// <summary>One training batch done (no device synchronisation happens for this call).</summary>
    void BatchDone();
    void EpochDone(EpochRecord record);
    void Message(string line);
}

public enum ProgressMode
{
    /// <summary>Spectre.Console bar with loss, validation MAE and ETA (interactive terminals).</summary>
    Bar,
    /// <summary>One line per epoch (logs, redirected output).</summary>
    Lines,
    /// <summary>Nothing (tests, CI).</summary>
    Quiet,
}

/// <summary>Runs a training body under the chosen kind of progress display.</summary>
public static class TrainingProgress
{
    public static ProgressMode Default(bool quiet) =>
        quiet ? ProgressMode.Quiet : Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? ProgressMode.Lines : ProgressMode.Bar;

    public static T Run<T>(ProgressMode mode, Func<ITrainingObserver, T> body)
    {
        switch (mode)
        {
            case ProgressMode.Quiet: return body(new QuietObserver());
            case ProgressMode.Lines: return body(new LineObserver(Console.Out));
            default:
                T result = default!;
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                        new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx => result = body(new BarObserver(ctx)));
                return result;
        }
    }

    internal static string Describe(EpochRecord r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch}/{r.Epochs}  loss {r.TrainLoss:0.0000}  val MAE {string.Join(" ", r.ValidationMae.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}{(r.IsBest ? " *" : "")}  lr {r.LearningRate:0.###e+0}  {r.Seconds:0.0}s");

    private sealed class QuietObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }

    private sealed class LineObserver(TextWriter output) : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { output.WriteLine(Describe(record)); output.Flush(); }
        public void Message(string line) { output.WriteLine(line); output.Flush(); }
    }

    private sealed class BarObserver(ProgressContext context) : ITrainingObserver
    {
        private ProgressTask? _task;
        private int _epochs;

        public void Start(int firstEpoch, int epochs, int batchesPerEpoch)
        {
            _epochs = epochs;
            _task = context.AddTask(Markup.Escape($"epoch {firstEpoch + 1}/{epochs}"), maxValue: Math.Max(1, (epochs - firstEpoch) * batchesPerEpoch));
        }

        public void BatchDone() => _task?.Increment(1);

        public void EpochDone(EpochRecord record)
        {
            if (_task is null) return;
            _task.Description = Markup.Escape(Describe(record));
            if (record.Epoch == _epochs) _task.Value = _task.MaxValue;
        }

        public void Message(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
    }
}
