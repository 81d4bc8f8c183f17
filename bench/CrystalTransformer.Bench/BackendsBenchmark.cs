using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Bench;

/// <summary>
/// Speed of the graph back-ends on perov5 with their default batch sizes: graph building, training and inference
/// crystals/s with graphs prebuilt and with graph building included, end-to-end prediction from CIF files (reading, graphs,
/// network; the code path of <c>ct predict</c>), and peak memory. CGCNN is measured next to the official code's model
/// in PyTorch (bench/python/cgcnn_throughput.py, Debian python3-torch) on the same crystals in the same run, training
/// and inference, plus pymatgen + PyTorch end to end on the same CIF files, with the same thread count, once with the
/// system's BLAS (OpenBLAS when installed; above one thread also with its own threads off) and once with the reference
/// BLAS (see <see cref="Blas"/>); set CGCNN_OFFICIAL
/// to a checkout of txie-93/cgcnn to time its own model class. The machine is shared, so rates are given per
/// wall-clock second and per CPU-second of the process.
/// usage: backends [threads=2] [models=cgcnn,megnet,alignn] [rounds=2] [python-cifs=100 (0: no PyTorch side-by-side)]
/// </summary>
public sealed class BackendsBenchmark : IBenchmark
{
    public string Name => "backends";
    public string Description => "CGCNN/MEGNet/ALIGNN train and predict crystals/s on perov5, graphs excluded/included, end to end, memory; CGCNN vs PyTorch";

    /// <summary>Training batches per round (each back-end's default batch size); the rest of the split is not needed for a rate.</summary>
    private static readonly Dictionary<string, int> MaxBatches = new() { ["cgcnn"] = 25, ["megnet"] = 20, ["alignn"] = 6 };

    public int Run(string[] args)
    {
        int threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        var kinds = args.Length > 1 ? args[1].Split(',', StringSplitOptions.RemoveEmptyEntries) : ["cgcnn", "megnet", "alignn"];
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        int pythonCifs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
        set_num_threads(threads);
        Console.WriteLine($"threads {threads}; rates per wall-clock second (and per CPU-second of this process)");

        var clock = Stopwatch.StartNew();
        var data = DataSets.Load("perov5", ["heat_ref"]);
        Console.WriteLine(F($"read perov5: {data.Entries.Count} CIFs in {clock.Elapsed.TotalSeconds:0.00} s = {data.Entries.Count / clock.Elapsed.TotalSeconds:0}/s"));
        var train = data.IndicesOf(Split.Train);
        var test = data.IndicesOf(Split.Test);
        string cifFolder = Path.Combine(Path.GetTempPath(), $"ct-bench-cifs-{Environment.ProcessId}");
        Directory.CreateDirectory(cifFolder);
        foreach (int i in test) StructureIO.Write(Path.Combine(cifFolder, data.Entries[i].Id + ".cif"), data.Entries[i].Structure!);
        var files = Prediction.ExpandInputs([cifFolder]);

        foreach (var kind in kinds)
        {
            var request = new TrainRequest { Model = kind, Data = "perov5", Targets = ["heat_ref"], Output = cifFolder, Seed = 0 };
            var options = BackendTraining.Options(request);
            using var model = (GraphModel)BackendTraining.CreateModel(request, data);
            model.Featurization = new GraphFeaturization { Threads = threads };
            Console.WriteLine($"--- {kind} (batch {options.BatchSize}, {options.Optimizer}, {model.parameters().Sum(p => p.numel()):N0} parameters)");

            var (buildSeconds, buildCpu, samples) = Timed(() => model.FeaturizeAll(data.Entries));
            double build = samples.Count / buildSeconds;
            Console.WriteLine(F($"graphs: {samples.Count} in {buildSeconds:0.00} s = {build:0}/s ({samples.Count / buildCpu:0}/CPU-s), {threads} threads"));

            var order = train.ToArray();
            new Random(0).Shuffle(order);
            int batches = Math.Min(MaxBatches.GetValueOrDefault(kind, 10), order.Length / options.BatchSize);
            var plan = Enumerable.Range(0, batches).Select(b => order[(b * options.BatchSize)..((b + 1) * options.BatchSize)]).ToArray();
            var (trainRate, trainCpuRate) = TrainRate(model, samples, data, plan, options, rounds);
            Console.WriteLine(F($"train, graphs prebuilt:  {trainRate:0.0}/s ({trainCpuRate:0}/CPU-s) over {rounds} x {batches} batches"));
            Console.WriteLine(F($"train, graphs included:  {1 / (1 / trainRate + 1 / build):0.0}/s (graphs built once per run, then reused every epoch)"));

            var (predictSeconds, predictCpu, _) = Timed(() => Trainer.Predict(model, samples, test, new TargetScaler([0], [1]), CPU, options.BatchSize));
            double predict = test.Length / predictSeconds;
            Console.WriteLine(F($"predict, graphs prebuilt: {predict:0}/s ({test.Length / predictCpu:0}/CPU-s)"));
            Console.WriteLine(F($"predict, graphs included: {1 / (1 / predict + 1 / build):0}/s"));

            var info = new ModelInfo { Kind = kind, Config = model.Config, Targets = ["heat_ref"], TargetMean = [0], TargetStd = [1] };
            // As ct predict runs by default: files read and graphs built on `threads` threads, the network on one.
            int rows = 0;
            set_num_threads(1);
            Prediction.Run(model, info, files, _ => rows++, threads, options.BatchSize, CPU); // warm-up (JIT): rates, not start-up
            var (e2eSeconds, e2eCpu, _) = Timed(() =>
            {
                Prediction.Run(model, info, files, _ => rows++, threads, options.BatchSize, CPU);
                return rows;
            });
            set_num_threads(threads);
            Console.WriteLine(F($"end to end (CIF files → graphs → predictions, ct predict's path and defaults): {files.Count} files in {e2eSeconds:0.00} s = {files.Count / e2eSeconds:0}/s ({files.Count / e2eCpu:0}/CPU-s)"));
            if (kind == CgcnnModel.KindName && pythonCifs > 0)
                CompareWithPyTorch(data, samples, plan, threads, rounds, trainRate, trainCpuRate, predict, test.Length / predictCpu,
                    files.Count / e2eSeconds, files.Count / e2eCpu, cifFolder, pythonCifs, options.BatchSize);
        }
        Console.WriteLine($"peak memory (VmHWM) {Measure.MiB(Measure.PeakRss())}");
        Directory.Delete(cifFolder, recursive: true);
        return 0;
    }

    /// <summary>Training steps as the shared loop runs them: collate, forward, loss, backward, optimiser step.</summary>
    private static (double Wall, double Cpu) TrainRate(GraphModel model, IReadOnlyList<ISample> samples, LabelledData data, int[][] plan,
        TrainingOptions options, int rounds)
    {
        var table = new HashSet<Parameter>(model.ElementTableParameters, ReferenceEqualityComparer.Instance);
        var trainable = model.parameters().Where(p => !table.Contains(p)).ToArray(); // the default mode keeps the table frozen
        using OptimizerHelper optimizer = options.Optimizer == OptimizerKind.Sgd
            ? optim.SGD(trainable, options.LearningRate, options.Momentum)
            : optim.AdamW(trainable, options.LearningRate, weight_decay: options.WeightDecay);
        using var targets = tensor(data.Labels.Select(l => (float)l[0]).ToArray(), [data.Labels.Length, 1]);
        model.train();
        void step(int[] idx)
        {
            using var pause = FinalizerPause.Enter();
            using var scope = NewDisposeScope();
            Trainer.Step(model, optimizer, trainable, samples, idx, targets, options, CPU, null);
        }
        step(plan[0]); // warm-up
        var (seconds, cpu, count) = Timed(() =>
        {
            for (int r = 0; r < rounds; r++)
                foreach (var b in plan) step(b);
            return rounds * plan.Sum(b => b.Length);
        });
        return (count / seconds, count / cpu);
    }

    private static void CompareWithPyTorch(LabelledData data, IReadOnlyList<ISample> samples, int[][] plan, int threads, int rounds,
        double trainRate, double trainCpuRate, double predictRate, double predictCpuRate, double e2eRate, double e2eCpuRate,
        string cifFolder, int pythonCifs, int batchSize)
    {
        string file = Path.Combine(Path.GetTempPath(), $"ct-bench-cgcnn-{Environment.ProcessId}.bin");
        using (var w = new BinaryWriter(File.Create(file)))
        {
            var crystals = plan.SelectMany(b => b).ToArray();
            w.Write(crystals.Length); w.Write(12); w.Write(batchSize);
            foreach (int i in crystals)
            {
                var g = ((GraphSample)samples[i]).Graph;
                if (g.EdgeCount != 12 * g.NodeCount) throw new InvalidOperationException("the official layout needs 12 edges per atom");
                w.Write(g.NodeCount);
                foreach (int z in g.AtomicNumbers) w.Write(z);
                foreach (int t in g.EdgeTarget) w.Write(t);
                foreach (float d in g.Distances) w.Write(d);
                w.Write((float)data.Labels[i][0]);
            }
        }
        // PyTorch as the machine is set up (OpenBLAS when installed; above one thread also with OpenBLAS's own threads
        // off) and with the reference BLAS: every figure is reported.
        var results = PythonReference.Variants(threads).Select(blas => (Blas: blas, Rates: PythonReference.Rates("bench/python/cgcnn_throughput.py", threads, blas, file,
            threads.ToString(CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture), "predict", cifFolder,
            pythonCifs.ToString(CultureInfo.InvariantCulture)))).ToList();
        File.Delete(file);
        foreach (var (blas, rates) in results)
        {
            string against = $"PyTorch ({PythonReference.Describe(blas)})";
            void ratio(string what, double ours, string key, string goal)
            {
                if (rates.TryGetValue(key, out double theirs) && theirs > 0)
                    Console.WriteLine(F($"{what}: ct {ours:0.0}/s vs {against} {theirs:0.0}/s = {ours / theirs:0.00}x{goal}"));
            }
            ratio("CGCNN train (wall)", trainRate, "train", " (goal >= 3x)");
            ratio("CGCNN train (CPU)", trainCpuRate, "train-cpu", "");
            ratio("CGCNN predict, graphs prebuilt (wall)", predictRate, "predict", "");
            ratio("CGCNN predict, graphs prebuilt (CPU)", predictCpuRate, "predict-cpu", "");
            ratio("CGCNN end to end (wall)", e2eRate, "end-to-end", " (goal >= 30x)");
            ratio("CGCNN end to end (CPU)", e2eCpuRate, "end-to-end-cpu", "");
        }
    }

    private static (double Seconds, double CpuSeconds, T Result) Timed<T>(Func<T> action)
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var result = action();
        double seconds = sw.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, Math.Max(1e-9, (process.TotalProcessorTime - cpu0).TotalSeconds), result);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
