using System.Globalization;
using System.Net;
using System.Text;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.IO;

namespace CrystalTransformer.Analysis.Report;

/// <summary>index.html: one self-contained page (PNG figures inlined as base64; SVG copies linked) that opens offline.</summary>
public static class HtmlReport
{
    public static void Write(AnalysisResult r)
    {
        var h = new StringBuilder();
        var o = r.Options;
        string outDir = Path.GetDirectoryName(r.IndexPath)!;
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ct analyze</title>\n<style>")
         .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1250px;color:#222;line-height:1.45}")
         .Append("table{border-collapse:collapse;margin:0.6em 0;font-size:0.88em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}")
         .Append("th{background:#f1f1f1}td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #eee;margin:4px 0}")
         .Append("figure{display:inline-block;margin:6px;vertical-align:top;max-width:48%}figure.wide{max-width:98%}figcaption{font-size:0.85em;color:#555}")
         .Append("code{background:#f4f4f4;padding:1px 4px}details{margin:0.8em 0;border-top:1px solid #ddd;padding-top:0.4em}")
         .Append("summary{font-size:1.25em;font-weight:bold;cursor:pointer}.note{color:#555;font-size:0.9em}</style></head><body>\n");
        h.Append("<h1>What the element tables encode</h1>\n");
        if (!string.IsNullOrEmpty(o.CommandLine)) h.Append($"<p>Command: <code>{E(o.CommandLine)}</code></p>\n");
        h.Append($"<p>{r.Tables.Count} table(s): {string.Join(", ", r.Tables.Select(t => $"<a href=\"#{E(t.Slug)}\">{E(t.Table.Name)}</a>"))}. ")
         .Append("Run record (settings, table hashes, data hashes, versions, timings): <code>analysis.json</code>.</p>\n");

        Settings(h, r);
        Summary(h, r);
        ReverseSection(h, r);
        MantelSection(h, r);
        foreach (var f in r.Figures.Where(f => f.Name == "trustworthiness")) Fig(h, f, outDir);
        foreach (var t in r.Tables) TableSection(h, t, r, outDir);
        Files(h, r);
        h.Append("</body></html>\n");
        TextFiles.WriteAllTextAtomic(r.IndexPath, h.ToString());
    }

    private static void Settings(StringBuilder h, AnalysisResult r)
    {
        var o = r.Options;
        h.Append("<h2>Method</h2><ul class=\"note\">")
         .Append($"<li>Each table is analysed on the elements it covers with trained rows (untrained rows of a ct-UAE are left out). ")
         .Append(o.Standardize ? "Columns are z-scored over those elements before PCA, UMAP, k-means, cosine similarity and the Mantel distances.</li>" : "Columns are used as they are (no standardisation).</li>")
         .Append($"<li>UMAP: {new UmapOptions().Neighbors} neighbours (exact), min_dist {new UmapOptions().MinDist}, spectral initialisation (PCA when the neighbour graph is disconnected), 500 epochs, seed {o.Seed}. ")
         .Append("t-SNE: exact, perplexity 30, PCA initialisation, 1000 iterations (scikit-learn's defaults). ")
         .Append($"Trustworthiness with k = {o.TrustworthinessK} (scikit-learn's definition) for the UMAP, t-SNE and PCA (PC1, PC2) maps.</li>")
         .Append($"<li>k-means: k-means++ with 10 restarts, k = {o.KMin}…{o.KMax}, seeds 0…{o.ScanSeeds - 1}; k is the one with the highest silhouette averaged over the seeds")
         .Append(o.ForcedK is int fk ? $" (here forced to {fk})" : "").Append("; the elbow of the mean SSE curve (point farthest below the chord) is shown next to it. Clusters are numbered in order of their lightest element.</li>")
         .Append($"<li>Reverse prediction: ridge regression from the table's raw vectors to each elemental property (mendeleev values; atomic_volume left out). ")
         .Append($"{o.Folds}-fold cross-validation with fixed folds: among the elements that have the property, in order of Z, element i is held out in fold i mod {o.Folds}. ")
         .Append("In each fold the features are standardised on the training part and the penalty is chosen from 10^-3…10^5 (half decades) by exact leave-one-out on the training part (scikit-learn's RidgeCV). ")
         .Append($"R² and MAE are computed over all out-of-fold predictions. Properties with fewer than {o.MinElements} elements are skipped.</li>")
         .Append($"<li>Correlations: Pearson and Spearman (average ranks for ties) between each principal component / raw column and each property, on the elements that have the property.</li>")
         .Append($"<li>Mantel test: Pearson r between the Euclidean distance matrices of two tables on their common elements, {o.Permutations} permutations (seed {o.Seed}), two-sided p.</li>")
         .Append($"<li>Compound view: each compound is assigned to the set of UMAP clusters of its elements (e.g. \"1+3\"); only the {o.MaxGroups} largest groups with at least {o.MinGroupSize} compounds are drawn, and compounds with an element the table lacks are left out. ")
         .Append("Violins are Gaussian KDEs (Scott's bandwidth); the bar marks the quartiles, the dot the median.</li></ul>\n");
    }

    private static void Summary(StringBuilder h, AnalysisResult r)
    {
        h.Append("<h2>Summary</h2><table><tr><th class=\"l\">table</th><th>elements</th><th>dim</th><th>untrained</th><th>PC1+PC2 variance</th>")
         .Append("<th>trust. PCA</th><th>trust. UMAP</th><th>trust. t-SNE</th><th>k (UMAP, silhouette)</th><th>elbow</th><th>silhouette</th><th>k (vectors)</th><th>elbow</th>")
         .Append("<th>mean R² (own elements)</th><th>mean R² (common)</th></tr>\n");
        foreach (var t in r.Tables)
        {
            var common = r.ReverseCommon.Where(x => x.Embedding == t.Table.Name).ToList();
            h.Append($"<tr><td class=\"l\"><a href=\"#{E(t.Slug)}\">{E(t.Table.Name)}</a></td><td>{t.Elements.Count}</td><td>{t.Table.Dimension}</td><td>{t.Table.Untrained.Count}</td>")
             .Append($"<td>{F(t.Pca.ExplainedVarianceRatio.Take(2).Sum(), "P1")}</td><td>{F(t.TrustPca, "F3")}</td><td>{F(t.TrustUmap, "F3")}</td><td>{F(t.TrustTsne, "F3")}</td>")
             .Append($"<td>{t.UmapClusters.ChosenK}</td><td>{t.UmapClusters.ElbowK}</td><td>{F(EmbeddingAnalyzer.MeanSilhouette(t.UmapClusters), "F3")}</td>")
             .Append($"<td>{t.RawClusters.ChosenK}</td><td>{t.RawClusters.ElbowK}</td>")
             .Append($"<td>{F(t.Reverse.Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")}</td>")
             .Append($"<td>{F(common.Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")}</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void ReverseSection(StringBuilder h, AnalysisResult r)
    {
        if (r.ReverseCommon.Count == 0) return;
        var names = r.Tables.Select(t => t.Table.Name).ToList();
        h.Append("<h2>Reverse prediction: which table knows the most chemistry</h2>");
        if (r.Tables.Count > 1)
            h.Append($"<p>All tables on the {r.CommonElements.Count} elements common to all of them: {E(string.Join(" ", r.CommonElements.Select(e => e.Symbol)))} ")
             .Append("(fewer where a property has no value). Cross-validated R² (higher is better); best per property in bold. <code>reverse_prediction.csv</code> has R² and MAE.</p>");
        else h.Append("<p>Cross-validated R² and MAE on the table's own elements.</p>");
        var props = r.Options.Properties.Where(p => r.ReverseCommon.Any(x => x.Property == p)).ToList();
        h.Append("<table><tr><th class=\"l\">property</th><th>n</th>").Append(string.Concat(names.Select(n => $"<th>{E(n)}</th>"))).Append("</tr>\n");
        foreach (var p in props)
        {
            var rows = names.Select(n => r.ReverseCommon.FirstOrDefault(x => x.Embedding == n && x.Property == p)).ToList();
            double best = rows.Where(x => x is not null).Max(x => x!.R2);
            h.Append($"<tr><td class=\"l\">{E(ElementProperties.Label(p))}</td><td>{rows.FirstOrDefault(x => x is not null)?.N}</td>");
            foreach (var x in rows)
                h.Append(x is null ? "<td></td>" : x.R2 == best ? $"<td><b>{F(x.R2, "F3")}</b></td>" : $"<td>{F(x.R2, "F3")}</td>");
            h.Append("</tr>\n");
        }
        h.Append("<tr><th class=\"l\">mean</th><th></th>");
        foreach (var n in names) h.Append($"<th>{F(r.ReverseCommon.Where(x => x.Embedding == n).Select(x => x.R2).DefaultIfEmpty(double.NaN).Average(), "F3")}</th>");
        h.Append("</tr></table>\n");
        foreach (var f in r.Figures.Where(f => f.Name.StartsWith("reverse_prediction", StringComparison.Ordinal))) Fig(h, f, Path.GetDirectoryName(r.IndexPath)!);
    }

    private static void MantelSection(StringBuilder h, AnalysisResult r)
    {
        if (r.Mantel.Count == 0) return;
        var names = r.Tables.Select(t => t.Table.Name).ToList();
        h.Append($"<h2>How similar are the tables? (Mantel test)</h2><p>Pearson r between Euclidean distance matrices on the {r.CommonElements.Count} common elements; p from {r.Options.Permutations} permutations.</p>");
        h.Append("<table><tr><th></th>").Append(string.Concat(names.Select(n => $"<th>{E(n)}</th>"))).Append("</tr>\n");
        foreach (var a in names)
        {
            h.Append($"<tr><th class=\"l\">{E(a)}</th>");
            foreach (var b in names)
            {
                var m = r.Mantel.FirstOrDefault(x => (x.A == a && x.B == b) || (x.A == b && x.B == a));
                h.Append(a == b ? "<td>1</td>" : m is null ? "<td></td>" : $"<td>{F(m.R, "F2")} <span class=\"note\">(p {F(m.PValue, "G2")})</span></td>");
            }
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
        foreach (var f in r.Figures.Where(f => f.Name == "mantel")) Fig(h, f, Path.GetDirectoryName(r.IndexPath)!);
    }

    private static void TableSection(StringBuilder h, TableResult t, AnalysisResult r, string outDir)
    {
        h.Append($"<details open id=\"{E(t.Slug)}\"><summary>{E(t.Table.Name)}</summary>");
        h.Append($"<p class=\"note\">Source: <code>{E(t.Table.Source)}</code>. {t.Elements.Count} elements × {t.Table.Dimension} dimensions")
         .Append(t.Table.Untrained.Count > 0 ? $"; untrained rows left out: {E(string.Join(" ", t.Table.Untrained.Select(e => e.Symbol)))}" : "")
         .Append(t.Table.FilledValues.Count > 0 ? $"; {t.Table.FilledValues.Count} empty cells filled with column means" : "")
         .Append($". UMAP init: {t.Umap.InitUsed} ({t.Umap.GraphComponents} graph component(s), {t.Umap.Edges} edges, a = {t.Umap.A:F3}, b = {t.Umap.B:F3}). Files: <code>{E(t.Slug)}/</code>.</p>");
        foreach (var (title, choice) in new[] { ("UMAP map", t.UmapClusters), ("vectors", t.RawClusters) })
        {
            int kMax = choice.Rows.Max(x => x.K);
            h.Append($"<p><b>k-means on the {title}</b>: k = {choice.ChosenK}{(choice.Forced ? " (forced)" : "")} (best mean silhouette at k = {choice.SilhouetteK}, elbow at k = {choice.ElbowK})")
             .Append(!choice.Forced && choice.SilhouetteK == kMax ? $"; the silhouette is still rising at the end of the scan (k = {kMax}), so the clusters are weak and k is not well defined" : "")
             .Append(".</p><ul>");
            for (int c = 1; c <= choice.Labels.Max(); c++)
            {
                var members = t.Elements.Where((e, i) => choice.Labels[i] == c).Select(e => e.Symbol).ToList();
                h.Append($"<li>cluster {c} ({members.Count}): {E(string.Join(" ", members))}</li>");
            }
            h.Append("</ul>");
        }
        // Strongest correlations of the leading components.
        h.Append("<p><b>Leading components</b> (explained variance; the properties they correlate with most, Spearman ρ):</p><ul>");
        for (int c = 0; c < Math.Min(4, t.Pca.Scores.GetLength(1)); c++)
        {
            var top = t.Correlations.Where(x => x.Feature == $"PC{c + 1}" && !double.IsNaN(x.Spearman))
                .OrderByDescending(x => Math.Abs(x.Spearman)).Take(4).Select(x => $"{x.Property} {x.Spearman:+0.00;-0.00}");
            h.Append($"<li>PC{c + 1} ({F(t.Pca.ExplainedVarianceRatio[c], "P1")}): {E(string.Join(", ", top))}</li>");
        }
        h.Append("</ul>");
        foreach (var s in t.Compounds)
            h.Append($"<p class=\"note\">{E(s.Dataset)}: {s.Used} of {s.Compounds} compounds drawn; {s.SkippedMissingElement} contain an element the table lacks")
             .Append(s.MissingElements.Count > 0 ? $" ({E(string.Join(" ", s.MissingElements))})" : "")
             .Append($"; {s.SkippedSmallGroups} fall in groups smaller than {r.Options.MinGroupSize} or beyond the {r.Options.MaxGroups} largest groups.</p>");
        foreach (var f in t.Figures) Fig(h, f, outDir);
        h.Append("</details>\n");
    }

    private static void Files(StringBuilder h, AnalysisResult r)
    {
        h.Append("<h2>Files</h2><ul class=\"note\">")
         .Append("<li><code>summary.csv</code>: one row per table (the summary above). <code>reverse_prediction.csv</code>: embedding, property, n_elements, r2, mae")
         .Append(r.Tables.Count > 1 ? " (on the common elements); <code>mantel.csv</code>; <code>common_elements.txt</code>.</li>" : ".</li>")
         .Append("<li>Per table folder: <code>pca.csv</code>, <code>pca_variance.csv</code>, <code>umap.csv</code>, <code>tsne.csv</code> (map coordinates), <code>clusters.csv</code> (cluster labels), ")
         .Append("<code>kmeans_scan.csv</code> (SSE and silhouette per k and seed), <code>correlations.csv</code> (Pearson/Spearman per feature and property), ")
         .Append("<code>reverse_prediction.csv</code> (own elements), <code>cosine_similarity.csv</code>, <code>compound_groups.csv</code>, and every figure as PNG and SVG.</li></ul>\n");
        h.Append("<p class=\"note\">Timings: ").Append(E(string.Join("; ", r.Timings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds:F1} s")))).Append(".</p>\n");
    }

    private static void Fig(StringBuilder h, Figure f, string outDir)
    {
        string svg = Path.GetRelativePath(outDir, f.SvgFile).Replace('\\', '/');
        bool wide = f.Width >= 900;
        h.Append($"<figure{(wide ? " class=\"wide\"" : "")}><img alt=\"{E(f.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png)}\">")
         .Append($"<figcaption>{E(f.Title)} (<a href=\"{E(svg)}\">SVG</a>)</figcaption></figure>\n");
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string F(double v, string format) => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);
}
