using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli;

/// <summary>Draws RUN_DIR/curve.png and curve.svg from the run's log.csv at the end of <c>ct train</c> and <c>ct pretrain</c>.</summary>
public static class TrainingCurveFile
{
    public const string Name = "curve";

    public static void Write(string runDirectory)
    {
        var (targets, rows) = TrainingLog.Read(Path.Combine(runDirectory, Trainer.LogFile));
        if (rows.Count == 0) return;
        Figures.Initialize();
        int best = rows.LastOrDefault(r => r.IsBest)?.Epoch ?? rows[^1].Epoch;
        var validation = targets.Select((t, k) => (t, (IReadOnlyList<double>)rows.Select(r => r.ValidationMae[k]).ToArray())).ToArray();
        var plot = Figures.TrainingCurve($"{Path.GetFileName(Path.GetFullPath(runDirectory))}: training curve", rows.Select(r => r.Epoch).ToArray(),
            validation, rows.Select(r => r.TrainLoss).ToArray(), best);
        FigureWriter.Save(plot, runDirectory, Name, "training curve", 900, 560);
    }
}
