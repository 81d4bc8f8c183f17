using System.CommandLine;
using System.Diagnostics;
using CrystalTransformer.Analysis;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct analyze</c>: what element tables encode — maps, clusters, correlations, reverse prediction, side by side.</summary>
public static class AnalyzeCommand
{
    public static Command Create()
    {
        var embedding = new Option<string[]>("--embedding", "-e")
        {
            Description = "Element table to analyse (repeatable): " + ElementTableIO.Syntax + "; 'all' = the 12 built-in tables",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Output folder (index.html, CSVs, figures)",
            DefaultValueFactory = _ => Path.Combine("runs", "analyze"),
        };
        var dataset = new Option<string[]>("--dataset")
        {
            Description = "Compounds for the violin plots (repeatable): perov5, mp, none, or a CSV with a formula column",
            DefaultValueFactory = _ => ["perov5", "mp"],
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = CommonOptions.Seed("seed of UMAP, Mantel permutations and 'random' tables");
        var k = new Option<int?>("--k") { Description = "Use this number of clusters instead of the silhouette choice" };
        var kMax = new Option<int>("--k-max") { Description = "Largest k scanned", DefaultValueFactory = _ => 10 };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds of the reverse prediction", DefaultValueFactory = _ => 10 };
        var permutations = new Option<int>("--permutations") { Description = "Permutations of each Mantel test", DefaultValueFactory = _ => 999 };
        var raw = new Option<bool>("--no-standardize") { Description = "Analyse the columns as they are instead of z-scored" };
        var threads = CommonOptions.Threads("that many tables are analysed at once, one thread each");
        var quiet = CommonOptions.Quiet("no progress lines and no summary (warnings and errors still go to standard error)");

        var command = new Command("analyze",
            "What element tables encode: PCA and UMAP maps (with trustworthiness), k-means clusters (k by silhouette and elbow over 5 seeds), " +
            "periodic-table views, correlations with elemental properties, cross-validated ridge reverse prediction, cosine similarity, " +
            "Mantel tests between tables and compound violin plots. Writes OUT/index.html (self-contained), PNG/SVG figures and CSVs.")
        {
            embedding, output, dataset, seed, k, kMax, folds, permutations, raw, threads, quiet,
        };
        command.SetAction(parse => CommandRunner.Guard(() =>
        {
            var sw = Stopwatch.StartNew();
            int s = parse.GetValue(seed);
            var specs = parse.GetValue(embedding)!.SelectMany(e => e.Equals("all", StringComparison.OrdinalIgnoreCase) ? ElementTableIO.BuiltInNames : [e]).ToList();
            var tables = specs.Select(spec => ElementTableIO.Load(spec, s)).ToList();
            var datasetSpecs = parse.GetValue(dataset)!.Where(d => !d.Equals("none", StringComparison.OrdinalIgnoreCase)).ToList();
            int t = CommonOptions.ThreadCount(parse.GetValue(threads)), f = parse.GetValue(folds), p = parse.GetValue(permutations), km = parse.GetValue(kMax);
            if (f < 2) throw new UsageError($"--folds must be at least 2, got {f}");
            if (p < 0) throw new UsageError($"--permutations must not be negative, got {p}");
            if (km < 2) throw new UsageError($"--k-max must be at least 2, got {km}");
            if (parse.GetValue(k) is int forced && forced < 1) throw new UsageError($"--k must be at least 1, got {forced}");
            var options = new AnalysisOptions
            {
                OutputDirectory = parse.GetValue(output)!,
                Seed = s,
                ForcedK = parse.GetValue(k),
                KMax = km,
                Folds = f,
                Permutations = p,
                Standardize = !parse.GetValue(raw),
                Threads = t,
                Datasets = datasetSpecs.Select(CompoundDataset.Resolve).ToList(),
                CommandLine = "ct " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') ? $"\"{a}\"" : a)),
            };
            foreach (var table in tables)
                if (table.FilledValues.Count > 0)
                    Console.Error.WriteLine($"ct: {table.Name}: {table.FilledValues.Count} empty cells filled with their column mean");
            bool isQuiet = parse.GetValue(quiet);
            var result = EmbeddingAnalyzer.Run(tables, options, line => { if (!isQuiet) Console.WriteLine(line); });
            if (!isQuiet) Console.WriteLine($"wrote {result.IndexPath} ({sw.Elapsed.TotalSeconds:F1} s)");
            return 0;
        }));
        return command;
    }
}
