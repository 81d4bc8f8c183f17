namespace CrystalTransformer.Models;

/// <summary>
/// Train-time coordinate augmentation of the front-end: each of translation, rotation, reflection and noise is applied
/// to a sample with its own probability, with fresh draws every epoch (the loop seeds the generator per epoch).
/// </summary>
public static class Augmentation
{
    /// <summary>
    /// Augments the Cartesian coordinates (x0,y0,z0,x1,...) of one crystal in place, in the order translation, rotation,
    /// reflection, noise. Returns true when noise was drawn, so the caller adds the same noise level to the one-hot features.
    /// </summary>
    public static bool Apply(Span<float> xyz, AugmentationConfig config, Random rng)
    {
        if (rng.NextDouble() < config.TranslationProbability)
        {
            double m = config.MaxTranslation;
            float tx = (float)((2 * rng.NextDouble() - 1) * m), ty = (float)((2 * rng.NextDouble() - 1) * m), tz = (float)((2 * rng.NextDouble() - 1) * m);
            for (int i = 0; i < xyz.Length; i += 3) { xyz[i] += tx; xyz[i + 1] += ty; xyz[i + 2] += tz; }
        }
        if (rng.NextDouble() < config.RotationProbability) Transform(xyz, RandomRotation(rng));
        if (rng.NextDouble() < config.ReflectionProbability) Transform(xyz, RandomReflection(rng));
        bool noise = rng.NextDouble() < config.NoiseProbability;
        if (noise)
            for (int i = 0; i < xyz.Length; i++) xyz[i] += (float)(config.NoiseSigma * Gaussian(rng));
        return noise;
    }

    /// <summary>A rotation drawn uniformly from SO(3) (unit quaternion from four Gaussians): orthogonal, det +1.</summary>
    public static double[,] RandomRotation(Random rng)
    {
        double w, x, y, z, n;
        do
        {
            w = Gaussian(rng); x = Gaussian(rng); y = Gaussian(rng); z = Gaussian(rng);
            n = Math.Sqrt(w * w + x * x + y * y + z * z);
        } while (n < 1e-12);
        w /= n; x /= n; y /= n; z /= n;
        return new[,]
        {
            { 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y) },
            { 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x) },
            { 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y) },
        };
    }

    /// <summary>Reflection through the plane normal to a uniformly random axis n: I − 2nnᵀ (orthogonal, det −1).</summary>
    public static double[,] RandomReflection(Random rng)
    {
        double x, y, z, n;
        do
        {
            x = Gaussian(rng); y = Gaussian(rng); z = Gaussian(rng);
            n = Math.Sqrt(x * x + y * y + z * z);
        } while (n < 1e-12);
        double[] a = [x / n, y / n, z / n];
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                m[i, j] = (i == j ? 1 : 0) - 2 * a[i] * a[j];
        return m;
    }

    /// <summary>Standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void Transform(Span<float> xyz, double[,] m)
    {
        for (int i = 0; i < xyz.Length; i += 3)
        {
            double x = xyz[i], y = xyz[i + 1], z = xyz[i + 2];
            xyz[i] = (float)(m[0, 0] * x + m[0, 1] * y + m[0, 2] * z);
            xyz[i + 1] = (float)(m[1, 0] * x + m[1, 1] * y + m[1, 2] * z);
            xyz[i + 2] = (float)(m[2, 0] * x + m[2, 1] * y + m[2, 2] * z);
        }
    }
}
