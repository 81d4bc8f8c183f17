using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.Graphs;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Bench;

/// <summary>
/// Graph cache: build time, file size, reopen time and peak memory for perov5, NOMAD and a synthetic 100k-crystal set,
/// and a streaming pass over the cache in batches (the way training reads it).
/// </summary>
public sealed class GraphCacheBenchmark : IBenchmark
{
    public string Name => "graphcache";
    public string Description => "graph cache build/reopen/stream rates, file size and peak memory (perov5, NOMAD, synthetic 100k)";

    public int Run(string[] args)
    {
        int threads = 2, synthetic = 100_000;
        bool alignn = false;
        for (int k = 0; k < args.Length; k++)
        {
            switch (args[k])
            {
                case "--threads": threads = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--synthetic": synthetic = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--alignn": alignn = true; break;
                default: throw new InputError($"unknown option {args[k]} (options: --threads N --synthetic N --alignn)");
            }
        }
        string root = GraphsBenchmark.RepositoryRoot();
        StructureIO.Register(ExtXyzFormat.Instance); // idempotent
        var settings = alignn ? (GraphSettings)GraphSettings.Alignn() : GraphSettings.Cgcnn();
        string dir = Path.Combine(Path.GetTempPath(), $"ct-graphcache-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        Console.WriteLine($"graph cache benchmark: {settings.Key}, {threads} threads, files in {dir}");
        Console.WriteLine($"  {"set",-16} {"crystals",9} {"build s",8} {"file",9} {"reopen s",9} {"stream s",9} {"graphs/s",10} {"peak RSS",9}");
        try
        {
            var perov5 = StructureIO.Read(Path.Combine(root, "data", "perov5", "perov5.csv.gz"));
            Case("perov5", perov5, settings, threads, dir);
            Case("nomad2018", StructureIO.Read(Path.Combine(root, "data", "nomad2018", "train.extxyz.gz")), settings, threads, dir);
            if (synthetic > 0) Case($"synthetic {synthetic / 1000}k", Synthetic(perov5, synthetic), settings, threads, dir);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        return 0;
    }

    private static void Case(string name, IReadOnlyList<Structure> structures, GraphSettings settings, int threads, string dir)
    {
        string path = Path.Combine(dir, name.Replace(' ', '_') + ".ctg");
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        Measure.ResetPeakRss();
        var sw = Stopwatch.StartNew();
        long size;
        using (var cache = GraphCache.OpenOrBuild(path, structures, settings, new GraphCacheOptions { Threads = threads }))
            size = cache.FileSize;
        double build = sw.Elapsed.TotalSeconds;
        sw.Restart();
        using var reopened = GraphCache.OpenOrBuild(path, structures, settings);
        double reopen = sw.Elapsed.TotalSeconds;
        if (reopened.Built) throw new InvalidOperationException("the cache was rebuilt on reopening");
        // Stream the whole set in shuffled batches of 256, as a training epoch would.
        var order = Enumerable.Range(0, reopened.Count).ToArray();
        new Random(0).Shuffle(order);
        sw.Restart();
        long edges = 0;
        for (int start = 0; start < order.Length; start += 256)
        {
            var batch = reopened.ReadBatch(order.AsSpan(start, Math.Min(256, order.Length - start)).ToArray());
            edges += batch.EdgeCount;
        }
        double stream = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"  {name,-16} {structures.Count,9:N0} {build,8:F2} {Measure.MiB(size),9} {reopen,9:F2} {stream,9:F2} {Measure.Rate(structures.Count / stream),10} {Measure.MiB(Measure.PeakRss()),9}");
        File.Delete(path);
    }

    /// <summary>perov5 crystals strained (±3 %) and rattled (0.02 Å) into <paramref name="count"/> distinct crystals.</summary>
    private static List<Structure> Synthetic(IReadOnlyList<Structure> seeds, int count)
    {
        var rng = new Random(42);
        var list = new List<Structure>(count);
        for (int k = 0; k < count; k++)
        {
            var s = seeds[k % seeds.Count];
            double Strain() => 1 + (rng.NextDouble() * 2 - 1) * 0.03;
            var lattice = new Lattice(new Mat3(Strain(), 0, 0, 0, Strain(), 0, 0, 0, Strain()) * s.Lattice.Matrix);
            var sites = s.Sites.Select(site => site.WithFrac(site.Frac + new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble()) * (0.02 / lattice.LengthA))).ToArray();
            list.Add(new Structure(lattice, sites, $"syn-{k}"));
        }
        return list;
    }
}
