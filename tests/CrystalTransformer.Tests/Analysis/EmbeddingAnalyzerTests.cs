using CrystalTransformer.Analysis;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Analysis;

/// <summary>End to end on small settings: the files of the report exist, say what they should and do not depend on threads.</summary>
public sealed class EmbeddingAnalyzerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-analyze-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Compounds = Path.Combine(AppContext.BaseDirectory, "Fixtures", "analysis", "compounds.csv");

    /// <summary>megnet16, and a copy of it whose noble gases are flagged untrained (as a ct-UAE would flag elements absent from training).</summary>
    private static IReadOnlyList<ElementTable> Tables()
    {
        var megnet = ElementTableIO.Load("megnet16");
        string[] gases = ["He", "Ne", "Ar", "Kr", "Xe"];
        var uae = ElementTable.FromRows("uae-like", megnet.Elements.Select(e => (e, (IReadOnlyList<double>)megnet.Vector(e))),
            untrained: gases.Select(PeriodicTable.Get));
        return [megnet, uae];
    }

    private AnalysisResult Run(string name, int threads) => EmbeddingAnalyzer.Run(Tables(), new AnalysisOptions
    {
        OutputDirectory = Path.Combine(_dir, name), ScanSeeds = 2, KMax = 5, Permutations = 99, Threads = threads,
        Datasets = [CompoundDataset.Resolve(Compounds)], MinGroupSize = 1,
    });

    [Fact]
    public void WritesTheReportAndItsTablesDeterministically()
    {
        var r = Run("a", threads: 2);
        string dir = Path.Combine(_dir, "a");

        // Comparisons run on the elements both tables cover with trained rows.
        Assert.Equal(89, r.CommonElements.Count);
        Assert.DoesNotContain(PeriodicTable.Get("Xe"), r.CommonElements);
        Assert.Equal(89, File.ReadAllLines(Path.Combine(dir, "common_elements.txt")).Length);
        Assert.Equal(89, r.Tables[1].Elements.Count);

        var reverse = File.ReadAllLines(Path.Combine(dir, "reverse_prediction.csv"));
        Assert.Equal("embedding,property,n_elements,r2,mae", reverse[0]);
        Assert.Equal(2 * ElementProperties.Default.Count + 1, reverse.Length);
        // Both tables hold the same vectors on the common elements, so their side-by-side scores are identical.
        var rows = reverse.Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var p in ElementProperties.Default)
        {
            var pair = rows.Where(f => f[1] == p).ToList();
            Assert.Equal(pair[0][2..], pair[1][2..]);
        }
        var mantel = File.ReadAllLines(Path.Combine(dir, "mantel.csv"));
        Assert.Equal("table_a,table_b,n_elements,r,p_value,permutations", mantel[0]);
        var m = mantel[1].Split(',');
        Assert.Equal(["megnet16", "uae-like", "89"], m[..3]);
        Assert.Equal(1.0, double.Parse(m[3], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal(["0.01", "99"], m[4..]);

        foreach (var f in new[] { "pca.csv", "pca_variance.csv", "umap.csv", "clusters.csv", "kmeans_scan.csv", "correlations.csv",
                     "reverse_prediction.csv", "cosine_similarity.csv", "compound_groups.csv", "umap.png", "umap.svg", "periodic_clusters.png",
                     "kscan_umap.svg", "correlation_pcs.png", "cosine_similarity.svg", "violin_compounds_energy.png" })
            Assert.True(File.Exists(Path.Combine(dir, "megnet16", f)), f);
        Assert.Equal(90, File.ReadAllLines(Path.Combine(dir, "uae-like", "umap.csv")).Length);
        Assert.Equal("element,Z,umap_cluster,vector_cluster", File.ReadLines(Path.Combine(dir, "megnet16", "clusters.csv")).First());
        Assert.Equal(2 * 4 * 2 + 1, File.ReadAllLines(Path.Combine(dir, "megnet16", "kmeans_scan.csv")).Length);

        string html = File.ReadAllText(r.IndexPath);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains("He Ne Ar Kr Xe", html);   // untrained rows are named as left out

        // Same seed, other thread count: the same numbers.
        Run("b", threads: 1);
        foreach (var f in new[] { "reverse_prediction.csv", "mantel.csv", "summary.csv", Path.Combine("megnet16", "umap.csv"),
                     Path.Combine("megnet16", "clusters.csv"), Path.Combine("uae-like", "kmeans_scan.csv"), Path.Combine("megnet16", "compound_groups.csv") })
            Assert.Equal(File.ReadAllText(Path.Combine(dir, f)), File.ReadAllText(Path.Combine(_dir, "b", f)));
    }

    [Fact]
    public void ATableWithTooFewElementsIsAnInputError()
    {
        var tiny = ElementTable.FromRows("tiny", PeriodicTable.Elements.Take(8).Select(e => (e, (IReadOnlyList<double>)new double[] { e.Z, 1 })));
        var ex = Assert.Throws<InputError>(() => EmbeddingAnalyzer.Run([tiny], new AnalysisOptions { OutputDirectory = Path.Combine(_dir, "t") }));
        Assert.Contains("only 8 trained elements", ex.Message);
    }
}
