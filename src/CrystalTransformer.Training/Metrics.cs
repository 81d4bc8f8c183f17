namespace CrystalTransformer.Training;

/// <summary>Regression metrics of one target over a whole set (rows without a label are skipped).</summary>
public sealed record TargetMetrics(int Count, double Mae, double Rmse, double R2)
{
    /// <summary>MAE, RMSE and R² = 1 − SSE/SST computed over every labelled row at once (never averaged over batches).</summary>
    public static TargetMetrics Compute(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        int n = 0;
        double sumAbs = 0, sumSq = 0, sum = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (double.IsNaN(truth[i])) continue;
            double e = predicted[i] - truth[i];
            sumAbs += Math.Abs(e); sumSq += e * e; sum += truth[i]; n++;
        }
        if (n == 0) return new TargetMetrics(0, double.NaN, double.NaN, double.NaN);
        double mean = sum / n, sst = 0;
        for (int i = 0; i < truth.Count; i++)
            if (!double.IsNaN(truth[i])) sst += (truth[i] - mean) * (truth[i] - mean);
        return new TargetMetrics(n, sumAbs / n, Math.Sqrt(sumSq / n), sst > 0 ? 1 - sumSq / sst : double.NaN);
    }
}
