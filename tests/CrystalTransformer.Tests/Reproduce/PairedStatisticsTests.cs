using CrystalTransformer.Reproduce.Report;

namespace CrystalTransformer.Tests.Reproduce;

public class PairedStatisticsTests
{
    [Fact]
    public void TTestMatchesTheTextbookValue()
    {
        // Differences 1, 2, 3: t = 2 / (1 / √3) = 3.464 with 2 degrees of freedom, two-sided p = 0.0742 (scipy.stats.ttest_1samp).
        Assert.Equal(0.0742, PairedStatistics.TTest([1.0, 2.0, 3.0]), 4);
        Assert.Equal(0.0742, PairedStatistics.TTest([-1.0, -2.0, -3.0]), 4);
    }

    [Fact]
    public void EqualDifferencesAreNotTestableNotCertain()
    {
        Assert.True(double.IsNaN(PairedStatistics.TTest([0.5, 0.5, 0.5])));
        Assert.True(double.IsNaN(PairedStatistics.TTest([-0.01, -0.01, -0.01, -0.01, -0.01])));
        Assert.True(double.IsNaN(PairedStatistics.TTest([0.0, 0.0, 0.0])));
        Assert.True(double.IsNaN(PairedStatistics.TTest([0.5])));
        var r = PairedStatistics.Compare(Runs(0.9, 0.9, 0.9), Runs(1.0, 1.0, 1.0));
        Assert.False(r.Testable);
        Assert.Equal("not testable (no spread)", r.Untestable);
        Assert.Equal(3, r.Better);
    }

    [Fact]
    public void HolmAdjustsAKnownVector()
    {
        // Sorted: 0.005 (×4 = 0.02), 0.01 (×3 = 0.03), 0.03 (×2 = 0.06), 0.04 (×1 = 0.04 → kept monotone at 0.06).
        var adjusted = PairedStatistics.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal(new[] { 0.03, 0.06, 0.06, 0.02 }, adjusted.Select(p => Math.Round(p, 12)));
        // Capped at 1; NaN entries are not tests and do not enlarge the family.
        var capped = PairedStatistics.Holm([0.5, double.NaN, 0.4]);
        Assert.Equal(0.8, capped[2], 12);
        Assert.Equal(0.8, capped[0], 12);
        Assert.True(double.IsNaN(capped[1]));
        Assert.Equal(new[] { 0.046 }, PairedStatistics.Holm([0.046]));
    }

    [Fact]
    public void HolmMakesTheQuickOutcomeOfTheReadmeNotSignificantAmongSixteenTests()
    {
        var p = Enumerable.Repeat(0.5, 15).Prepend(0.046).ToArray();
        Assert.Equal(16 * 0.046, PairedStatistics.Holm(p)[0], 12);
    }

    [Fact]
    public void SignCountsCountStrictlyLowerMae()
    {
        Assert.Equal((2, 4), PairedStatistics.SignCount([-1.0, 2.0, -0.5, 0.0]));
        Assert.Equal((0, 0), PairedStatistics.SignCount([]));
    }

    [Fact]
    public void RelativeChangeIsTheMeanAndSpreadOfPerSeedRatios()
    {
        var rel = PairedStatistics.RelativeChange([0.9, 1.6], [1.0, 2.0]);
        Assert.Equal(-0.15, rel.Mean, 12);
        Assert.Equal(Math.Sqrt(2 * 0.05 * 0.05), rel.Std, 12);
        Assert.Equal(2, rel.N);
    }

    [Fact]
    public void OnlySeedsBothArmsHaveArePaired()
    {
        var candidate = new Dictionary<int, SeedRun> { [0] = new(0.8, null), [1] = new(0.9, null), [2] = new(1.0, null) };
        var reference = new Dictionary<int, SeedRun> { [1] = new(1.0, null), [2] = new(1.2, null), [3] = new(1.0, null) };
        var r = PairedStatistics.Compare(candidate, reference);
        Assert.Equal([1, 2], r.Seeds);
        Assert.Equal(-0.15, r.MeanDifference, 12);
        Assert.Equal(2, r.Better);
        Assert.True(double.IsNaN(r.BootstrapLow)); // no predictions stored
    }

    [Fact]
    public void BootstrapOfOneCrystalIsThePointItself()
    {
        // Every resample is that crystal: candidate error 0.5 against 1.0 on both seeds → −50 % exactly.
        var (low, high) = PairedStatistics.BootstrapRelative([[0.5], [0.5]], [[1.0], [1.0]], 200, 1);
        Assert.Equal((-0.5, -0.5), (low, high));
    }

    [Fact]
    public void BootstrapIsDeterministicForASeedAndContainsThePointEstimate()
    {
        var rng = new Random(7);
        double[][] Errors(double scale) => Enumerable.Range(0, 3).Select(s => Enumerable.Range(0, 150).Select(_ => scale * (1 + 0.1 * s) * rng.NextDouble()).ToArray()).ToArray();
        var candidate = Errors(0.8);
        var reference = Errors(1.0);
        var a = PairedStatistics.BootstrapRelative(candidate, reference, 2000, 11);
        var b = PairedStatistics.BootstrapRelative(candidate, reference, 2000, 11);
        var other = PairedStatistics.BootstrapRelative(candidate, reference, 2000, 12);
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        double point = Enumerable.Range(0, 3).Average(s => candidate[s].Average() / reference[s].Average() - 1);
        Assert.InRange(point, a.Low, a.High);
        Assert.True(a.High - a.Low is > 0.01 and < 0.5);
    }

    [Fact]
    public void BootstrapMatchesCrystalsByIdAndKeepsOnlySharedOnes()
    {
        var c = new SeedRun(0.5, new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 0.5, ["extra"] = 9 });
        var r = new SeedRun(1.0, new Dictionary<string, double> { ["b"] = 1.0, ["a"] = 1.0 });
        var (low, high, crystals) = PairedStatistics.Bootstrap([c], [r], 100, 3);
        Assert.Equal(2, crystals);
        Assert.Equal((-0.5, -0.5), (low, high));
    }

    [Fact]
    public void QuantilesInterpolateLinearly()
    {
        Assert.Equal(2.5, PairedStatistics.Quantile([1.0, 2.0, 3.0, 4.0], 0.5));
        Assert.Equal(1.075, PairedStatistics.Quantile([1.0, 2.0, 3.0, 4.0], 0.025), 12);
    }

    private static Dictionary<int, SeedRun> Runs(params double[] maes) =>
        maes.Select((m, s) => (s, m)).ToDictionary(x => x.s, x => new SeedRun(x.m, null));
}
