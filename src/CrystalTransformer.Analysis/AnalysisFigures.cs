using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.Structures;
using ScottPlot;

namespace CrystalTransformer.Analysis;

/// <summary>The figures of <c>ct analyze</c> (PNG and SVG): per table in its folder, and across tables in the output folder.</summary>
internal static class AnalysisFigures
{
    /// <summary>The figures of one table's folder: maps, k-means scans, periodic-table views, correlations, similarity, violins.</summary>
    public static List<Figure> ForTable(string dir, TableComputation t, AnalysisOptions options)
    {
        var (table, elements, pca, umap, tsne, umapClusters, rawClusters) = (t.Table, t.Elements, t.Pca, t.Umap, t.Tsne, t.UmapClusters, t.RawClusters);
        var (correlations, cosine, violins) = (t.Correlations, t.Cosine, t.Compounds.Violins);
        var figs = new List<Figure>();
        string name = table.Name;
        int n = elements.Count;
        double v1 = 100 * pca.ExplainedVarianceRatio[0], v2 = pca.ExplainedVarianceRatio.Length > 1 ? 100 * pca.ExplainedVarianceRatio[1] : 0;

        figs.Add(FigureWriter.Save(Figures.Map($"{name}: UMAP, k-means clusters (k = {umapClusters.ChosenK})", umap.Embedding, elements, umapClusters.Labels, "UMAP 1", "UMAP 2"),
            dir, "umap", "UMAP map coloured by k-means cluster"));
        figs.Add(FigureWriter.Save(Figures.Map($"{name}: PCA, coloured by UMAP cluster", t.PcaMap, elements, umapClusters.Labels, $"PC1 ({v1:F1} %)", $"PC2 ({v2:F1} %)"),
            dir, "pca", "PCA map (PC1, PC2) coloured by the UMAP clusters"));
        figs.Add(FigureWriter.Save(Figures.Map($"{name}: t-SNE, coloured by UMAP cluster", tsne, elements, umapClusters.Labels, "t-SNE 1", "t-SNE 2"),
            dir, "tsne", "t-SNE map coloured by the UMAP clusters"));

        foreach (var (space, choice) in new[] { ("UMAP map", umapClusters), ("vectors", rawClusters) })
        {
            var ks = choice.Rows.Select(r => r.K).Distinct().Order().ToArray();
            var mSil = ks.Select(k => choice.Rows.Where(r => r.K == k).Average(r => r.Silhouette)).ToArray();
            var sSil = ks.Select(k => Sd(choice.Rows.Where(r => r.K == k).Select(r => r.Silhouette))).ToArray();
            var mSse = ks.Select(k => choice.Rows.Where(r => r.K == k).Average(r => r.Sse)).ToArray();
            var sSse = ks.Select(k => Sd(choice.Rows.Where(r => r.K == k).Select(r => r.Sse))).ToArray();
            string tag = space == "UMAP map" ? "umap" : "vectors";
            figs.Add(FigureWriter.Save(Figures.ScanCurve($"{name}: k-means on the {space} ({options.ScanSeeds} seeds)", ks, mSse, sSse, mSil, sSil, choice.ChosenK, choice.ElbowK),
                dir, $"kscan_{tag}", $"SSE and mean silhouette vs k on the {space}", 720, 440));
        }

        var clusterColors = elements.Select((e, i) => (e, Figures.ClusterColor(umapClusters.Labels[i]).WithAlpha(0.75))).ToDictionary(t => t.e, t => t.Item2);
        var legend = Enumerable.Range(1, umapClusters.Labels.Max()).Select(c => ($"cluster {c}", Figures.ClusterColor(c).WithAlpha(0.75))).ToList();
        figs.Add(FigureWriter.Save(Figures.PeriodicTableView($"{name}: UMAP k-means clusters on the periodic table", clusterColors, null, legend),
            dir, "periodic_clusters", "Cluster membership on the periodic table", 1000, 620));

        for (int c = 0; c < Math.Min(2, pca.Scores.GetLength(1)); c++)
        {
            var values = Matrices.Column(pca.Scores, c);
            double lo = values.Min(), hi = values.Max();
            var map = new ScottPlot.Colormaps.Viridis();
            var colors = elements.Select((e, i) => (e, map.GetColor(hi > lo ? (values[i] - lo) / (hi - lo) : 0.5))).ToDictionary(t => t.e, t => t.Item2);
            var captions = elements.Select((e, i) => (e, values[i].ToString("0.0"))).ToDictionary(t => t.e, t => t.Item2);
            figs.Add(FigureWriter.Save(Figures.PeriodicTableView($"{name}: PC{c + 1} on the periodic table", colors, captions, scale: (lo, hi, map, $"PC{c + 1}")),
                dir, $"periodic_pc{c + 1}", $"PC{c + 1} on the periodic table", 1000, 620));
        }

        // Spearman ρ of the leading components with every property.
        int pcs = Math.Min(6, pca.Scores.GetLength(1));
        var props = options.Properties;
        var pcMatrix = new double[props.Count, pcs];
        for (int p = 0; p < props.Count; p++)
            for (int c = 0; c < pcs; c++)
                pcMatrix[p, c] = correlations.First(r => r.Feature == $"PC{c + 1}" && r.Property == props[p]).Spearman;
        figs.Add(FigureWriter.Save(Figures.Heatmap($"{name}: Spearman ρ, principal components vs properties", pcMatrix, props.ToList(),
                Enumerable.Range(1, pcs).Select(c => $"PC{c}").ToList(), new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-1, 1), annotate: true),
            dir, "correlation_pcs", "Spearman correlation of PC1–PC6 with elemental properties", 760, 760));

        // The raw dimensions most correlated with any property.
        var dims = table.ColumnNames.Select(c => (c, correlations.Where(r => r.Feature == c).Select(r => double.IsNaN(r.Spearman) ? 0 : Math.Abs(r.Spearman)).DefaultIfEmpty(0).Max()))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.c, StringComparer.Ordinal).Take(12).Select(t => t.c).ToList();
        var dimMatrix = new double[props.Count, dims.Count];
        for (int p = 0; p < props.Count; p++)
            for (int c = 0; c < dims.Count; c++)
                dimMatrix[p, c] = correlations.First(r => r.Feature == dims[c] && r.Property == props[p]).Spearman;
        figs.Add(FigureWriter.Save(Figures.Heatmap($"{name}: Spearman ρ, strongest raw dimensions vs properties", dimMatrix, props.ToList(), dims,
                new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-1, 1), annotate: true),
            dir, "correlation_dims", "Spearman correlation of the 12 most correlated raw dimensions", 900, 760));

        var order = Enumerable.Range(0, n).OrderBy(i => elements[i].MendeleevNumber).ToArray();
        var cos = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) cos[i, j] = cosine[order[i], order[j]];
        var labels = order.Select(i => elements[i].Symbol).ToList();
        figs.Add(FigureWriter.Save(Figures.Heatmap($"{name}: cosine similarity (elements by Mendeleev number)", cos, labels, labels,
                new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-1, 1)),
            dir, "cosine_similarity", "Cosine similarity ordered by Mendeleev number", 900, 860));

        foreach (var (dataset, property, label, groups) in violins)
            figs.Add(FigureWriter.Save(Figures.Violins($"{name}: {dataset} compounds grouped by the clusters of their elements", groups, label),
                dir, $"violin_{dataset}_{property}", $"{dataset}: {label} by element clusters", Math.Max(700, 70 * groups.Count), 480));
        return figs;
    }

    private static double Sd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length < 2) return 0;
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
    }

    /// <summary>The figures that compare the tables: reverse prediction, trustworthiness, Mantel.</summary>
    public static List<Figure> AcrossTables(string outDir, TableResult[] results, List<ReverseRow> reverse, List<MantelRow> mantel, AnalysisOptions options)
    {
        var figs = new List<Figure>();
        var names = results.Select(r => r.Table.Name).ToList();
        var props = options.Properties.Where(p => reverse.Any(r => r.Property == p)).ToList();
        if (props.Count > 0)
        {
            var m = new double[props.Count, names.Count];
            for (int p = 0; p < props.Count; p++)
                for (int t = 0; t < names.Count; t++)
                    m[p, t] = reverse.FirstOrDefault(r => r.Property == props[p] && r.Embedding == names[t])?.R2 ?? double.NaN;
            figs.Add(FigureWriter.Save(Figures.Heatmap("Reverse prediction: cross-validated R² (ridge)", m, props, names,
                    new ScottPlot.Colormaps.Viridis(), new ScottPlot.Range(0, 1), annotate: true),
                outDir, "reverse_prediction", "Reverse prediction R² per property and table", Math.Max(700, 90 * names.Count + 300), 800));
            var means = names.Select(nm => reverse.Where(r => r.Embedding == nm).Select(r => r.R2).DefaultIfEmpty(double.NaN).Average()).ToList();
            figs.Add(FigureWriter.Save(Figures.Bars("Reverse prediction: mean R² over properties", names, means, "mean cross-validated R²"),
                outDir, "reverse_prediction_mean", "Mean reverse-prediction R² per table", Math.Max(640, 60 * names.Count + 200), 480));
        }
        figs.Add(FigureWriter.Save(Figures.GroupedBars($"Trustworthiness of the 2-D maps (k = {options.TrustworthinessK})", names,
                [("PCA", results.Select(r => r.TrustPca).ToList()), ("UMAP", results.Select(r => r.TrustUmap).ToList()),
                 ("t-SNE", results.Select(r => r.TrustTsne).ToList())], "trustworthiness"),
            outDir, "trustworthiness", "Trustworthiness of the PCA, UMAP and t-SNE maps", Math.Max(640, 80 * names.Count + 200), 480));
        if (mantel.Count > 0)
        {
            var m = new double[names.Count, names.Count];
            for (int i = 0; i < names.Count; i++) m[i, i] = 1;
            foreach (var row in mantel)
            {
                int a = names.IndexOf(row.A), b = names.IndexOf(row.B);
                m[a, b] = m[b, a] = row.R;
            }
            figs.Add(FigureWriter.Save(Figures.Heatmap($"Mantel r between tables ({mantel[0].N} common elements)", m, names, names,
                    new ScottPlot.Colormaps.Balance(), new ScottPlot.Range(-1, 1), annotate: true),
                outDir, "mantel", "Mantel correlation between tables", Math.Max(640, 60 * names.Count + 300), Math.Max(560, 50 * names.Count + 200)));
        }
        return figs;
    }
}
