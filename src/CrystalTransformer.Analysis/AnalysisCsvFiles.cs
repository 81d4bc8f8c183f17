using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

/// <summary>The CSV files of <c>ct analyze</c>: per table in its folder, and across tables in the output folder.</summary>
internal static class AnalysisCsvFiles
{
    /// <summary>The CSVs of one table's folder.</summary>
    public static void ForTable(string dir, TableComputation t)
    {
        var (elements, pca, umap, tsne, umapClusters, rawClusters, cosine) = (t.Elements, t.Pca, t.Umap, t.Tsne, t.UmapClusters, t.RawClusters, t.Cosine);
        var (correlations, reverse, groups, summaries) = (t.Correlations, t.Reverse, t.Compounds.Groups, t.Compounds.Summaries);
        int n = elements.Count, pcs = pca.Scores.GetLength(1);
        CsvWriter.Write(Path.Combine(dir, "pca.csv"), ["element", "Z", .. Enumerable.Range(1, pcs).Select(c => $"PC{c}")],
            Enumerable.Range(0, n).Select(i => (IReadOnlyList<object?>)[elements[i].Symbol, elements[i].Z, .. Enumerable.Range(0, pcs).Select(c => (object?)pca.Scores[i, c])]));
        CsvWriter.Write(Path.Combine(dir, "pca_variance.csv"), ["component", "explained_variance", "explained_variance_ratio"],
            Enumerable.Range(0, pcs).Select(c => (IReadOnlyList<object?>)[$"PC{c + 1}", pca.ExplainedVariance[c], pca.ExplainedVarianceRatio[c]]));
        CsvWriter.Write(Path.Combine(dir, "umap.csv"), ["element", "Z", "umap1", "umap2"],
            Enumerable.Range(0, n).Select(i => (IReadOnlyList<object?>)[elements[i].Symbol, elements[i].Z, umap.Embedding[i, 0], umap.Embedding[i, 1]]));
        CsvWriter.Write(Path.Combine(dir, "tsne.csv"), ["element", "Z", "tsne1", "tsne2"],
            Enumerable.Range(0, n).Select(i => (IReadOnlyList<object?>)[elements[i].Symbol, elements[i].Z, tsne[i, 0], tsne[i, 1]]));
        CsvWriter.Write(Path.Combine(dir, "clusters.csv"), ["element", "Z", "umap_cluster", "vector_cluster"],
            Enumerable.Range(0, n).Select(i => (IReadOnlyList<object?>)[elements[i].Symbol, elements[i].Z, umapClusters.Labels[i], rawClusters.Labels[i]]));
        CsvWriter.Write(Path.Combine(dir, "kmeans_scan.csv"), ["space", "k", "seed", "sse", "silhouette"],
            umapClusters.Rows.Select(r => (IReadOnlyList<object?>)["umap", r.K, r.Seed, r.Sse, r.Silhouette])
                .Concat(rawClusters.Rows.Select(r => (IReadOnlyList<object?>)["vectors", r.K, r.Seed, r.Sse, r.Silhouette])));
        CsvWriter.Write(Path.Combine(dir, "correlations.csv"), ["feature", "property", "n", "pearson", "spearman"],
            correlations.Select(r => (IReadOnlyList<object?>)[r.Feature, r.Property, r.N, r.Pearson, r.Spearman]));
        CsvWriter.Write(Path.Combine(dir, "reverse_prediction.csv"), ["embedding", "property", "n_elements", "r2", "mae"],
            reverse.Select(r => (IReadOnlyList<object?>)[r.Embedding, r.Property, r.N, r.R2, r.Mae]));
        var byMendeleev = Enumerable.Range(0, n).OrderBy(i => elements[i].MendeleevNumber).ToArray();
        CsvWriter.Write(Path.Combine(dir, "cosine_similarity.csv"), ["element", .. byMendeleev.Select(i => elements[i].Symbol)],
            byMendeleev.Select(i => (IReadOnlyList<object?>)[elements[i].Symbol, .. byMendeleev.Select(j => (object?)cosine[i, j])]));
        if (groups.Count > 0 || summaries.Count > 0)
        {
            CsvWriter.Write(Path.Combine(dir, "compound_groups.csv"), ["dataset", "clusters", "property", "n", "mean", "median", "std"],
                groups.Select(r => (IReadOnlyList<object?>)[r.Dataset, r.Group, r.Property, r.N, r.Mean, r.Median, r.Std]));
        }
    }

    /// <summary>The CSVs that compare the tables, and the summary with one row per table.</summary>
    public static void AcrossTables(string outDir, TableResult[] results, List<Element> common, List<ReverseRow> reverse, List<MantelRow> mantel, int tables)
    {
        CsvWriter.Write(Path.Combine(outDir, "reverse_prediction.csv"), ["embedding", "property", "n_elements", "r2", "mae"],
            reverse.Select(r => (IReadOnlyList<object?>)[r.Embedding, r.Property, r.N, r.R2, r.Mae]));
        if (tables > 1)
        {
            CsvWriter.Write(Path.Combine(outDir, "mantel.csv"), ["table_a", "table_b", "n_elements", "r", "p_value", "permutations"],
                mantel.Select(m => (IReadOnlyList<object?>)[m.A, m.B, m.N, m.R, m.PValue, m.Permutations]));
            IO.TextFiles.WriteAllTextAtomic(Path.Combine(outDir, "common_elements.txt"), string.Concat(common.Select(e => e.Symbol + "\n")));
        }
        CsvWriter.Write(Path.Combine(outDir, "summary.csv"),
            ["embedding", "n_elements", "dimension", "untrained", "filled_values", "pca2_variance", "trustworthiness_pca", "trustworthiness_umap", "trustworthiness_tsne",
             "k_umap", "k_umap_elbow", "silhouette_umap", "k_vectors", "k_vectors_elbow", "silhouette_vectors", "mean_r2_own", "mean_r2_common"],
            results.Select(r =>
            {
                var common2 = reverse.Where(x => x.Embedding == r.Table.Name).ToList();
                return (IReadOnlyList<object?>)[r.Table.Name, r.Elements.Count, r.Table.Dimension, r.Table.Untrained.Count, r.Table.FilledValues.Count,
                    r.Pca.ExplainedVarianceRatio.Take(2).Sum(), r.TrustPca, r.TrustUmap, r.TrustTsne,
                    r.UmapClusters.ChosenK, r.UmapClusters.ElbowK, r.UmapClusters.MeanSilhouette,
                    r.RawClusters.ChosenK, r.RawClusters.ElbowK, r.RawClusters.MeanSilhouette,
                    r.Reverse.Count > 0 ? r.Reverse.Average(x => x.R2) : double.NaN,
                    common2.Count > 0 ? common2.Average(x => x.R2) : double.NaN];
            }));
    }
}
