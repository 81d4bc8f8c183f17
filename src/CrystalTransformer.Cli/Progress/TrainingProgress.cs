using System.Globalization;
using CrystalTransformer.Training;
using Spectre.Console;

namespace CrystalTransformer.Cli;

/// <summary>Runs a training body under the chosen kind of progress display (the libraries report through <see cref="ITrainingObserver"/>).</summary>
public static class TrainingProgress
{
    public static ProgressMode Default(bool quiet) =>
        quiet ? ProgressMode.Quiet : Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? ProgressMode.Lines : ProgressMode.Bar;

    public static T Run<T>(ProgressMode mode, Func<ITrainingObserver, T> body) => Run(mode, Console.Out, body);

    /// <summary>Runs <paramref name="body"/> with progress as a bar on the terminal, as lines into <paramref name="lines"/>, or not at all.</summary>
    public static T Run<T>(ProgressMode mode, TextWriter lines, Func<ITrainingObserver, T> body)
    {
        switch (mode)
        {
            case ProgressMode.Quiet: return body(NullTrainingObserver.Instance);
            case ProgressMode.Lines: return body(new LineObserver(lines));
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

    /// <summary>
    /// Pretrains (the Training layer's <see cref="Pretraining.Run"/>) under the progress display and draws the run's curve:
    /// what <c>ct pretrain</c> does, and <c>ct reproduce</c> when a grid needs a ct-UAE.
    /// </summary>
    public static TrainingResult Pretrain(PretrainSpec spec, int threads, string device, bool resume, ProgressMode progress)
    {
        var result = Run(progress, observer => Pretraining.Run(spec, threads, device, resume, observer));
        TrainingCurveFile.Write(spec.Directory);
        return result;
    }

    public static string Describe(EpochRecord r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch}/{r.Epochs}  loss {r.TrainLoss:0.0000}  val MAE {string.Join(" ", r.ValidationMae.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}{(r.IsBest ? " *" : "")}  lr {r.LearningRate:0.###e+0}  {r.Seconds:0.0}s");

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
