namespace CrystalTransformer.Analysis;

/// <summary>Gaussian kernel density estimate with Scott's bandwidth (scipy.stats.gaussian_kde's default), for violin plots.</summary>
public static class Kde
{
    /// <summary>Density at <paramref name="points"/> evenly spaced values between the sample minimum and maximum.</summary>
    public static (double[] X, double[] Density) Evaluate(IReadOnlyList<double> sample, int points = 100)
    {
        int n = sample.Count;
        if (n == 0) return ([], []);
        double mean = sample.Average();
        double sd = Math.Sqrt(sample.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, n - 1));
        double min = sample.Min(), max = sample.Max();
        double bandwidth = sd * Math.Pow(n, -0.2);
        if (bandwidth <= 0) bandwidth = Math.Max(1e-3, Math.Abs(mean) * 1e-3);
        if (max - min <= 0) { min -= bandwidth; max += bandwidth; }
        var xs = new double[points];
        var ds = new double[points];
        // Bin the sample first so that 80,000 compounds cost no more than a few thousand kernel evaluations per point.
        const int bins = 2048;
        var counts = new double[bins];
        double width = (max - min) / (bins - 1);
        foreach (double v in sample) counts[(int)Math.Round((v - min) / width)]++;
        double norm = 1.0 / (n * bandwidth * Math.Sqrt(2 * Math.PI));
        for (int p = 0; p < points; p++)
        {
            double x = min + (max - min) * p / (points - 1), s = 0;
            for (int b = 0; b < bins; b++)
            {
                if (counts[b] == 0) continue;
                double z = (x - (min + b * width)) / bandwidth;
                if (Math.Abs(z) < 8) s += counts[b] * Math.Exp(-0.5 * z * z);
            }
            xs[p] = x;
            ds[p] = s * norm;
        }
        return (xs, ds);
    }
}
