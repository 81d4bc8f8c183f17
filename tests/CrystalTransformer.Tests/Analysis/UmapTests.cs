using System.Diagnostics;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.IO.ElementTables;
using Xunit.Abstractions;

namespace CrystalTransformer.Tests.Analysis;

public class UmapTests(ITestOutputHelper output)
{
    private static double[,] Standardized(string table)
    {
        var t = ElementTableIO.Load(table);
        return Matrices.Standardize(t.Matrix(t.Trained));
    }

    [Fact]
    public void SameSeedGivesTheSameMapAndAnotherSeedAnotherMap()
    {
        var x = Standardized("megnet16");
        var a = Umap.Embed(x, new UmapOptions { Seed = 3 });
        var b = Umap.Embed(x, new UmapOptions { Seed = 3 });
        var c = Umap.Embed(x, new UmapOptions { Seed = 4 });
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("megnet16")]
    [InlineData("mat2vec")]
    [InlineData("magpie_sc")]
    [InlineData("cgcnn92")]
    public void MapIsAtLeastAsTrustworthyAsPca(string table)
    {
        var x = Standardized(table);
        var sw = Stopwatch.StartNew();
        var umap = Umap.Run(x, new UmapOptions { Seed = 0 });
        long ms = sw.ElapsedMilliseconds;
        double tu = Trustworthiness.Compute(x, umap.Embedding, 5);
        double tp = Trustworthiness.Compute(x, Pca.Fit(x, 2).Scores, 5);
        output.WriteLine($"{table}: UMAP {tu:F4} ({umap.InitUsed}, {umap.Edges} edges, {ms} ms), PCA {tp:F4}");
        Assert.True(tu >= tp, $"UMAP trustworthiness {tu:F4} < PCA {tp:F4}");
    }

    [Fact]
    public void SeparatedClustersStaySeparatedAndDisconnectedGraphsFallBackToPca()
    {
        // Three far-apart blobs: the k-NN graph falls apart into three components.
        var rng = new CrystalTransformer.Structures.SeededRandom(1);
        var x = new double[90, 6];
        for (int i = 0; i < 90; i++)
            for (int j = 0; j < 6; j++) x[i, j] = rng.NextGaussian() + (j == i / 30 ? 100 : 0);
        var result = Umap.Run(x, new UmapOptions { Seed = 0 });
        Assert.Equal(3, result.GraphComponents);
        Assert.Equal(UmapInit.Pca, result.InitUsed);
        var labels = KMeans.Fit(result.Embedding, 3, seed: 0).Labels;
        for (int blob = 0; blob < 3; blob++)
            Assert.Single(labels.Skip(30 * blob).Take(30).Distinct());
        Assert.True(Trustworthiness.Compute(x, result.Embedding, 5) > 0.9);
    }

    [Fact]
    public void SmoothKnnDistancesHitTheTargetCardinality()
    {
        var x = Standardized("megnet16");
        var (index, dist) = Umap.NearestNeighbours(x, 15);
        var (sigma, rho) = Umap.SmoothKnnDistances(dist, 15);
        for (int i = 0; i < x.GetLength(0); i++)
        {
            Assert.Equal(i, index[i, 0]);
            Assert.Equal(dist[i, 1], rho[i]);
            double psum = 0;
            for (int j = 1; j < 15; j++) psum += Math.Exp(-Math.Max(0, dist[i, j] - rho[i]) / sigma[i]);
            Assert.Equal(Math.Log2(15), psum, 4);
        }
    }
}

public class TsneTests
{
    [Fact]
    public void ExactTsneOnMegnet16IsAsGoodAsScikitLearns()
    {
        // scikit-learn's map is not bit-identical (float32, randomized PCA init), so compare what the map achieves.
        var r = Reference.Get("tsne_megnet16");
        var t = ElementTableIO.Load("megnet16");
        var x = Matrices.Standardize(t.Matrix(t.Trained));
        var (map, kl) = Tsne.Run(x);
        Assert.True(kl <= r.Number("kl_divergence") * 1.05, $"KL {kl:F4} vs scikit-learn {r.Number("kl_divergence"):F4}");
        Assert.InRange(Trustworthiness.Compute(x, map, 5) - r.Number("trustworthiness"), -0.03, 0.03);
        Assert.Equal(map, Tsne.Embed(x));
    }
}
