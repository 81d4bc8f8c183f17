using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>
/// Standardisation of each target with the mean and standard deviation of its labelled training rows; stored in the
/// model file so predictions come back in the original units.
/// </summary>
public sealed record TargetScaler(double[] Mean, double[] Std)
{
    public int Count => Mean.Length;

    /// <summary>
    /// Checks the labels and fits the scaler on the training split. NaN means "missing" and is masked in the loss;
    /// ±Inf and |value| above <see cref="MaxLabel"/> are errors naming every such row; a target without any labelled training
    /// row is an error.
    /// </summary>
    public static TargetScaler Fit(LabelledData data)
    {
        int targets = data.Targets.Count;
        for (int t = 0; t < targets; t++)
        {
            var infinite = Enumerable.Range(0, data.Entries.Count).Where(i => double.IsInfinity(data.Labels[i][t])).ToArray();
            if (infinite.Length > 0)
                throw new InputError($"target '{data.Targets[t]}' is infinite in {infinite.Length} row(s): {RowList(data, infinite)}", data.Source);
            var huge = Enumerable.Range(0, data.Entries.Count).Where(i => Math.Abs(data.Labels[i][t]) > MaxLabel).ToArray();
            if (huge.Length > 0)
                throw new InputError($"target '{data.Targets[t]}' exceeds ±1e100 in {huge.Length} row(s): {RowList(data, huge)} (rescale the target: squares of such values overflow)", data.Source);
        }
        var mean = new double[targets];
        var std = new double[targets];
        var train = data.IndicesOf(Split.Train);
        if (train.Length == 0) throw new InputError("the training split is empty", data.Source);
        for (int t = 0; t < targets; t++)
        {
            var values = train.Select(i => data.Labels[i][t]).Where(v => !double.IsNaN(v)).ToArray();
            if (values.Length == 0)
                throw new InputError($"target '{data.Targets[t]}' has no value in any of the {train.Length} training rows (e.g. rows {RowList(data, train)})", data.Source);
            mean[t] = values.Average();
            double variance = values.Sum(v => (v - mean[t]) * (v - mean[t])) / Math.Max(1, values.Length - 1);
            // A constant target still trains (on zeros); dividing by 0 would not.
            std[t] = variance > 0 ? Math.Sqrt(variance) : 1.0;
        }
        return new TargetScaler(mean, std);
    }

    /// <summary>Largest |label| accepted: squares and sums of squares of such values stay finite in every metric.</summary>
    public const double MaxLabel = 1e100;

    private static string RowList(LabelledData data, int[] indices)
    {
        var shown = indices.Take(10).Select(i => data.Rows[i].ToString(CultureInfo.InvariantCulture));
        return string.Join(", ", shown) + (indices.Length > 10 ? $", … ({indices.Length - 10} more)" : "");
    }

    public float Standardize(double value, int target) => (float)((value - Mean[target]) / Std[target]);

    public double Restore(double standardized, int target) => standardized * Std[target] + Mean[target];
}
