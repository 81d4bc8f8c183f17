using CrystalTransformer.Models;
using CrystalTransformer.Tests.Training;
using FsCheck.Xunit;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

[Collection("torch")]
public class AugmentationTests
{
    private static double Det(double[,] m) =>
        m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);

    private static void AssertOrthogonal(double[,] m)
    {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double dot = 0;
                for (int k = 0; k < 3; k++) dot += m[k, i] * m[k, j];
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 10);
            }
    }

    [Property(MaxTest = 200)]
    public void RotationsAreProperOrthogonal(int seed)
    {
        var r = Augmentation.RandomRotation(new Random(seed));
        AssertOrthogonal(r);
        Assert.Equal(1.0, Det(r), 10);
    }

    [Property(MaxTest = 200)]
    public void ReflectionsAreImproperOrthogonalAndInvolutions(int seed)
    {
        var m = Augmentation.RandomReflection(new Random(seed));
        AssertOrthogonal(m);
        Assert.Equal(-1.0, Det(m), 10);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double sq = 0;
                for (int k = 0; k < 3; k++) sq += m[i, k] * m[k, j];
                Assert.Equal(i == j ? 1.0 : 0.0, sq, 10); // reflecting twice is the identity
            }
    }

    [Fact]
    public void RotationsCoverSO3Uniformly()
    {
        // For a uniform rotation the image of the x axis is uniform on the sphere: its mean is ~0 and E[x²] = 1/3.
        var rng = new Random(9);
        double mean = 0, square = 0;
        const int n = 20000;
        for (int i = 0; i < n; i++) { var r = Augmentation.RandomRotation(rng); mean += r[2, 0]; square += r[2, 0] * r[2, 0]; }
        Assert.InRange(mean / n, -0.02, 0.02);
        Assert.InRange(square / n, 0.32, 0.347);
    }

    [Property(MaxTest = 100)]
    public void RigidAugmentationsKeepDistances(int seed)
    {
        var rng = new Random(seed);
        float[] xyz = [0, 0, 0, 1.5f, 2, -1, 3, 0.5f, 2.5f];
        var copy = (float[])xyz.Clone();
        var rigid = new AugmentationConfig { TranslationProbability = 1, RotationProbability = 1, ReflectionProbability = 1, NoiseProbability = 0 };
        Augmentation.Apply(xyz, rigid, rng);
        double dist(float[] p, int a, int b) => Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(p[3 * a + k] - p[3 * b + k], 2)));
        Assert.Equal(dist(copy, 0, 1), dist(xyz, 0, 1), 4);
        Assert.Equal(dist(copy, 1, 2), dist(xyz, 1, 2), 4);
        Assert.NotEqual(copy, xyz);
    }

    [Fact]
    public void EvaluationBatchesAreNeverAugmented()
    {
        var data = TinyData.Structures(count: 10);
        var always = new AugmentationConfig { TranslationProbability = 1, RotationProbability = 1, ReflectionProbability = 1, NoiseProbability = 1 };
        using var model = new CrystalTransformerModel(TinyData.TinyModel() with { Augmentation = always }, 2);
        var samples = model.FeaturizeAll(data.Entries);
        var original = samples.Select(s => ((TokenSample)s).Inputs.ToArray()).ToArray();
        using var eval = (TokenBatch)model.Collate(samples, CPU, augmentation: null);
        using var train = (TokenBatch)model.Collate(samples, CPU, augmentation: new Random(1));
        var first = (TokenSample)samples[0];
        var evalCoords = eval.Inputs[0, ..first.Size, ..].contiguous().data<float>().ToArray();
        Assert.Equal(first.Inputs, evalCoords);
        Assert.True(eval.OneHot.sum().item<float>() == samples.Sum(s => s.Size)); // exact one-hot, no noise
        Assert.False(train.Inputs.eq(eval.Inputs).all().item<bool>());
        // Augmenting a batch never changes the stored samples either.
        Assert.Equal(original, samples.Select(s => ((TokenSample)s).Inputs.ToArray()).ToArray());
    }
}
