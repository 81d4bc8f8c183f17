using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.IO.Reports;
using static CrystalTransformer.IO.Reports.HtmlCell;

namespace CrystalTransformer.Analysis.Report;

/// <summary>index.html: one self-contained page (PNG figures inlined as base64; SVG copies linked) that opens offline.</summary>
public static class HtmlReport
{
    public static void Write(AnalysisResult r)
    {
        var o = r.Options;
        string outDir = Path.GetDirectoryName(r.IndexPath)!;
        var page = new HtmlPage("ct analyze");
        page.Heading(1, "What the element tables encode");
        if (!string.IsNullOrEmpty(o.CommandLine)) page.Paragraph($"Command: {HtmlPage.Code(o.CommandLine)}");
        page.Paragraph($"{r.Tables.Count} table(s): {string.Join(", ", r.Tables.Select(t => $"<a href=\"#{E(t.Slug)}\">{E(t.Table.Name)}</a>"))}. " +
                       "Run record (settings, table hashes, data hashes, versions, timings): <code>analysis.json</code>.");

        Settings(page, r);
        Summary(page, r);
        ReverseSection(page, r, outDir);
        MantelSection(page, r, outDir);
        foreach (var f in r.Figures.Where(f => f.Name == "trustworthiness")) Fig(page, f, outDir);
        foreach (var t in r.Tables) TableSection(page, t, r, outDir);
        Files(page, r);
        page.Write(r.IndexPath);
    }

    private static void Settings(HtmlPage page, AnalysisResult r)
    {
        var o = r.Options;
        page.Heading(2, "Method");
        page.List(
        [
            "Each table is analysed on the elements it covers with trained rows (untrained rows of a ct-UAE are left out). " +
            (o.Standardize ? "Columns are z-scored over those elements before PCA, UMAP, k-means, cosine similarity and the Mantel distances." : "Columns are used as they are (no standardisation)."),
            $"UMAP: {new UmapOptions().Neighbors} neighbours (exact), min_dist {new UmapOptions().MinDist}, spectral initialisation (PCA when the neighbour graph is disconnected), 500 epochs, seed {o.Seed}. " +
            "t-SNE: exact, perplexity 30, PCA initialisation, 1000 iterations (scikit-learn's defaults). " +
            $"Trustworthiness with k = {o.TrustworthinessK} (scikit-learn's definition) for the UMAP, t-SNE and PCA (PC1, PC2) maps.",
            $"k-means: k-means++ with 10 restarts, k = {o.KMin}…{o.KMax}, seeds 0…{o.ScanSeeds - 1}; k is the one with the highest silhouette averaged over the seeds" +
            (o.ForcedK is int fk ? $" (here forced to {fk})" : "") + "; the elbow of the mean SSE curve (point farthest below the chord) is shown next to it. Clusters are numbered in order of their lightest element.",
            "Reverse prediction: ridge regression from the table's raw vectors to each elemental property (mendeleev values; atomic_volume left out). " +
            $"{o.Folds}-fold cross-validation with fixed folds: among the elements that have the property, in order of Z, element i is held out in fold i mod {o.Folds}. " +
            "In each fold the features are standardised on the training part and the penalty is chosen from 10^-3…10^5 (half decades) by exact leave-one-out on the training part (scikit-learn's RidgeCV). " +
            $"R² and MAE are computed over all out-of-fold predictions. Properties with fewer than {o.MinElements} elements are skipped.",
            "Correlations: Pearson and Spearman (average ranks for ties) between each principal component / raw column and each property, on the elements that have the property.",
            $"Mantel test: Pearson r between the Euclidean distance matrices of two tables on their common elements, {o.Permutations} permutations (seed {o.Seed}), two-sided p.",
            $"Compound view: each compound is assigned to the set of UMAP clusters of its elements (e.g. \"1+3\"); only the {o.MaxGroups} largest groups with at least {o.MinGroupSize} compounds are drawn, and compounds with an element the table lacks are left out. " +
            "Violins are Gaussian KDEs (Scott's bandwidth); the bar marks the quartiles, the dot the median.",
        ], "note");
    }

    private static void Summary(HtmlPage page, AnalysisResult r)
    {
        page.Heading(2, "Summary").BeginTable()
            .Row(ThLeft("table"), Th("elements"), Th("dim"), Th("untrained"), Th("PC1+PC2 variance"), Th("trust. PCA"), Th("trust. UMAP"), Th("trust. t-SNE"),
                 Th("k (UMAP, silhouette)"), Th("elbow"), Th("silhouette"), Th("k (vectors)"), Th("elbow"), Th("mean R² (own elements)"), Th("mean R² (common)"));
        foreach (var t in r.Tables)
        {
            var common = r.ReverseCommon.Where(x => x.Embedding == t.Table.Name).ToList();
            page.Row(TdLeft($"<a href=\"#{E(t.Slug)}\">{E(t.Table.Name)}</a>"), Td($"{t.Elements.Count}"), Td($"{t.Table.Dimension}"), Td($"{t.Table.Untrained.Count}"),
                Td(F(t.Pca.ExplainedVarianceRatio.Take(2).Sum(), "P1")), Td(F(t.TrustPca, "F3")), Td(F(t.TrustUmap, "F3")), Td(F(t.TrustTsne, "F3")),
                Td($"{t.UmapClusters.ChosenK}"), Td($"{t.UmapClusters.ElbowK}"), Td(F(t.UmapClusters.MeanSilhouette, "F3")),
                Td($"{t.RawClusters.ChosenK}"), Td($"{t.RawClusters.ElbowK}"),
                Td(F(t.Reverse.Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")),
                Td(F(common.Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")));
        }
        page.EndTable();
    }

    private static void ReverseSection(HtmlPage page, AnalysisResult r, string outDir)
    {
        if (r.ReverseCommon.Count == 0) return;
        var names = r.Tables.Select(t => t.Table.Name).ToList();
        page.Heading(2, "Reverse prediction: which table knows the most chemistry");
        if (r.Tables.Count > 1)
            page.Paragraph($"All tables on the {r.CommonElements.Count} elements common to all of them: {E(string.Join(" ", r.CommonElements.Select(e => e.Symbol)))} " +
                           "(fewer where a property has no value). Cross-validated R² (higher is better); best per property in bold. <code>reverse_prediction.csv</code> has R² and MAE.");
        else page.Paragraph("Cross-validated R² and MAE on the table's own elements.");
        var props = r.Options.Properties.Where(p => r.ReverseCommon.Any(x => x.Property == p)).ToList();
        page.BeginTable().Row([ThLeft("property"), Th("n"), .. names.Select(n => Th(E(n)))]);
        foreach (var p in props)
        {
            var rows = names.Select(n => r.ReverseCommon.FirstOrDefault(x => x.Embedding == n && x.Property == p)).ToList();
            double best = rows.Where(x => x is not null).Max(x => x!.R2);
            page.Row([TdLeft(E(ElementProperties.Label(p))), Td($"{rows.FirstOrDefault(x => x is not null)?.N}"),
                      .. rows.Select(x => Td(x is null ? "" : x.R2 == best ? $"<b>{F(x.R2, "F3")}</b>" : F(x.R2, "F3")))]);
        }
        page.Row([ThLeft("mean"), Th(""), .. names.Select(n => Th(F(r.ReverseCommon.Where(x => x.Embedding == n).Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")))])
            .EndTable();
        foreach (var f in r.Figures.Where(f => f.Name.StartsWith("reverse_prediction", StringComparison.Ordinal))) Fig(page, f, outDir);
    }

    private static void MantelSection(HtmlPage page, AnalysisResult r, string outDir)
    {
        if (r.Mantel.Count == 0) return;
        var names = r.Tables.Select(t => t.Table.Name).ToList();
        page.Heading(2, "How similar are the tables? (Mantel test)")
            .Paragraph($"Pearson r between Euclidean distance matrices on the {r.CommonElements.Count} common elements; p from {r.Options.Permutations} permutations.");
        page.BeginTable().Row([Th(""), .. names.Select(n => Th(E(n)))]);
        foreach (var a in names)
            page.Row([ThLeft(E(a)), .. names.Select(b =>
            {
                var m = r.Mantel.FirstOrDefault(x => (x.A == a && x.B == b) || (x.A == b && x.B == a));
                return Td(a == b ? "1" : m is null ? "" : $"{F(m.R, "F2")} <span class=\"note\">(p {F(m.PValue, "G2")})</span>");
            })]);
        page.EndTable();
        foreach (var f in r.Figures.Where(f => f.Name == "mantel")) Fig(page, f, outDir);
    }

    private static void TableSection(HtmlPage page, TableResult t, AnalysisResult r, string outDir)
    {
        page.BeginSection(t.Table.Name, t.Slug);
        page.Paragraph($"Source: {HtmlPage.Code(t.Table.Source)}. {t.Elements.Count} elements × {t.Table.Dimension} dimensions" +
            (t.Table.Untrained.Count > 0 ? $"; untrained rows left out: {E(string.Join(" ", t.Table.Untrained.Select(e => e.Symbol)))}" : "") +
            (t.Table.FilledValues.Count > 0 ? $"; {t.Table.FilledValues.Count} empty cells filled with column means" : "") +
            $". UMAP init: {t.Umap.InitUsed} ({t.Umap.GraphComponents} graph component(s), {t.Umap.Edges} edges, a = {t.Umap.A:F3}, b = {t.Umap.B:F3}). " +
            $"Files: {HtmlPage.Code(t.Slug + "/")}.", "note");
        foreach (var (title, choice) in new[] { ("UMAP map", t.UmapClusters), ("vectors", t.RawClusters) })
        {
            int kMax = choice.Rows.Max(x => x.K);
            page.Paragraph($"<b>k-means on the {title}</b>: k = {choice.ChosenK}{(choice.Forced ? " (forced)" : "")} (best mean silhouette at k = {choice.SilhouetteK}, elbow at k = {choice.ElbowK})" +
                (!choice.Forced && choice.SilhouetteK == kMax ? $"; the silhouette is still rising at the end of the scan (k = {kMax}), so the clusters are weak and k is not well defined" : "") + ".");
            page.List(Enumerable.Range(1, choice.Labels.Max()).Select(c =>
            {
                var members = t.Elements.Where((e, i) => choice.Labels[i] == c).Select(e => e.Symbol).ToList();
                return $"cluster {c} ({members.Count}): {E(string.Join(" ", members))}";
            }));
        }
        // Strongest correlations of the leading components.
        page.Paragraph("<b>Leading components</b> (explained variance; the properties they correlate with most, Spearman ρ):");
        page.List(Enumerable.Range(0, Math.Min(4, t.Pca.Scores.GetLength(1))).Select(c =>
        {
            var top = t.Correlations.Where(x => x.Feature == $"PC{c + 1}" && !double.IsNaN(x.Spearman))
                .OrderByDescending(x => Math.Abs(x.Spearman)).Take(4).Select(x => $"{x.Property} {x.Spearman:+0.00;-0.00}");
            return $"PC{c + 1} ({F(t.Pca.ExplainedVarianceRatio[c], "P1")}): {E(string.Join(", ", top))}";
        }));
        foreach (var s in t.Compounds)
            page.Paragraph($"{E(s.Dataset)}: {s.Used} of {s.Compounds} compounds drawn; {s.SkippedMissingElement} contain an element the table lacks" +
                (s.MissingElements.Count > 0 ? $" ({E(string.Join(" ", s.MissingElements))})" : "") +
                $"; {s.SkippedSmallGroups} fall in groups smaller than {r.Options.MinGroupSize} or beyond the {r.Options.MaxGroups} largest groups.", "note");
        foreach (var f in t.Figures) Fig(page, f, outDir);
        page.EndSection();
    }

    private static void Files(HtmlPage page, AnalysisResult r)
    {
        page.Heading(2, "Files");
        page.List(
        [
            "<code>summary.csv</code>: one row per table (the summary above). <code>reverse_prediction.csv</code>: embedding, property, n_elements, r2, mae" +
            (r.Tables.Count > 1 ? " (on the common elements); <code>mantel.csv</code>; <code>common_elements.txt</code>." : "."),
            "Per table folder: <code>pca.csv</code>, <code>pca_variance.csv</code>, <code>umap.csv</code>, <code>tsne.csv</code> (map coordinates), <code>clusters.csv</code> (cluster labels), " +
            "<code>kmeans_scan.csv</code> (SSE and silhouette per k and seed), <code>correlations.csv</code> (Pearson/Spearman per feature and property), " +
            "<code>reverse_prediction.csv</code> (own elements), <code>cosine_similarity.csv</code>, <code>compound_groups.csv</code>, and every figure as PNG and SVG.",
        ], "note");
        page.Paragraph("Timings: " + E(string.Join("; ", r.Timings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds:F1} s"))) + ".", "note");
    }

    /// <summary>A figure inlined, with a link to its SVG copy next to the page.</summary>
    private static void Fig(HtmlPage page, Figure f, string outDir)
    {
        string svg = Path.GetRelativePath(outDir, f.SvgFile).Replace('\\', '/');
        page.Figure(f.Png, f.Title, $"{E(f.Title)} (<a href=\"{E(svg)}\">SVG</a>)", wide: f.Width >= 900);
    }

    private static string E(string? s) => HtmlPage.Encode(s);

    private static string F(double v, string format) => HtmlPage.Number(v, format);
}
