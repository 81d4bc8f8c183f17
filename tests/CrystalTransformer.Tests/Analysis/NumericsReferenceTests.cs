using CrystalTransformer.Analysis.Numerics;

namespace CrystalTransformer.Tests.Analysis;

/// <summary>The numerics agree with scikit-learn / scipy on fixed inputs (Fixtures/analysis/reference.json).</summary>
public class NumericsReferenceTests
{
    [Fact]
    public void PcaEqualsScikitLearn()
    {
        var r = Reference.Get("pca");
        var pca = Pca.Fit(r.Matrix("x"), 3);
        var scores = r.Matrix("scores");
        var components = r.Matrix("components");
        var ratio = r.Vector("explained_variance_ratio");
        var variance = r.Vector("explained_variance");
        for (int c = 0; c < 3; c++)
        {
            // Same sign convention (svd_flip); compare up to sign anyway, as only the direction is defined.
            double sign = Math.Sign(pca.Components[c, 0]) * Math.Sign(components[c, 0]);
            for (int i = 0; i < scores.GetLength(0); i++) Assert.Equal(scores[i, c], sign * pca.Scores[i, c], 9);
            for (int j = 0; j < components.GetLength(1); j++) Assert.Equal(components[c, j], sign * pca.Components[c, j], 9);
            Assert.Equal(ratio[c], pca.ExplainedVarianceRatio[c], 12);
            Assert.Equal(variance[c], pca.ExplainedVariance[c], 9);
        }
    }

    [Fact]
    public void KMeansFromFixedCentresEqualsScikitLearn()
    {
        var r = Reference.Get("kmeans_fixed_init");
        var result = KMeans.Lloyd(r.Matrix("x"), r.Matrix("init"));
        Assert.Equal(r.Ints("labels"), result.Labels);
        Assert.Equal(r.Number("inertia"), result.Inertia, 9);
        var centers = r.Matrix("centers");
        for (int c = 0; c < centers.GetLength(0); c++)
            for (int j = 0; j < centers.GetLength(1); j++) Assert.Equal(centers[c, j], result.Centers[c, j], 9);
    }

    [Fact]
    public void KMeansPlusPlusWithRestartsFindsScikitLearnsOptimumAndSilhouette()
    {
        var r = Reference.Get("kmeans_blobs");
        var x = r.Matrix("x");
        for (int seed = 0; seed < 5; seed++)
        {
            var result = KMeans.Fit(x, 3, seed);
            Assert.Equal(r.Number("inertia"), result.Inertia, 8);
            Assert.Equal(r.Number("silhouette"), Silhouette.Score(x, result.Labels), 12);
        }
    }

    [Fact]
    public void SilhouetteEqualsScikitLearnIncludingSingletons()
    {
        var r = Reference.Get("silhouette");
        Assert.Equal(r.Number("score"), Silhouette.Score(r.Matrix("x"), r.Ints("labels")), 12);
    }

    [Fact]
    public void TrustworthinessEqualsScikitLearn()
    {
        var r = Reference.Get("trustworthiness");
        var x = r.Matrix("x");
        Assert.Equal(r.Number("t_pca_5"), Trustworthiness.Compute(x, r.Matrix("map_pca"), 5), 12);
        Assert.Equal(r.Number("t_noisy_5"), Trustworthiness.Compute(x, r.Matrix("map_noisy"), 5), 12);
        Assert.Equal(r.Number("t_noisy_3"), Trustworthiness.Compute(x, r.Matrix("map_noisy"), 3), 12);
    }

    [Theory]
    [InlineData("ridge_tall")]
    [InlineData("ridge_wide")]
    [InlineData("ridge_noise")]
    public void RidgeCrossValidationEqualsScikitLearn(string name)
    {
        var r = Reference.Get(name);
        var alphas = Reference.Get("ridge_alphas").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(RidgeCv.DefaultAlphas.ToArray(), alphas, (p, q) => Math.Abs(p - q) <= 1e-12 * q);
        var result = RidgeCv.CrossValidate(r.Matrix("x"), r.Vector("y"), folds: 10);
        var expected = r.Vector("predictions");
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result.Predictions[i], 8);
        Assert.Equal(r.Number("r2"), result.R2, 9);
        Assert.Equal(r.Number("mae"), result.Mae, 9);
    }

    [Fact]
    public void UmapCurveParametersEqualScipyCurveFit()
    {
        foreach (var c in Reference.Get("umap_ab").EnumerateArray())
        {
            var (a, b) = Umap.FindAbParams(c.Number("spread"), c.Number("min_dist"));
            Assert.Equal(c.Number("a"), a, 4);
            Assert.Equal(c.Number("b"), b, 4);
        }
    }

    [Fact]
    public void PearsonAndSpearmanWithTiesEqualScipy()
    {
        var r = Reference.Get("correlation");
        Assert.Equal(r.Number("pearson"), Correlation.Pearson(r.Vector("x"), r.Vector("y")), 12);
        Assert.Equal(r.Number("spearman"), Correlation.Spearman(r.Vector("x"), r.Vector("y")), 12);
    }
}
