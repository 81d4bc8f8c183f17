using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Bench;

/// <summary>
/// Peak memory of training CGCNN (one epoch, defaults, cgcnn92 frozen) on perov5, NOMAD-2018 and a synthetic set of
/// 100,000 crystals (4–16 atoms, in memory as structures), with graphs held in memory or streamed from the on-disk graph
/// cache. Each case runs in its own process, so each peak (VmHWM) is its own; graph building time is reported too.
/// usage: backends-memory [threads=2] [cases=perov5,nomad2018,synthetic100k-stream,synthetic100k-memory]
/// </summary>
public sealed class BackendsMemoryBenchmark : IBenchmark
{
    public string Name => "backends-memory";
    public string Description => "peak memory of CGCNN training on perov5, NOMAD and 100k synthetic crystals (graphs in memory or streamed from the cache)";

    private static readonly string[] AllCases = ["perov5", "nomad2018", "synthetic100k-stream", "synthetic100k-memory"];

    public int Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        if (args.Length > 2 && args[1] == "--case") return RunCase(args[2], threads);
        var cases = args.Length > 1 ? args[1].Split(',') : AllCases;
        foreach (var c in cases)
        {
            string host = Environment.ProcessPath!;
            var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true };
            // Started as "dotnet Bench.dll": pass the assembly; started through the apphost: nothing to add.
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
            foreach (var a in new[] { Name, threads.ToString(CultureInfo.InvariantCulture), "--case", c }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            Console.Write(p.StandardOutput.ReadToEnd());
            p.WaitForExit();
        }
        return 0;
    }

    private static int RunCase(string name, int threads)
    {
        set_num_threads(threads);
        var clock = Stopwatch.StartNew();
        bool stream = name.EndsWith("-stream", StringComparison.Ordinal);
        var data = name switch
        {
            "perov5" => DataSets.Load("perov5", ["heat_ref"]),
            "nomad2018" => DataSets.Load("nomad2018", ["formation_energy_ev_natom"]),
            _ when name.StartsWith("synthetic100k", StringComparison.Ordinal) => Synthetic(100_000),
            _ => throw new InputError($"unknown case '{name}' (known: {string.Join(", ", AllCases)})"),
        };
        double readSeconds = clock.Elapsed.TotalSeconds;
        long atoms = data.Entries.Sum(e => (long)e.Structure!.Count);
        long afterRead = Measure.Rss();
        string work = Path.Combine(Path.GetTempPath(), $"ct-bench-memory-{Environment.ProcessId}");
        var request = new TrainRequest
        {
            Model = "cgcnn", Data = name, Targets = data.Targets.ToArray(), Epochs = 1, Output = Path.Combine(work, "run"),
            GraphCache = stream ? Path.Combine(work, "graphs") : null,
        };
        using var model = (GraphModel)BackendTraining.CreateModel(request, data);
        model.Featurization = new GraphFeaturization { Threads = threads, CacheDirectory = request.GraphCache };
        clock.Restart();
        var built = model.FeaturizeAll(data.Entries); // builds the graphs (into the cache file when streaming)
        double buildSeconds = clock.Elapsed.TotalSeconds;
        built = null;
        GC.Collect();
        clock.Restart();
        var result = Trainer.Train(model, data, BackendTraining.Options(request),
            new RunSettings { Directory = request.Output, Device = "cpu", Threads = threads }, new SilentObserver());
        double trainSeconds = clock.Elapsed.TotalSeconds;
        long cacheBytes = stream ? Directory.GetFiles(request.GraphCache!).Sum(f => new FileInfo(f).Length) : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {data.Entries.Count,7:N0} crystals {atoms,9:N0} atoms | read {readSeconds,6:0.0} s, structures {Measure.MiB(afterRead),8} | " +
            $"graphs {buildSeconds,6:0.0} s ({data.Entries.Count / buildSeconds:0}/s, {threads} threads){(stream ? $", cache file {cacheBytes / 1e6:0} MB" : "")} | " +
            $"1 epoch {trainSeconds,6:0.0} s | peak RSS {Measure.MiB(Measure.PeakRss())} | test MAE {result.Test[data.Targets[0]].Mae:0.000}"));
        Directory.Delete(work, recursive: true);
        return 0;
    }

    /// <summary>Random crystals of 4–16 atoms (about 14 Å³ per atom) of the NOMAD and perovskite elements, one random label.</summary>
    private static LabelledData Synthetic(int count)
    {
        var rng = new Random(2026);
        string[] pool = ["O", "N", "F", "Al", "Ga", "In", "Ti", "Sr", "Ba", "La", "Zr", "Nb", "Cs", "K"];
        var elements = pool.Select(PeriodicTable.Get).ToArray();
        var structures = new Structure[count];
        for (int i = 0; i < count; i++)
        {
            int n = rng.Next(4, 17);
            double edge = Math.Cbrt(14.0 * n);
            var lattice = Lattice.FromParameters(edge * (0.8 + 0.4 * rng.NextDouble()), edge * (0.8 + 0.4 * rng.NextDouble()),
                edge * (0.8 + 0.4 * rng.NextDouble()), 80 + 20 * rng.NextDouble(), 80 + 20 * rng.NextDouble(), 80 + 20 * rng.NextDouble());
            var species = Enumerable.Range(0, n).Select(_ => elements[rng.Next(elements.Length)]).ToArray();
            var frac = Enumerable.Range(0, n).Select(_ => new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble())).ToArray();
            structures[i] = Structure.FromFractional(lattice, species, frac, $"syn{i}")
                .WithLabels(new Dictionary<string, double> { ["y"] = species.Average(e => e.Electronegativity) + 0.1 * rng.NextDouble() });
        }
        return LabelledData.FromStructures(structures, ["y"], "synthetic100k", "synthetic", 42);
    }

    private sealed class SilentObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}
