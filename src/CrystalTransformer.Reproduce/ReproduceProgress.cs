using System.Globalization;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>What the grid loop tells the user: an overall bar (cells done / total, ETA) and a bar per run.</summary>
public interface IReproduceDisplay
{
    /// <summary>Receives the training loop's progress of the current cell.</summary>
    ITrainingObserver RunObserver { get; }
    void CellStarted(int index, string description);
    void CellFinished(int index, string line, TimeSpan? remaining);
}

/// <summary>Draws the grid's progress as bars (the command line provides one; the library itself writes lines only).</summary>
public interface IReproduceBars
{
    /// <summary>Runs <paramref name="body"/> with a display of <paramref name="cells"/> cells.</summary>
    void Run(int cells, Action<IReproduceDisplay> body);
}

public static class ReproduceProgress
{
    /// <summary>
    /// Runs the grid loop under a display: nothing (quiet), one line per finished cell into <paramref name="log"/>, or the
    /// bars of <paramref name="bars"/> (lines when there are none).
    /// </summary>
    public static void Run(ProgressMode mode, TextWriter log, int cells, IReproduceBars? bars, Action<IReproduceDisplay> body)
    {
        if (mode == ProgressMode.Bar && bars is not null) bars.Run(cells, body);
        else body(new LineDisplay(mode == ProgressMode.Quiet ? TextWriter.Null : log, cells));
    }

    public static string Eta(TimeSpan? remaining) => remaining is { } r
        ? r.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)r.TotalHours} h {r.Minutes:00} min") : string.Create(CultureInfo.InvariantCulture, $"{r.Minutes} min {r.Seconds:00} s")
        : "–";

    public static string Epoch(EpochRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}/{r.Epochs}, val MAE {string.Join(" ", r.ValidationMae.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}");

    /// <summary>Notices that every run repeats (the device, a reused graph cache) are shown once per session.</summary>
    public sealed class OncePerSession
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
}
