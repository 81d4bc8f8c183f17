using CrystalTransformer.Analysis;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Analysis;

public class ClusteringAndStatisticsTests
{
    private static double[,] Blobs(int perBlob, int blobs, int dim, double separation, int seed)
    {
        var rng = new SeededRandom(seed);
        var x = new double[perBlob * blobs, dim];
        for (int i = 0; i < perBlob * blobs; i++)
            for (int j = 0; j < dim; j++) x[i, j] = rng.NextGaussian() + (j == (i / perBlob) % dim ? separation : 0);
        return x;
    }

    [Fact]
    public void ScanChoosesTheNumberOfSeparatedBlobsAndNumbersClustersInOrder()
    {
        var x = Blobs(20, 3, 4, 12, seed: 2);
        var choice = ClusterScan.Run(x, seeds: 3);
        Assert.Equal(3, choice.SilhouetteK);
        Assert.Equal(3, choice.ElbowK);
        Assert.Equal(3, choice.ChosenK);
        Assert.Equal(Enumerable.Repeat(1, 20).Concat(Enumerable.Repeat(2, 20)).Concat(Enumerable.Repeat(3, 20)), choice.Labels);
        Assert.Equal(9 * 3, choice.Rows.Count);
        var forced = ClusterScan.Run(x, seeds: 1, forcedK: 5);
        Assert.Equal(5, forced.ChosenK);
        Assert.True(forced.Forced);
    }

    [Fact]
    public void ElbowIsThePointFarthestBelowTheChord()
    {
        Assert.Equal(4, ClusterScan.Elbow([2, 3, 4, 5, 6, 7], [100, 60, 20, 17, 15, 14]));
        Assert.Equal([1, 1, 2, 3, 2], ClusterScan.Canonical([7, 7, 0, 4, 0]));
    }

    [Fact]
    public void KMeansIsDeterministicPerSeedAndNeverWorseThanOneRestart()
    {
        var x = Blobs(15, 4, 3, 3, seed: 5);
        var a = KMeans.Fit(x, 4, seed: 1);
        var b = KMeans.Fit(x, 4, seed: 1);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Inertia, b.Inertia);
        Assert.True(a.Inertia <= KMeans.Fit(x, 4, seed: 1, nInit: 1).Inertia);
        Assert.Equal(a.Inertia, KMeans.Inertia(x, a.Labels, a.Centers), 9);
    }

    [Fact]
    public void KernelDensityIntegratesToAboutOne()
    {
        var rng = new SeededRandom(3);
        var sample = Enumerable.Range(0, 5000).Select(_ => rng.NextGaussian() * 2 + 1).ToArray();
        var (xs, d) = Kde.Evaluate(sample, 400);
        double integral = 0;
        for (int i = 1; i < xs.Length; i++) integral += (xs[i] - xs[i - 1]) * (d[i] + d[i - 1]) / 2;
        Assert.InRange(integral, 0.95, 1.0);
        Assert.InRange(xs[Array.IndexOf(d, d.Max())], 0.5, 1.5);
    }

    [Fact]
    public void MantelSeesSharedStructureAndNotIndependentNoise()
    {
        var x = Blobs(10, 3, 5, 4, seed: 7);
        var y = new double[x.GetLength(0), 5];
        var rng = new SeededRandom(8);
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < 5; j++) y[i, j] = 2 * x[i, (j + 1) % 5] + 0.1 * rng.NextGaussian();
        var noise = new double[x.GetLength(0), 5];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < 5; j++) noise[i, j] = rng.NextGaussian();
        var same = Mantel.Test(Matrices.Distances(x), Matrices.Distances(y), 199, seed: 1);
        var none = Mantel.Test(Matrices.Distances(x), Matrices.Distances(noise), 199, seed: 1);
        Assert.True(same.R > 0.9);
        Assert.Equal(1.0 / 200, same.PValue);
        Assert.True(Math.Abs(none.R) < 0.3);
        Assert.True(none.PValue > 0.01);
        Assert.Equal(same, Mantel.Test(Matrices.Distances(x), Matrices.Distances(y), 199, seed: 1));
        Assert.Equal(Correlation.Pearson(Upper(Matrices.Distances(x)), Upper(Matrices.Distances(y))), same.R, 12);
    }

    private static double[] Upper(double[,] d)
    {
        var list = new List<double>();
        for (int i = 0; i < d.GetLength(0); i++)
            for (int j = i + 1; j < d.GetLength(0); j++) list.Add(d[i, j]);
        return list.ToArray();
    }

    [Fact]
    public void RidgeRecoversALinearPropertyAndSharedFoldsEqualSeparateRuns()
    {
        var rng = new SeededRandom(4);
        var x = new double[60, 8];
        for (int i = 0; i < 60; i++)
            for (int j = 0; j < 8; j++) x[i, j] = rng.NextGaussian();
        var y1 = Enumerable.Range(0, 60).Select(i => 3 * x[i, 0] - 2 * x[i, 3] + 5).ToArray();
        var y2 = Enumerable.Range(0, 60).Select(i => rng.NextGaussian()).ToArray();
        var both = RidgeCv.CrossValidate(x, [y1, y2], folds: 10);
        Assert.True(both[0].R2 > 0.999);
        Assert.True(both[1].R2 < 0.2);
        var alone = RidgeCv.CrossValidate(x, y2, folds: 10);
        Assert.Equal(alone.Predictions, both[1].Predictions);
        Assert.Equal(alone.ChosenAlphas, both[1].ChosenAlphas);
    }

    [Fact]
    public void CorrelationsIgnoreMissingPairs()
    {
        double nan = double.NaN;
        Assert.Equal(1.0, Correlation.Pearson([1, 2, nan, 4, 5], [2, 4, 100, 8, 10]), 12);
        Assert.Equal(-1.0, Correlation.Spearman([1, 2, 3, 4, nan], [9, 7, 5, 1, 0]), 12);
        Assert.Equal(4, Correlation.CompleteCount([1, 2, nan, 4, 5], [2, 4, 100, 8, 10]));
        Assert.True(double.IsNaN(Correlation.Pearson([1, 1, 1], [1, 2, 3])));
        Assert.Equal([1.5, 1.5, 3, 4.5, 4.5], Correlation.Ranks([2, 2, 5, 7, 7]));
    }
}
