using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Bench;

/// <summary>
/// Graph layer throughput: perov5 reading, CGCNN and ALIGNN graph building, line graphs, neighbour lists on NaCl
/// supercells (1k–100k atoms), peak memory; with pymatgen measured side by side in the same run when available.
/// </summary>
public sealed class GraphsBenchmark : IBenchmark
{
    public string Name => "graphs";
    public string Description => "perov5 parsing and CGCNN/ALIGNN graph rates, NaCl neighbour lists 1k-100k atoms, vs pymatgen";

    private sealed record Options(int[] Threads, int[] Sizes, double[] Cutoffs, bool Python, int CgcnnCount);

    private static Options Parse(string[] args)
    {
        var o = new Options([1, 2], [5, 11, 23], [5.0, 8.0], true, 1000);
        for (int k = 0; k < args.Length; k++)
        {
            string Next() => k + 1 < args.Length ? args[++k] : throw new InputError($"option {args[k]} needs a value");
            int[] Ints() => Next().Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            o = args[k] switch
            {
                "--threads" => o with { Threads = Ints() },
                "--sizes" => o with { Sizes = Ints() },
                "--cutoffs" => o with { Cutoffs = Next().Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray() },
                "--no-python" => o with { Python = false },
                "--cgcnn-count" => o with { CgcnnCount = Ints()[0] },
                _ => throw new InputError($"unknown option {args[k]} (options: --threads 1,2 --sizes 5,11,23 --cutoffs 5,8 --cgcnn-count N --no-python)"),
            };
        }
        return o;
    }

    public int Run(string[] args)
    {
        if (args.Length == 4 && args[0] == "--memory-case") return MemoryCase(args);
        var o = Parse(args);
        string root = RepositoryRoot();
        Console.WriteLine($"graphs benchmark  ({Environment.ProcessorCount} cores, .NET {Environment.Version}, threads {string.Join(",", o.Threads)})");
        var ours = new Dictionary<string, double>();

        Console.WriteLine();
        Console.WriteLine("Neighbour lists on NaCl supercells (rock salt, a = 5.64 Å)");
        Console.WriteLine($"  {"atoms",7} {"cutoff",6} {"threads",7} {"pairs",11} {"seconds",8} {"pairs/s",11} {"alloc",9} {"peak RSS",9}   (peak RSS: one build in a fresh process)");
        foreach (int n in o.Sizes)
        {
            var (lattice, frac) = NaCl(n);
            foreach (double cutoff in o.Cutoffs)
                foreach (int threads in o.Threads)
                {
                    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
                    long allocated = GC.GetTotalAllocatedBytes(true);
                    var (seconds, nl, runs) = Measure.BestWithin(() => NeighborList.Build(lattice, frac, cutoff, threads), budgetSeconds: 1.5, minRepeats: 2);
                    long perRun = (GC.GetTotalAllocatedBytes(true) - allocated) / (runs + 1);
                    // Peak memory of one build in a fresh process, so earlier cases' heap does not count.
                    long peak = MeasureInChild(n, cutoff, threads);
                    double rate = nl.Count / seconds;
                    ours[$"nacl/{frac.Length}/{cutoff}/{threads}"] = rate;
                    ours[$"naclpeak/{frac.Length}/{cutoff}/{threads}"] = peak;
                    Console.WriteLine($"  {frac.Length,7} {cutoff,6:F1} {threads,7} {nl.Count,11:N0} {seconds,8:F3} {Measure.Rate(rate),11} {Measure.MiB(perRun),9} {Measure.MiB(peak),9}");
                }
        }

        Console.WriteLine();
        Perov5.Load(root); // warm-up (JIT, element and space-group tables)
        var (parseSeconds, structures) = Measure.Best(() => Perov5.Load(root), repeats: 3, warmup: false);
        ours["perov5_parse"] = structures.Count / parseSeconds;
        Console.WriteLine($"perov5 CIF parsing: {structures.Count} crystals in {parseSeconds:F2} s = {Measure.Rate(structures.Count / parseSeconds)} (1 thread, gzip + CSV + CIF, best of 3)");

        Console.WriteLine();
        Console.WriteLine($"perov5 graphs ({structures.Count} crystals)");
        Console.WriteLine($"  {"recipe",-34} {"threads",7} {"seconds",8} {"graphs/s",11} {"edges",10} {"bond pairs",11}");
        foreach (int threads in o.Threads)
        {
            var (seconds, graphs, _) = Measure.BestWithin(() => GraphBuilder.BuildAll(structures, GraphSettings.Cgcnn(), threads), budgetSeconds: 2);
            ours[$"cgcnn/{threads}"] = structures.Count / seconds;
            Console.WriteLine($"  {"CGCNN (8 Å, 12 nearest, padded)",-34} {threads,7} {seconds,8:F3} {Measure.Rate(structures.Count / seconds),11} {graphs.Sum(g => (long)g.EdgeCount),10:N0} {"",11}");
        }
        foreach (int threads in o.Threads)
        {
            var (seconds, graphs, _) = Measure.BestWithin(() => GraphBuilder.BuildAll(structures, GraphSettings.Alignn(), threads), budgetSeconds: 2);
            ours[$"alignn/{threads}"] = structures.Count / seconds;
            Console.WriteLine($"  {"ALIGNN k-nearest + line graph",-34} {threads,7} {seconds,8:F3} {Measure.Rate(structures.Count / seconds),11} {graphs.Sum(g => (long)g.EdgeCount),10:N0} {graphs.Sum(g => (long)g.LineGraph!.Count),11:N0}");
        }
        {
            var plain = GraphBuilder.BuildAll(structures, GraphSettings.Alignn() with { LineGraph = false }, o.Threads.Max());
            var (seconds, lines, _) = Measure.BestWithin(() => plain.Select(LineGraph.Build).ToArray(), budgetSeconds: 2);
            long pairs = lines.Sum(l => (long)l.Count);
            ours["linegraph"] = structures.Count / seconds;
            Console.WriteLine($"  {"line graph alone (from bonds)",-34} {1,7} {seconds,8:F3} {Measure.Rate(structures.Count / seconds),11} {"",10} {pairs,11:N0}  ({Measure.Rate(pairs / seconds)} bond pairs)");
        }
        Console.WriteLine($"  process peak RSS so far: {Measure.MiB(Measure.PeakRss())}; GC heap {Measure.MiB(GC.GetTotalMemory(false))}, gen2 collections {GC.CollectionCount(2)}");

        if (!o.Python) return 0;
        const string python = "/usr/bin/python3";
        string script = Path.Combine(root, "bench", "python", "graphs_pymatgen.py");
        if (!File.Exists(python) || !PythonHasPymatgen(python))
        {
            Console.WriteLine("\n(pymatgen not found at /usr/bin/python3: no side-by-side figures)");
            return 0;
        }
        Console.WriteLine();
        Console.WriteLine("pymatgen side by side (same machine, same run, one thread) ...");
        var theirs = RunPython(python, script, root, o);
        Console.WriteLine();
        Console.WriteLine($"  {"measure",-44} {"pymatgen",12} {"ours 1 thr",12} {"ratio",7} {"ours 2 thr",12} {"ratio",7}");
        void Row(string label, string theirKey, string ourKey1, string? ourKey2)
        {
            if (!theirs.TryGetValue(theirKey, out double t) || !ours.TryGetValue(ourKey1, out double a)) return;
            string two = ourKey2 is not null && ours.TryGetValue(ourKey2, out double b) ? $"{Measure.Rate(b),12} {b / t,6:F1}x" : "";
            Console.WriteLine($"  {label,-44} {Measure.Rate(t),12} {Measure.Rate(a),12} {a / t,6:F1}x {two}");
        }
        int lo = o.Threads.Min(), hi = o.Threads.Max();
        string? second = hi != lo ? hi.ToString(CultureInfo.InvariantCulture) : null;
        Row("perov5 CIF parsing (crystals/s)", "perov5_parse", "perov5_parse", null);
        Row("CGCNN graphs vs official recipe (graphs/s)", "perov5_cgcnn_recipe", $"cgcnn/{lo}", second is null ? null : $"cgcnn/{second}");
        Row("CGCNN graphs vs get_neighbor_list+sort", "perov5_fast_path", $"cgcnn/{lo}", second is null ? null : $"cgcnn/{second}");
        foreach (var key in theirs.Keys.Where(k => k.StartsWith("nacl/", StringComparison.Ordinal)).OrderBy(k => k.Length).ThenBy(k => k, StringComparer.Ordinal))
        {
            var parts = key.Split('/');
            Row($"NaCl {parts[1]} atoms at {parts[2]} Å (pairs/s)", key, $"{key}/{lo}", second is null ? null : $"{key}/{second}");
        }
        foreach (var key in theirs.Keys.Where(k => k.StartsWith("naclpeak/", StringComparison.Ordinal)).OrderBy(k => k.Length).ThenBy(k => k, StringComparer.Ordinal))
        {
            var parts = key.Split('/');
            if (ours.TryGetValue($"{key}/{lo}", out double mine))
                Console.WriteLine($"  {$"peak RSS NaCl {parts[1]} atoms at {parts[2]} Å",-44} {Measure.MiB((long)theirs[key]),12} {Measure.MiB((long)mine),12} {theirs[key] / mine,6:F1}x less");
        }
        return 0;
    }

    /// <summary>Child-process mode: one NaCl neighbour list, then prints the process's peak RSS in bytes.</summary>
    private static int MemoryCase(string[] args)
    {
        int n = int.Parse(args[1], CultureInfo.InvariantCulture), threads = int.Parse(args[3], CultureInfo.InvariantCulture);
        double cutoff = double.Parse(args[2], CultureInfo.InvariantCulture);
        var (lattice, frac) = NaCl(n);
        var (tinyLattice, tinyFrac) = NaCl(2);
        NeighborList.Build(tinyLattice, tinyFrac, cutoff, threads); // compile the code paths first
        var nl = NeighborList.Build(lattice, frac, cutoff, threads);
        GC.KeepAlive(nl);
        Console.WriteLine(Measure.PeakRss().ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static long MeasureInChild(int n, double cutoff, int threads)
    {
        string self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(GraphsBenchmark).Assembly.Location);
        foreach (var a in new[] { "graphs", "--memory-case", n.ToString(CultureInfo.InvariantCulture), cutoff.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return long.TryParse(output.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long peak) ? peak : 0;
    }

    private static (Lattice Lattice, Vec3[] Frac) NaCl(int n)
    {
        const double a = 5.64;
        Vec3[] basis = [new(0, 0, 0), new(0, .5, .5), new(.5, 0, .5), new(.5, .5, 0), new(.5, 0, 0), new(0, .5, 0), new(0, 0, .5), new(.5, .5, .5)];
        var frac = new List<Vec3>(8 * n * n * n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) for (int k = 0; k < n; k++)
            foreach (var b in basis) frac.Add((b + new Vec3(i, j, k)) / n);
        return (Lattice.Cubic(a * n), frac.ToArray());
    }

    private static bool PythonHasPymatgen(string python)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, "-c \"import pymatgen.core\"") { RedirectStandardError = true, RedirectStandardOutput = true });
            p!.WaitForExit(60_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static Dictionary<string, double> RunPython(string python, string script, string root, Options o)
    {
        var result = new Dictionary<string, double>();
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--root", root, "--cgcnn-count", o.CgcnnCount.ToString(CultureInfo.InvariantCulture),
                     "--sizes", string.Join(",", o.Sizes), "--cutoffs", string.Join(",", o.Cutoffs.Select(c => c.ToString(CultureInfo.InvariantCulture))) })
            psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            string name = r.GetProperty("name").GetString()!;
            if (name == "nacl")
            {
                if (r.TryGetProperty("error", out var err)) { Console.WriteLine($"  pymatgen NaCl {r.GetProperty("atoms")} atoms: failed ({err})"); continue; }
                int atoms = r.GetProperty("atoms").GetInt32();
                double cutoff = r.GetProperty("cutoff").GetDouble();
                double seconds = r.GetProperty("seconds").GetDouble();
                long pairs = r.GetProperty("pairs").GetInt64();
                string c = cutoff.ToString(CultureInfo.InvariantCulture);
                result[$"nacl/{atoms}/{c}"] = pairs / seconds;
                result[$"naclpeak/{atoms}/{c}"] = r.GetProperty("peak_rss").GetDouble();
                Console.WriteLine($"  pymatgen NaCl {atoms} atoms at {cutoff} Å: {pairs:N0} pairs in {seconds:F3} s, peak RSS {Measure.MiB(r.GetProperty("peak_rss").GetInt64())}");
            }
            else
            {
                result[name] = r.GetProperty("rate").GetDouble();
                Console.WriteLine($"  pymatgen {name}: {r.GetProperty("count")} in {r.GetProperty("seconds").GetDouble():F2} s = {Measure.Rate(result[name])}");
            }
        }
        p.WaitForExit();
        if (p.ExitCode != 0) Console.WriteLine($"  (pymatgen script failed: {p.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault()})");
        return result;
    }

    internal static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "CrystalTransformer.sln")) && Directory.Exists(Path.Combine(dir.FullName, "data")))
                    return dir.FullName;
        }
        throw new InputError("cannot find the repository root (a folder with CrystalTransformer.sln and data/); run from inside the repository");
    }
}
