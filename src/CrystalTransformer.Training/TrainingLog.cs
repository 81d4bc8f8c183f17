using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>One epoch of a run's log.csv.</summary>
public sealed record LogRow(int Epoch, double LearningRate, double TrainLoss, double ValidationScore, double[] ValidationMae, bool IsBest);

/// <summary>Reads the log.csv the training loop writes (header: epoch, learning_rate, train_loss, val_score, val_mae_T..., best, seconds).</summary>
public static class TrainingLog
{
    public static (string[] Targets, IReadOnlyList<LogRow> Rows) Read(string path)
    {
        if (!File.Exists(path)) throw new InputError("no training log", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InputError("empty training log", path);
        var header = lines[0].Split(',');
        var targets = header.Where(h => h.StartsWith("val_mae_", StringComparison.Ordinal)).Select(h => h["val_mae_".Length..]).ToArray();
        int first = Array.IndexOf(header, "val_mae_" + targets.FirstOrDefault());
        int best = Array.IndexOf(header, "best");
        if (targets.Length == 0 || first < 0 || best < 0) throw new InputError("not a training log (no val_mae_* or best column)", path, 1);
        var rows = new List<LogRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (f.Length != header.Length) throw new InputError($"{f.Length} fields where the header has {header.Length}", path, i + 1);
            rows.Add(new LogRow(int.Parse(f[0], CultureInfo.InvariantCulture), Number(f[1]), Number(f[2]), Number(f[3]),
                targets.Select((_, k) => Number(f[first + k])).ToArray(), f[best] == "1"));
        }
        return (targets, rows);
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
}
