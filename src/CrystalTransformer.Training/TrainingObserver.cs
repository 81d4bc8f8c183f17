namespace CrystalTransformer.Training;

/// <summary>One finished epoch as the loop reports it (validation MAE in the targets' own units).</summary>
public sealed record EpochRecord(int Epoch, int Epochs, double LearningRate, double TrainLoss, double[] ValidationMae,
    double ValidationScore, bool IsBest, double Seconds);

/// <summary>
/// Receives progress from the training loop. The libraries report through it and never draw anything; the command line
/// renders it (a bar on a terminal, lines in logs, nothing when quiet).
/// </summary>
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
    /// <summary>A progress bar with loss, validation MAE and ETA (interactive terminals; drawn by the command line).</summary>
    Bar,
    /// <summary>One line per epoch (logs, redirected output).</summary>
    Lines,
    /// <summary>Nothing (tests, CI).</summary>
    Quiet,
}

/// <summary>An observer that ignores everything (quiet runs, callers that show no progress).</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    public static readonly NullTrainingObserver Instance = new();
    public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
    public void BatchDone() { }
    public void EpochDone(EpochRecord record) { }
    public void Message(string line) { }
}
