using System.Diagnostics;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

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
                perTable[i] = TableStatistics.ReversePrediction(tables[i].Name, tables[i].Matrix(common), common, options));
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
        AnalysisCsvFiles.AcrossTables(outDir, results, common, reverseCommon, mantel, tables.Count);
        var figures = AnalysisFigures.AcrossTables(outDir, results, reverseCommon, mantel, options);
        timings["comparison figures"] = sw.Elapsed;
        timings["total before report"] = total.Elapsed;

        var result = new AnalysisResult
        {
            Options = options, Tables = results, CommonElements = common, ReverseCommon = reverseCommon, Mantel = mantel,
            Figures = figures, Timings = timings, IndexPath = Path.Combine(outDir, "index.html"),
        };
        AnalysisRunRecord.Write(outDir, result, datasets.Select(d => d.d).ToList());
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
        var pcaMap = PcaMap(pca, n);
        var umap = Numerics.Umap.Run(x, new UmapOptions { Seed = options.Seed });
        double trustPca = Trustworthiness.Compute(x, pcaMap, options.TrustworthinessK);
        double trustUmap = Trustworthiness.Compute(x, umap.Embedding, options.TrustworthinessK);
        var tsne = Tsne.Embed(x);
        double trustTsne = Trustworthiness.Compute(x, tsne, options.TrustworthinessK);
        Mark("maps+trustworthiness");

        var umapClusters = ClusterScan.Run(umap.Embedding, options.KMin, options.KMax, options.ScanSeeds, options.ForcedK);
        var rawClusters = ClusterScan.Run(x, options.KMin, options.KMax, options.ScanSeeds, options.ForcedK);
        Mark("k-means scans");

        var correlations = TableStatistics.Correlations(raw, pca, elements, table, options.Properties);
        Mark("correlations");
        var reverse = TableStatistics.ReversePrediction(table.Name, raw, elements, options);
        Mark("reverse prediction");
        var cosine = Matrices.CosineSimilarity(x);

        var compounds = TableStatistics.Compounds(elements, umapClusters.Labels, datasets, options);
        Mark("compound view");

        var computed = new TableComputation(table, elements, pca, pcaMap, umap, tsne, umapClusters, rawClusters, correlations, reverse, cosine, compounds);
        AnalysisCsvFiles.ForTable(dir, computed);
        Mark("csv");
        var figures = AnalysisFigures.ForTable(dir, computed, options);
        Mark("figures");
        return new TableResult
        {
            Table = table, Slug = slug, Elements = elements, Pca = pca, Umap = umap, Tsne = tsne, TrustPca = trustPca, TrustUmap = trustUmap,
            TrustTsne = trustTsne,
            UmapClusters = umapClusters, RawClusters = rawClusters, Correlations = correlations, Reverse = reverse,
            CompoundGroups = compounds.Groups, Compounds = compounds.Summaries, Figures = figures, Elapsed = sw.Elapsed, Stages = stages,
        };
    }

    /// <summary>The first two principal components of each element (the second 0 when there is only one): the PCA map.</summary>
    private static double[,] PcaMap(PcaResult pca, int n)
    {
        var map = new double[n, 2];
        for (int i = 0; i < n; i++) { map[i, 0] = pca.Scores[i, 0]; map[i, 1] = pca.Scores.GetLength(1) > 1 ? pca.Scores[i, 1] : 0; }
        return map;
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


}

/// <summary>Everything computed for one table before it is written: what its CSVs and figures are made from.</summary>
internal sealed record TableComputation(ElementTable Table, IReadOnlyList<Element> Elements, PcaResult Pca, double[,] PcaMap, UmapResult Umap, double[,] Tsne,
    ClusterChoice UmapClusters, ClusterChoice RawClusters, List<CorrelationRow> Correlations, List<ReverseRow> Reverse, double[,] Cosine, CompoundView Compounds);
