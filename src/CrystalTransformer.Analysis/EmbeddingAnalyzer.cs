using System.Diagnostics;
using System.Security.Cryptography;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;
using ScottPlot;

namespace CrystalTransformer.Analysis;

/// <summary>Settings of <c>ct analyze</c>.</summary>
public sealed record AnalysisOptions
{
    public string OutputDirectory { get; init; } = Path.Combine("runs", "analyze");
    /// <summary>Seed of UMAP and of the Mantel permutations; k-means uses seeds 0..ScanSeeds−1.</summary>
    public int Seed { get; init; } = 42;
    public int KMin { get; init; } = 2;
    public int KMax { get; init; } = 10;
    public int ScanSeeds { get; init; } = 5;
    public int? ForcedK { get; init; }
    public int Folds { get; init; } = 10;
    /// <summary>Properties with fewer elements than this are not predicted.</summary>
    public int MinElements { get; init; } = 20;
    /// <summary>z-score each column over the analysed elements before PCA, UMAP, clustering, similarity and Mantel.</summary>
    public bool Standardize { get; init; } = true;
    public int Permutations { get; init; } = 999;
    public int TrustworthinessK { get; init; } = 5;
    public int PcaComponents { get; init; } = 10;
    /// <summary>Smallest group of compounds drawn in the compound view.</summary>
    public int MinGroupSize { get; init; } = 20;
    /// <summary>Most groups drawn per violin plot (the largest ones).</summary>
    public int MaxGroups { get; init; } = 16;
    public IReadOnlyList<string> Properties { get; init; } = ElementProperties.Default;
    public IReadOnlyList<CompoundDataset> Datasets { get; init; } = [];
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string? CommandLine { get; init; }
}

public sealed record CorrelationRow(string Feature, string Property, int N, double Pearson, double Spearman);
public sealed record ReverseRow(string Embedding, string Property, int N, double R2, double Mae, double MedianAlpha);
public sealed record CompoundGroupRow(string Dataset, string Group, string Property, int N, double Mean, double Median, double Std);
public sealed record CompoundSummary(string Dataset, int Compounds, int Used, int SkippedMissingElement, int SkippedSmallGroups, IReadOnlyList<string> MissingElements);
public sealed record MantelRow(string A, string B, int N, double R, double PValue, int Permutations);

/// <summary>Everything computed for one table.</summary>
public sealed class TableResult
{
    public required ElementTable Table { get; init; }
    public required string Slug { get; init; }
    public required IReadOnlyList<Element> Elements { get; init; }
    public required PcaResult Pca { get; init; }
    public required UmapResult Umap { get; init; }
    public required double TrustPca { get; init; }
    public required double TrustUmap { get; init; }
    public required double[,] Tsne { get; init; }
    public required double TrustTsne { get; init; }
    public required ClusterChoice UmapClusters { get; init; }
    public required ClusterChoice RawClusters { get; init; }
    public required IReadOnlyList<CorrelationRow> Correlations { get; init; }
    public required IReadOnlyList<ReverseRow> Reverse { get; init; }
    public required IReadOnlyList<CompoundGroupRow> CompoundGroups { get; init; }
    public required IReadOnlyList<CompoundSummary> Compounds { get; init; }
    public required IReadOnlyList<Figure> Figures { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required IReadOnlyDictionary<string, TimeSpan> Stages { get; init; }
}

public sealed class AnalysisResult
{
    public required AnalysisOptions Options { get; init; }
    public required IReadOnlyList<TableResult> Tables { get; init; }
    public required IReadOnlyList<Element> CommonElements { get; init; }
    public required IReadOnlyList<ReverseRow> ReverseCommon { get; init; }
    public required IReadOnlyList<MantelRow> Mantel { get; init; }
    public required IReadOnlyList<Figure> Figures { get; init; }
    public required IReadOnlyDictionary<string, TimeSpan> Timings { get; init; }
    public required string IndexPath { get; init; }
}

/// <summary>
/// Runs every analysis of <c>ct analyze</c> on one or more element tables and writes CSVs, figures and index.html.
/// Per table: PCA, UMAP, trustworthiness of both maps, k-means scans on the UMAP map and on the vectors, correlations
/// with elemental properties, cross-validated ridge "reverse prediction", cosine similarity, periodic-table views and the
/// compound view. Across tables (on the elements all of them cover): reverse prediction side by side and Mantel tests.
/// </summary>
public static class EmbeddingAnalyzer
{
    public static AnalysisResult Run(IReadOnlyList<ElementTable> tables, AnalysisOptions options, Action<string>? log = null)
    {
        try { return RunCore(tables, options, log); }
        catch (AggregateException ae) when (ae.Flatten().InnerExceptions.FirstOrDefault(e => e is InputError) is InputError input)
        {
            // A bad input met inside a parallel loop is reported as itself, not as an aggregate.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(input);
            throw;
        }
    }

    private static AnalysisResult RunCore(IReadOnlyList<ElementTable> tables, AnalysisOptions options, Action<string>? log)
    {
        if (tables.Count == 0) throw new InputError("no element table to analyse");
        foreach (var t in tables)
            if (t.Trained.Count < 4 * options.TrustworthinessK)
                throw new InputError($"element table '{t.Name}' has only {t.Trained.Count} trained elements; the analyses need at least {4 * options.TrustworthinessK}", t.Source);
        Figures.Initialize();
        var total = Stopwatch.StartNew();
        var timings = new Dictionary<string, TimeSpan>();
        string outDir = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(outDir);

        var sw = Stopwatch.StartNew();
        var datasets = options.Datasets.Select(d => (d, d.Load())).ToList();
        timings["read data sets"] = sw.Elapsed;
        foreach (var (d, t) in datasets) log?.Invoke($"data set {d.Name}: {t.Rows.Count} compounds ({string.Join(", ", t.ValueColumns)})");

        var slugs = Slugs(tables.Select(t => t.Name).ToList());
        sw.Restart();
        var results = new TableResult[tables.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads) };
        Parallel.For(0, tables.Count, parallel, i =>
        {
            results[i] = AnalyzeTable(tables[i], slugs[i], Path.Combine(outDir, slugs[i]), options, datasets);
            log?.Invoke($"{tables[i].Name}: {results[i].Elements.Count} elements × {tables[i].Dimension}, k = {results[i].UmapClusters.ChosenK}, " +
                        $"trustworthiness UMAP {results[i].TrustUmap:F3} / PCA {results[i].TrustPca:F3} ({results[i].Elapsed.TotalSeconds:F1} s)");
        });
        timings["per-table analyses"] = sw.Elapsed;

        sw.Restart();
        var common = PeriodicTable.Elements.Where(e => tables.All(t => t.IsTrained(e))).ToList();
        var reverseCommon = new List<ReverseRow>();
        var mantel = new List<MantelRow>();
        if (tables.Count == 1) reverseCommon.AddRange(results[0].Reverse);
        else if (common.Count >= Math.Max(options.Folds, 10))
        {
            var perTable = new List<ReverseRow>[tables.Count];
            Parallel.For(0, tables.Count, parallel, i =>
                perTable[i] = ReversePrediction(tables[i].Name, tables[i].Matrix(common), common, options));
            foreach (var rows in perTable) reverseCommon.AddRange(rows);
            var distances = new double[tables.Count][,];
            Parallel.For(0, tables.Count, parallel, i => distances[i] = Matrices.Distances(Prepare(tables[i].Matrix(common), options)));
            var pairs = new List<(int, int)>();
            for (int a = 0; a < tables.Count; a++)
                for (int b = a + 1; b < tables.Count; b++) pairs.Add((a, b));
            var mantelRows = new MantelRow[pairs.Count];
            Parallel.For(0, pairs.Count, parallel, p =>
            {
                var (a, b) = pairs[p];
                var m = Numerics.Mantel.Test(distances[a], distances[b], options.Permutations, options.Seed);
                mantelRows[p] = new MantelRow(tables[a].Name, tables[b].Name, common.Count, m.R, m.PValue, m.Permutations);
            });
            mantel.AddRange(mantelRows);
        }
        else log?.Invoke($"only {common.Count} elements are common to all tables: no side-by-side reverse prediction or Mantel tests");
        timings["comparisons between tables"] = sw.Elapsed;

        sw.Restart();
        WriteCrossCsvs(outDir, results, common, reverseCommon, mantel, tables.Count);
        var figures = CrossFigures(outDir, results, reverseCommon, mantel, options);
        timings["comparison figures"] = sw.Elapsed;
        timings["total before report"] = total.Elapsed;

        var result = new AnalysisResult
        {
            Options = options, Tables = results, CommonElements = common, ReverseCommon = reverseCommon, Mantel = mantel,
            Figures = figures, Timings = timings, IndexPath = Path.Combine(outDir, "index.html"),
        };
        WriteRunRecord(outDir, result, datasets.Select(d => d.d).ToList());
        Report.HtmlReport.Write(result);
        return result;
    }

    // ---------------------------------------------------------------- one table

    private static double[,] Prepare(double[,] raw, AnalysisOptions options) => options.Standardize ? Matrices.Standardize(raw) : raw;

    private static TableResult AnalyzeTable(ElementTable table, string slug, string dir, AnalysisOptions options,
        IReadOnlyList<(CompoundDataset Spec, CompositionTable Data)> datasets)
    {
        var sw = Stopwatch.StartNew();
        var elements = table.Trained;
        Directory.CreateDirectory(dir);
        var raw = table.Matrix(elements);
        var x = Prepare(raw, options);
        int n = elements.Count;

        var stages = new Dictionary<string, TimeSpan>();
        var stage = Stopwatch.StartNew();
        void Mark(string name) { stages[name] = stage.Elapsed; stage.Restart(); }
        var pca = Numerics.Pca.Fit(x, Math.Min(options.PcaComponents, Math.Min(n - 1, table.Dimension)));
        var pca2 = new double[n, 2];
        for (int i = 0; i < n; i++) { pca2[i, 0] = pca.Scores[i, 0]; pca2[i, 1] = pca.Scores.GetLength(1) > 1 ? pca.Scores[i, 1] : 0; }
        var umap = Numerics.Umap.Run(x, new UmapOptions { Seed = options.Seed });
        double trustPca = Trustworthiness.Compute(x, pca2, options.TrustworthinessK);
        double trustUmap = Trustworthiness.Compute(x, umap.Embedding, options.TrustworthinessK);
        var tsne = Tsne.Embed(x);
        double trustTsne = Trustworthiness.Compute(x, tsne, options.TrustworthinessK);
        Mark("maps+trustworthiness");

        var umapClusters = ClusterScan.Run(umap.Embedding, options.KMin, options.KMax, options.ScanSeeds, options.ForcedK);
        var rawClusters = ClusterScan.Run(x, options.KMin, options.KMax, options.ScanSeeds, options.ForcedK);
        Mark("k-means scans");

        var correlations = Correlations(raw, pca, elements, table, options.Properties);
        Mark("correlations");
        var reverse = ReversePrediction(table.Name, raw, elements, options);
        Mark("reverse prediction");
        var cosine = Matrices.CosineSimilarity(x);

        var (groupRows, summaries, violins) = CompoundView(elements, umapClusters.Labels, datasets, options);
        Mark("compound view");

        WriteTableCsvs(dir, table, elements, pca, umap, tsne, umapClusters, rawClusters, correlations, reverse, cosine, groupRows, summaries);
        Mark("csv");
        var figures = TableFigures(dir, table, elements, pca, umap, tsne, umapClusters, rawClusters, correlations, cosine, violins, options);
        Mark("figures");
        return new TableResult
        {
            Table = table, Slug = slug, Elements = elements, Pca = pca, Umap = umap, Tsne = tsne, TrustPca = trustPca, TrustUmap = trustUmap,
            TrustTsne = trustTsne,
            UmapClusters = umapClusters, RawClusters = rawClusters, Correlations = correlations, Reverse = reverse,
            CompoundGroups = groupRows, Compounds = summaries, Figures = figures, Elapsed = sw.Elapsed, Stages = stages,
        };
    }

    private static List<CorrelationRow> Correlations(double[,] raw, PcaResult pca, IReadOnlyList<Element> elements, ElementTable table, IReadOnlyList<string> properties)
    {
        var rows = new List<CorrelationRow>();
        var props = properties.Select(p => (p, ElementProperties.Values(elements, p))).ToList();
        void Add(string feature, double[] values)
        {
            foreach (var (p, v) in props)
                rows.Add(new CorrelationRow(feature, p, Correlation.CompleteCount(values, v), Correlation.Pearson(values, v), Correlation.Spearman(values, v)));
        }
        for (int c = 0; c < pca.Scores.GetLength(1); c++) Add($"PC{c + 1}", Matrices.Column(pca.Scores, c));
        for (int j = 0; j < raw.GetLength(1); j++) Add(table.ColumnNames[j], Matrices.Column(raw, j));
        return rows;
    }

    /// <summary>
    /// Ridge "reverse prediction" of every property from the raw vectors: elements in order of Z that have the property,
    /// element i in fold i mod Folds; properties with the same set of elements share each fold's decomposition.
    /// </summary>
    public static List<ReverseRow> ReversePrediction(string name, double[,] raw, IReadOnlyList<Element> elements, AnalysisOptions options)
    {
        var byMask = new Dictionary<string, List<(string Property, double[] Values)>>();
        foreach (var p in options.Properties)
        {
            var v = ElementProperties.Values(elements, p);
            string mask = new(v.Select(x => double.IsNaN(x) ? '0' : '1').ToArray());
            if (!byMask.TryGetValue(mask, out var list)) byMask[mask] = list = [];
            list.Add((p, v));
        }
        var results = new Dictionary<string, ReverseRow>();
        foreach (var (mask, props) in byMask)
        {
            var rows = Enumerable.Range(0, mask.Length).Where(i => mask[i] == '1').ToArray();
            if (rows.Length < Math.Max(options.MinElements, options.Folds)) continue;
            var x = Matrices.Rows(raw, rows);
            var ys = props.Select(p => rows.Select(i => p.Values[i]).ToArray()).ToArray();
            var cv = RidgeCv.CrossValidate(x, ys, options.Folds);
            for (int t = 0; t < props.Count; t++)
            {
                var alphas = cv[t].ChosenAlphas.Order().ToArray();
                results[props[t].Property] = new ReverseRow(name, props[t].Property, rows.Length, cv[t].R2, cv[t].Mae, alphas[alphas.Length / 2]);
            }
        }
        return options.Properties.Where(results.ContainsKey).Select(p => results[p]).ToList();
    }

    private static (List<CompoundGroupRow>, List<CompoundSummary>, List<(string Dataset, string Property, string Label, List<(string, IReadOnlyList<double>)> Groups)>)
        CompoundView(IReadOnlyList<Element> elements, int[] clusters, IReadOnlyList<(CompoundDataset Spec, CompositionTable Data)> datasets, AnalysisOptions options)
    {
        var clusterOf = elements.Select((e, i) => (e, clusters[i])).ToDictionary(t => t.e, t => t.Item2);
        var rows = new List<CompoundGroupRow>();
        var summaries = new List<CompoundSummary>();
        var violins = new List<(string, string, string, List<(string, IReadOnlyList<double>)>)>();
        foreach (var (spec, data) in datasets)
        {
            var groups = new Dictionary<string, List<CompoundRow>>();
            var missing = new SortedSet<Element>();
            int skipped = 0;
            foreach (var row in data.Rows)
            {
                var els = row.Composition.Elements.ToList();
                var lacking = els.Where(e => !clusterOf.ContainsKey(e)).ToList();
                if (lacking.Count > 0) { skipped++; foreach (var e in lacking) missing.Add(e); continue; }
                string key = string.Join("+", els.Select(e => clusterOf[e]).Distinct().Order().Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
                list.Add(row);
            }
            // The largest groups (at most MaxGroups, each with at least MinGroupSize compounds), in order of cluster sets.
            var kept = groups.Where(g => g.Value.Count >= options.MinGroupSize)
                .OrderByDescending(g => g.Value.Count).ThenBy(g => g.Key, StringComparer.Ordinal).Take(options.MaxGroups)
                .OrderBy(g => g.Key.Split('+').Length).ThenBy(g => GroupOrder(g.Key)).ToList();
            int small = data.Rows.Count - skipped - kept.Sum(g => g.Value.Count);
            summaries.Add(new CompoundSummary(spec.Name, data.Rows.Count, kept.Sum(g => g.Value.Count), skipped, small, missing.Select(e => e.Symbol).ToList()));
            for (int c = 0; c < data.ValueColumns.Count; c++)
            {
                string prop = data.ValueColumns[c];
                var drawn = new List<(string, IReadOnlyList<double>)>();
                foreach (var (key, list) in kept)
                {
                    var v = list.Select(r => r.Values[c]).Where(x => !double.IsNaN(x)).ToArray();
                    if (v.Length == 0) continue;
                    var sorted = v.Order().ToArray();
                    double mean = v.Average();
                    double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, v.Length - 1));
                    rows.Add(new CompoundGroupRow(spec.Name, key, prop, v.Length, mean, Figures.Quantile(sorted, 0.5), std));
                    drawn.Add(($"{key}", v));
                }
                if (drawn.Count > 0) violins.Add((spec.Name, prop, spec.LabelOf(prop), drawn));
            }
        }
        return (rows, summaries, violins);
    }

    // ---------------------------------------------------------------- output of one table

    private static void WriteTableCsvs(string dir, ElementTable table, IReadOnlyList<Element> elements, PcaResult pca, UmapResult umap, double[,] tsne,
        ClusterChoice umapClusters, ClusterChoice rawClusters, List<CorrelationRow> correlations, List<ReverseRow> reverse,
        double[,] cosine, List<CompoundGroupRow> groups, List<CompoundSummary> summaries)
    {
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

    private static List<Figure> TableFigures(string dir, ElementTable table, IReadOnlyList<Element> elements, PcaResult pca, UmapResult umap, double[,] tsne,
        ClusterChoice umapClusters, ClusterChoice rawClusters, List<CorrelationRow> correlations, double[,] cosine,
        List<(string Dataset, string Property, string Label, List<(string, IReadOnlyList<double>)> Groups)> violins, AnalysisOptions options)
    {
        var figs = new List<Figure>();
        string name = table.Name;
        int n = elements.Count;
        var pca2 = new double[n, 2];
        for (int i = 0; i < n; i++) { pca2[i, 0] = pca.Scores[i, 0]; pca2[i, 1] = pca.Scores.GetLength(1) > 1 ? pca.Scores[i, 1] : 0; }
        double v1 = 100 * pca.ExplainedVarianceRatio[0], v2 = pca.ExplainedVarianceRatio.Length > 1 ? 100 * pca.ExplainedVarianceRatio[1] : 0;

        figs.Add(FigureWriter.Save(Figures.Map($"{name}: UMAP, k-means clusters (k = {umapClusters.ChosenK})", umap.Embedding, elements, umapClusters.Labels, "UMAP 1", "UMAP 2"),
            dir, "umap", "UMAP map coloured by k-means cluster"));
        figs.Add(FigureWriter.Save(Figures.Map($"{name}: PCA, coloured by UMAP cluster", pca2, elements, umapClusters.Labels, $"PC1 ({v1:F1} %)", $"PC2 ({v2:F1} %)"),
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

    /// <summary>Sort key of a cluster set such as "2+10": its cluster numbers, zero-padded.</summary>
    private static string GroupOrder(string key) => string.Join("+", key.Split('+').Select(c => c.PadLeft(4, '0')));

    private static double Sd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length < 2) return 0;
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
    }

    // ---------------------------------------------------------------- output across tables

    private static void WriteCrossCsvs(string outDir, TableResult[] results, List<Element> common, List<ReverseRow> reverse, List<MantelRow> mantel, int tables)
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
                    r.UmapClusters.ChosenK, r.UmapClusters.ElbowK, MeanSilhouette(r.UmapClusters),
                    r.RawClusters.ChosenK, r.RawClusters.ElbowK, MeanSilhouette(r.RawClusters),
                    r.Reverse.Count > 0 ? r.Reverse.Average(x => x.R2) : double.NaN,
                    common2.Count > 0 ? common2.Average(x => x.R2) : double.NaN];
            }));
    }

    public static double MeanSilhouette(ClusterChoice c) =>
        c.Rows.Where(r => r.K == c.ChosenK).Select(r => r.Silhouette).DefaultIfEmpty(double.NaN).Average();

    private static List<Figure> CrossFigures(string outDir, TableResult[] results, List<ReverseRow> reverse, List<MantelRow> mantel, AnalysisOptions options)
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

    private static List<string> Slugs(List<string> names)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "index", "figures" };
        var result = new List<string>();
        foreach (var name in names)
        {
            string s = new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
            if (s.Length == 0 || s.StartsWith('.')) s = "table" + s;
            string unique = s;
            for (int i = 2; !used.Add(unique); i++) unique = $"{s}_{i}";
            result.Add(unique);
        }
        return result;
    }

    private static void WriteRunRecord(string outDir, AnalysisResult result, List<CompoundDataset> datasets)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            var o = result.Options;
            w.WriteStartObject();
            w.WriteString("command", o.CommandLine ?? "");
            w.WriteNumber("seed", o.Seed);
            w.WriteNumber("threads", o.Threads);
            w.WriteBoolean("standardize", o.Standardize);
            w.WriteNumber("folds", o.Folds);
            w.WriteString("fold_rule", "element i (in order of Z among the elements with the property) is held out in fold i mod folds");
            w.WriteStartArray("ridge_alphas"); foreach (var a in RidgeCv.DefaultAlphas) w.WriteNumberValue(a); w.WriteEndArray();
            w.WriteNumber("k_min", o.KMin); w.WriteNumber("k_max", o.KMax); w.WriteNumber("scan_seeds", o.ScanSeeds);
            if (o.ForcedK is int k) w.WriteNumber("forced_k", k);
            w.WriteNumber("mantel_permutations", o.Permutations);
            w.WriteNumber("trustworthiness_k", o.TrustworthinessK);
            w.WriteStartArray("properties"); foreach (var p in o.Properties) w.WriteStringValue(p); w.WriteEndArray();
            w.WriteStartArray("tables");
            foreach (var t in result.Tables)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Table.Name);
                w.WriteString("source", t.Table.Source);
                w.WriteNumber("elements", t.Elements.Count);
                w.WriteNumber("dimension", t.Table.Dimension);
                w.WriteStartArray("untrained"); foreach (var e in t.Table.Untrained) w.WriteStringValue(e.Symbol); w.WriteEndArray();
                w.WriteString("sha256_of_values", t.Table.ContentHash());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("datasets");
            foreach (var d in datasets)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteString("path", Path.GetFullPath(d.Path));
                w.WriteString("sha256", FileHash(d.Path));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("versions");
            w.WriteString("ct", typeof(EmbeddingAnalyzer).Assembly.GetName().Version?.ToString());
            w.WriteString("dotnet", Environment.Version.ToString());
            w.WriteString("MathNet.Numerics", typeof(MathNet.Numerics.Control).Assembly.GetName().Version?.ToString());
            w.WriteString("ScottPlot", typeof(Plot).Assembly.GetName().Version?.ToString());
            w.WriteEndObject();
            w.WriteStartObject("timings_seconds");
            foreach (var (stage, span) in result.Timings) w.WriteNumber(stage, Math.Round(span.TotalSeconds, 3));
            foreach (var t in result.Tables)
            {
                w.WriteStartObject($"table {t.Table.Name}");
                w.WriteNumber("total", Math.Round(t.Elapsed.TotalSeconds, 3));
                foreach (var (stage, span) in t.Stages) w.WriteNumber(stage, Math.Round(span.TotalSeconds, 3));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        IO.TextFiles.WriteAllTextAtomic(Path.Combine(outDir, "analysis.json"), System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>SHA-256 over the trained rows (symbol and values), so that a record identifies the numbers analysed.</summary>
    private static string FileHash(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
