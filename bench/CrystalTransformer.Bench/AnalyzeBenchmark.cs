using System.Diagnostics;
using CrystalTransformer.Analysis;
using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;

namespace CrystalTransformer.Bench;

/// <summary>
/// <c>ct analyze</c> on the 12 built-in tables. Part 1 times the numerics that scikit-learn also has (PCA,
/// trustworthiness, k-means scan with silhouette on the vectors, ridge reverse prediction) in CPU seconds and compares with
/// bench/python/analyze_sklearn.py measured in the same run (one thread). Part 2 times UMAP alone, part 3 the whole
/// command (figures, HTML and the compound view on perov5 and MP) in wall and CPU seconds.
/// </summary>
public static class AnalyzeBenchmark
{
    public static void Run(string[] args)
    {
        var tables = ElementTableIO.BuiltInNames.Select(n => ElementTableIO.Load(n)).ToList();
        var options = new AnalysisOptions();
        // Warm-up (JIT) on one table.
        Numerics(tables[1], options);

        var cpu = Stopwatch.StartNew();
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var t in tables)
        {
            double r2 = Numerics(t, options);
            Console.WriteLine($"ct       {t.Name,-11} mean R2 {r2:F3}");
        }
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
        double rate = tables.Count / cpuSeconds;
        Console.WriteLine($"ct       {tables.Count} tables in {cpuSeconds:F2} CPU s = {rate:F3}/s (wall {cpu.Elapsed.TotalSeconds:F2} s)");
        double? sk = PythonReference.Rate("bench/python/analyze_sklearn.py", BuiltInData.Root);
        if (sk is double s) Console.WriteLine($"ratio    {rate / s:F1}x scikit-learn (CPU time, same numerics)");

        before = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var t in tables) Umap.Run(Matrices.Standardize(t.Matrix(t.Trained)));
        Console.WriteLine($"umap     12 maps in {(Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds:F2} CPU s (wall {wall.Elapsed.TotalSeconds:F2} s)");

        string outDir = Path.Combine(Path.GetTempPath(), $"ct-bench-analyze-{Environment.ProcessId}");
        before = Process.GetCurrentProcess().TotalProcessorTime;
        wall.Restart();
        EmbeddingAnalyzer.Run(tables, options with
        {
            OutputDirectory = outDir,
            Datasets = [CompoundDataset.Resolve("perov5"), CompoundDataset.Resolve("mp")],
        });
        Console.WriteLine($"analyze  12 tables end to end (figures, HTML, perov5 + MP compounds) in {wall.Elapsed.TotalSeconds:F1} s wall, " +
                          $"{(Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds:F1} CPU s, {Environment.ProcessorCount} threads");
        Directory.Delete(outDir, recursive: true);
    }

    private static double Numerics(CrystalTransformer.Structures.ElementTable t, AnalysisOptions options)
    {
        var raw = t.Matrix(t.Trained);
        var x = Matrices.Standardize(raw);
        var pca = Pca.Fit(x, 10);
        var map = new double[x.GetLength(0), 2];
        for (int i = 0; i < map.GetLength(0); i++) { map[i, 0] = pca.Scores[i, 0]; map[i, 1] = pca.Scores[i, 1]; }
        Trustworthiness.Compute(x, map, 5);
        ClusterScan.Run(x);
        return TableStatistics.ReversePrediction(t.Name, raw, t.Trained, options).Average(r => r.R2);
    }
}

/// <summary>Registers <see cref="AnalyzeBenchmark"/> under the name "analyze".</summary>
public sealed class AnalyzeBench : IBenchmark
{
    public string Name => "analyze";
    public string Description => "ct analyze numerics on the 12 built-in tables, vs scikit-learn";

    public int Run(string[] args)
    {
        AnalyzeBenchmark.Run(args);
        return 0;
    }
}
