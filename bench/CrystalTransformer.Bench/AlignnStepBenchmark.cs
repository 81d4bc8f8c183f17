using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Bench;

/// <summary>
/// ALIGNN training steps (forward + MSE + backward + AdamW) on one fixed perov5 batch: the model as shipped next to a
/// plain implementation of the same formula (<see cref="PlainAlignn"/>: every gather materialised, every sum an
/// index_add), two copies with the same weights, same threads, steps interleaved. Prints crystals/s of both and the
/// ratio, and checks that both give the same outputs on the same weights first.
/// <c>--profile</c> adds a breakdown of one step (forward, backward, optimizer; the line-graph operations one by one at
/// the batch's sizes). <c>--memory DATA</c> instead trains a few batches of 64 (with the default 4 GB batch-memory
/// budget) in a child process per implementation and prints the peak resident memory (VmHWM).
/// usage: alignn-step [--threads 2] [--batch 64] [--steps 3] [--rounds 3] [--data perov5] [--profile]
///        alignn-step --memory nomad2018 [--batches 4] [--implementations plain,shipped]
/// </summary>
public sealed class AlignnStepBenchmark : IBenchmark
{
    public string Name => "alignn-step";
    public string Description => "ALIGNN training steps: shipped model vs a plain implementation of the same formula, same batch, interleaved";

    public int Run(string[] args)
    {
        int threads = 2, batchSize = 64, steps = 3, rounds = 3, batches = 4;
        string data = "perov5";
        string? memory = null, memoryCase = null;
        string[] implementations = ["plain", "shipped"];
        bool profile = false;
        for (int k = 0; k < args.Length; k++)
        {
            switch (args[k])
            {
                case "--threads": threads = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--batch": batchSize = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--batches": batches = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--data": data = args[++k]; break;
                case "--profile": profile = true; break;
                case "--memory": memory = args[++k]; break;
                case "--memory-case": memoryCase = args[++k]; break;
                case "--implementations": implementations = args[++k].Split(','); break;
                default: throw new CrystalTransformer.Structures.InputError($"alignn-step: unknown option '{args[k]}'");
            }
        }
        set_num_threads(threads);
        if (memoryCase is not null) return MemoryCase(memory!, memoryCase, threads, batches);
        if (memory is not null) return Memory(memory, threads, batches, implementations);

        var set = Load(data);
        var request = new TrainRequest { Model = AlignnModel.KindName, Data = data, Targets = set.Targets.ToArray(), Output = "unused" };
        manual_seed(0);
        using var shipped = (AlignnModel)BackendTraining.CreateModel(request, set);
        using var plain = (AlignnModel)BackendTraining.CreateModel(request, set);
        plain.load_state_dict(shipped.state_dict());
        var rows = Enumerable.Range(0, set.Entries.Count).Where(i => set.Splits[i] == Split.Train).Take(batchSize).ToArray();
        var samples = shipped.FeaturizeAll(rows.Select(i => set.Entries[i]).ToArray());
        using var input = (GraphInput)shipped.Collate(samples, CPU, null);
        using var targets = tensor(rows.Select(i => (float)set.Labels[i][0]).ToArray(), [rows.Length, 1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{data}: batch of {input.Count} crystals, {input.NodeCount} atoms, {input.EdgeCount} bonds, {input.LineCount} bond pairs; hidden {shipped.Settings.HiddenFeatures}; {threads} threads"));

        // Same weights, same batch: the two forwards agree (training mode, batch statistics; running statistics restored).
        {
            using var scope = NewDisposeScope();
            var saved = shipped.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            shipped.train(); plain.train();
            using var a = shipped.forward(input);
            using var b = PlainAlignn.Forward(plain, input);
            double diff = (a - b).abs().max().item<float>(), scale = b.abs().max().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"same weights, same batch: max |shipped − plain| = {diff:E2} (outputs up to {scale:0.00})"));
            shipped.load_state_dict(saved);
            plain.load_state_dict(saved);
        }

        using var optShipped = optim.AdamW(shipped.parameters(), 1e-3);
        using var optPlain = optim.AdamW(plain.parameters(), 1e-3);
        void Step(Func<Tensor> forward, OptimizerHelper optimizer)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = F.mse_loss(forward(), targets);
            loss.backward();
            optimizer.step();
        }
        void StepShipped() => Step(() => shipped.forward(input), optShipped);
        void StepPlain() => Step(() => PlainAlignn.Forward(plain, input), optPlain);

        if (profile) Profile(shipped, plain, input, targets, optShipped, optPlain);

        if (rounds == 0) return 0;
        StepShipped(); StepPlain(); // warm-up
        double bestShipped = 0, bestPlain = 0;
        var ratios = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            double tp = Time(() => { for (int s = 0; s < steps; s++) StepPlain(); });
            double ts = Time(() => { for (int s = 0; s < steps; s++) StepShipped(); });
            double rp = steps * input.Count / tp, rs = steps * input.Count / ts;
            bestShipped = Math.Max(bestShipped, rs);
            bestPlain = Math.Max(bestPlain, rp);
            ratios.Add(rs / rp);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {r + 1}: plain {rp:0.0} crystals/s, shipped {rs:0.0} crystals/s, ratio {rs / rp:0.00}x"));
        }
        ratios.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"best of {rounds}: plain {bestPlain:0.0} crystals/s, shipped {bestShipped:0.0} crystals/s; ratio of bests {bestShipped / bestPlain:0.00}x, median round ratio {ratios[ratios.Count / 2]:0.00}x"));
        return 0;
    }

    private static LabelledData Load(string data) => data switch
    {
        "perov5" => DataSets.Load("perov5", ["heat_ref"]),
        "nomad2018" => DataSets.Load("nomad2018", ["formation_energy_ev_natom"]),
        _ => DataSets.Load(data, []),
    };

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Where the seconds of one step go.</summary>
    private static void Profile(AlignnModel shipped, AlignnModel plain, GraphInput input, Tensor targets, OptimizerHelper optShipped, OptimizerHelper optPlain)
    {
        foreach (var (name, model, optimizer, forward) in new (string, AlignnModel, OptimizerHelper, Func<Tensor>)[]
                 {
                     ("plain", plain, optPlain, () => PlainAlignn.Forward(plain, input)),
                     ("shipped", shipped, optShipped, () => shipped.forward(input)),
                 })
        {
            PlainAlignn.Trace = name == "plain";
            double fwd = double.MaxValue, bwd = double.MaxValue, opt = double.MaxValue;
            for (int r = 0; r < 2; r++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var clock = Stopwatch.StartNew();
                var loss = F.mse_loss(forward(), targets);
                double t1 = clock.Elapsed.TotalSeconds;
                loss.backward();
                double t2 = clock.Elapsed.TotalSeconds;
                optimizer.step();
                double t3 = clock.Elapsed.TotalSeconds;
                fwd = Math.Min(fwd, t1); bwd = Math.Min(bwd, t2 - t1); opt = Math.Min(opt, t3 - t2);
            }
            PlainAlignn.Trace = false;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"profile {name}: forward {fwd * 1000:0} ms, backward {bwd * 1000:0} ms, optimizer {opt * 1000:0} ms (best of 2)"));
        }

        // The operations of one line-graph convolution at this batch's sizes (bonds as nodes, bond pairs as edges).
        long e = input.EdgeCount, p = input.LineCount, f = shipped.Settings.HiddenFeatures;
        using var scope2 = NewDisposeScope();
        var src = input.LineSource!;
        var dst = input.LineTarget!;
        var nodes = randn(e, f);
        var pairs = randn(p, f);
        var weight = randn(f, f) * 0.05;
        var bias = zeros(f);
        var rm = zeros(f);
        var rv = ones(f);
        var g1 = ones(f);
        var b1 = zeros(f);
        var rows = new List<(string, double, double)>();
        void Op(string what, Func<Tensor[], Tensor> op, params Tensor[] inputs)
        {
            double bestF = double.MaxValue, bestB = double.MaxValue;
            for (int r = 0; r < 3; r++)
            {
                using var s = NewDisposeScope();
                var leaves = inputs.Select(t => t.detach().requires_grad_(true)).ToArray();
                var clock = Stopwatch.StartNew();
                var output = op(leaves);
                double tf = clock.Elapsed.TotalSeconds;
                var grad = ones_like(output);
                clock.Restart();
                output.backward([grad]);
                double tb = clock.Elapsed.TotalSeconds;
                bestF = Math.Min(bestF, tf); bestB = Math.Min(bestB, tb);
            }
            rows.Add((what, bestF, bestB));
        }
        Op("linear on pairs [P,F]x[F,F] (edge_gate)", t => F.linear(t[0], t[1], t[2]), pairs, weight, bias);
        Op("linear on bonds [E,F]x[F,F] (per linear)", t => F.linear(t[0], t[1], t[2]), nodes, weight, bias);
        Op("gather index_select [E,F]->[P,F]", t => t[0].index_select(0, src), nodes);
        Op("add of three [P,F]", t => t[0] + t[1] + t[2], pairs, pairs, pairs);
        Op("sigmoid [P,F]", t => t[0].sigmoid(), pairs);
        Op("product [P,F]*[P,F]", t => t[0] * t[1], pairs, pairs);
        Op("segment sum index_add [P,F]->[E,F]", t => zeros(e, f).index_add(0, dst, t[0], 1), pairs);
        Op("batch norm (training) [P,F]", t => F.batch_norm(t[0], rm, rv, t[1], t[2], true, 0.1, 1e-5), pairs, g1, b1);
        Op("silu [P,F]", t => F.silu(t[0]), pairs);
        Op("residual add [P,F]", t => t[0] + t[1], pairs, pairs);
        var index = input.LineIndex();
        var norm = nn.BatchNorm1d(f);
        norm.train();
        Op("fused: edge gate (gather, gate, aggregate)", t => { var (m, agg) = EdgeGate.Apply(t[0], t[1], t[2], t[3], index); return m + 0 * agg.sum(); },
            nodes, nodes, pairs, nodes);
        Op("fused: batch norm + SiLU + residual [P,F]", t => NormActivation.Apply(t[0], t[1], norm), pairs, pairs);
        Console.WriteLine($"line-graph operations at P = {p} pairs, E = {e} bonds, F = {f} (best of 3; ms forward / backward):");
        foreach (var (what, tf, tb) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-44} {tf * 1000,7:0.0} / {tb * 1000,7:0.0}"));
    }

    private int Memory(string data, int threads, int batches, string[] implementations)
    {
        foreach (var c in implementations)
        {
            string host = Environment.ProcessPath!;
            var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
            foreach (var a in new[] { Name, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--batches", batches.ToString(CultureInfo.InvariantCulture), "--memory", data, "--memory-case", c })
                psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            Console.Write(process.StandardOutput.ReadToEnd());
            process.WaitForExit();
        }
        return 0;
    }

    /// <summary>Training steps on batches of 64 as the trainer takes them (split to the default memory budget), in this process.</summary>
    private static int MemoryCase(string data, string which, int threads, int batches)
    {
        var set = Load(data);
        var request = new TrainRequest { Model = AlignnModel.KindName, Data = data, Targets = set.Targets.ToArray(), Output = "unused" };
        var options = BackendTraining.Options(request);
        manual_seed(0);
        using var model = (AlignnModel)BackendTraining.CreateModel(request, set);
        var rows = Enumerable.Range(0, set.Entries.Count).Where(i => set.Splits[i] == Split.Train).Take(options.BatchSize * batches).ToArray();
        var samples = model.FeaturizeAll(rows.Select(i => set.Entries[i]).ToArray());
        using var targets = tensor(rows.Select(i => (float)set.Labels[i][0]).ToArray(), [rows.Length, 1]);
        using var optimizer = optim.AdamW(model.parameters(), options.LearningRate);
        model.train();
        var clock = Stopwatch.StartNew();
        int parts = 0;
        for (int b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var batch = Enumerable.Range(b * options.BatchSize, options.BatchSize).ToArray();
            optimizer.zero_grad();
            // As Trainer.Step: parts within the memory budget, each part's loss its share of the batch's.
            var split = Batching.SplitByCost(batch, i => model.TrainingBytes(samples[i]), options.BatchMemoryGb * (1L << 30));
            parts += split.Count;
            using var counts = Trainer.LabelledCounts(targets.index_select(0, tensor(batch.Select(i => (long)i).ToArray())));
            foreach (var part in split)
            {
                using var inner = NewDisposeScope();
                using var input = (GraphInput)model.Collate(part.Select(i => samples[i]).ToArray(), CPU, null);
                var output = which == "plain" ? PlainAlignn.Forward(model, input) : model.forward(input);
                var loss = Trainer.Loss(output, targets.index_select(0, tensor(part.Select(i => (long)i).ToArray())), options.Loss, counts);
                loss.backward();
            }
            optimizer.step();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{which,-8} {data}: {batches} batches of {options.BatchSize} in {parts} parts (budget {options.BatchMemoryGb} GB), {batches * options.BatchSize / seconds:0.0} crystals/s, peak RSS {Measure.MiB(Measure.PeakRss())}"));
        return 0;
    }
}
