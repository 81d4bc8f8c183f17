using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Bench;

/// <summary>
/// Training throughput (crystals/s) of the paper's front-end on perov5 batches of 128 with N threads, next to PyTorch
/// (bench/python/transformer_training_throughput.py, Debian python3-torch) running the same architecture on the same
/// batches in the same run, with the system's BLAS (OpenBLAS when installed) and with the reference BLAS. One step = collate with augmentation + forward + MSE + backward + SGD step.
/// usage: transformer [threads=2] [batches=8] [rounds=3]
/// </summary>
public static class TrainingThroughputBenchmark
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        int batchCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        const int batchSize = 128;
        set_num_threads(threads);
        manual_seed(0);

        var structures = StructureIO.Read(BuiltInData.PathOf("perov5", "perov5.csv.gz"))
            .Where(s => s.Info.TryGetValue("split", out var v) && v == "train").Take(batchSize * batchCount).ToArray();
        using var model = new CrystalTransformerModel(TransformerConfig.Paper, 1);
        var samples = structures.Select(s => model.Featurize(DataEntry.From(s))).ToArray();
        var targets = structures.Select(s => (float)s.Label("heat_ref")).ToArray();
        var batches = Enumerable.Range(0, batchCount).Select(b => Enumerable.Range(b * batchSize, batchSize).ToArray()).ToArray();

        string file = Path.Combine(Path.GetTempPath(), $"ct-bench-batches-{Environment.ProcessId}.bin");
        WriteBatches(file, batches, samples, targets);

        var options = Recipes.Paper(1).Training;
        using var optimizer = optim.SGD(model.parameters(), options.LearningRate, options.Momentum, 0, options.WeightDecay);
        var rng = new Random(0);
        using var allTargets = tensor(targets, [targets.Length, 1]);
        var parameters = model.parameters().ToArray();
        model.train();
        void step(int[] idx)
        {
            using var scope = NewDisposeScope();
            Trainer.Step(model, optimizer, parameters, samples, idx, allTargets, options, CPU, rng);
        }
        foreach (var b in batches.Take(2)) step(b); // warm-up
        // PyTorch as the machine is set up (OpenBLAS when installed; above one thread also with OpenBLAS's own threads
        // off) and with the reference BLAS: every figure is reported.
        var variants = PythonReference.Variants(threads);
        string threadArg = threads.ToString(CultureInfo.InvariantCulture), roundArg = rounds.ToString(CultureInfo.InvariantCulture);
        // The machine is shared: alternate ct and PyTorch twice and keep the best rate of each.
        double ours = 0;
        var theirs = variants.ToDictionary(v => v, _ => 0.0);
        for (int pass = 0; pass < 2; pass++)
        {
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < rounds; r++)
                foreach (var b in batches) step(b);
            double rate = rounds * batches.Length * batchSize / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ct (TorchSharp {typeof(torch).Assembly.GetName().Version}), {threads} threads: {rounds * batches.Length * batchSize} crystals in {clock.Elapsed.TotalSeconds:0.00} s = {rate:0.0}/s"));
            ours = Math.Max(ours, rate);
            foreach (var blas in variants)
                if (PythonReference.Rate("bench/python/transformer_training_throughput.py", blas, file, threadArg, roundArg) is double t)
                    theirs[blas] = Math.Max(theirs[blas], t);
        }
        // How much of PyTorch's time is its per-sample augmentation in Python (the authors' code augments the same way).
        double? bare = theirs[Blas.System] > 0
            ? PythonReference.Rate("bench/python/transformer_training_throughput.py", Blas.System, file, threadArg, roundArg, "noaug") : null;
        File.Delete(file);
        foreach (var (blas, rate) in theirs.Where(t => t.Value > 0))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"best of 2: ct {ours:0.0}/s, PyTorch ({PythonReference.Describe(blas)}) {rate:0.0}/s; training throughput ratio ct / PyTorch = {ours / rate:0.00}x (goal >= 3x)"));
        if (bare is double pyBare && pyBare > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"PyTorch (system BLAS) without augmentation {pyBare:0.0}/s: ct (with augmentation) / PyTorch network alone = {ours / pyBare:0.00}x"));
    }

    /// <summary>The batches in the layout the Python script reads (padding marked by z = -1).</summary>
    private static void WriteBatches(string path, int[][] batches, ISample[] samples, float[] targets)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(batches.Length);
        foreach (var b in batches)
        {
            int n = b.Max(i => samples[i].Size);
            w.Write(b.Length); w.Write(n);
            foreach (var i in b)
            {
                var s = (TokenSample)samples[i];
                for (int a = 0; a < n; a++) w.Write(a < s.Size ? (long)(s.Z[a] - 1) : -1L);
            }
            foreach (var i in b)
            {
                var s = (TokenSample)samples[i];
                for (int a = 0; a < 3 * n; a++) w.Write(a < s.Inputs.Length ? s.Inputs[a] : 0f);
            }
            foreach (var i in b) w.Write(targets[i]);
        }
    }
}

/// <summary>Registers <see cref="TrainingThroughputBenchmark"/> under the name "transformer".</summary>
public sealed class TransformerThroughputBench : IBenchmark
{
    public string Name => "transformer";
    public string Description => "front-end training throughput (paper architecture, perov5, batch 128), vs PyTorch";

    public int Run(string[] args)
    {
        TrainingThroughputBenchmark.Run(args);
        return 0;
    }
}
