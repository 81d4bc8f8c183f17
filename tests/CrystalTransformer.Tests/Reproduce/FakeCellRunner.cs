using System.Globalization;
using System.Text.Json.Nodes;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>
/// Writes the files the training loop writes, with errors that depend on the cell (tables listed in
/// <see cref="Better"/> get a lower error), so orchestration, store and report can be tested without training.
/// </summary>
internal sealed class FakeCellRunner : ICellRunner
{
    public List<CellRequest> Calls { get; } = [];
    /// <summary>Keys of cells that fail once (after leaving a checkpoint behind) before succeeding.</summary>
    public HashSet<string> FailOnce { get; } = [];
    /// <summary>Keys of cells that diverge every time, as the training loop does: metrics.json of the last good epoch
    /// marked with the diverged epoch, then the one-line error.</summary>
    public HashSet<string> Diverge { get; } = [];
    public Dictionary<string, double> Better { get; } = new() { ["ct-uae-mp"] = 0.7 };
    /// <summary>Offsets of test and validation MAE by mode. l2sp:1e-3 looks best on validation but is worst on test, so a
    /// report that picked on test would choose differently from one that picks on validation.</summary>
    public Dictionary<string, (double Test, double Validation)> ModeOffsets { get; } = new()
    {
        [GridCell.FineTune] = (0.001, 0.001),
        ["finetune:1e-4"] = (0.002, 0.002),
        ["finetune:1e-3"] = (-0.001, 0.0),
        ["l2sp:1e-3"] = (0.003, -0.004),
    };
    /// <summary>Test crystals of every cell (the same ids for every table and seed, as in a real test part).</summary>
    public int TestCrystals { get; set; } = 40;
    /// <summary>Ids of a cell's test crystals when not c0, c1, ... (null from the function: those).</summary>
    public Func<CellRequest, IReadOnlyList<string>?>? TestIds { get; init; }

    public TrainingResult Run(CellRequest request, ITrainingObserver observer)
    {
        lock (Calls) Calls.Add(request); // workers of --jobs tests call in parallel
        var cell = request.Cell;
        Directory.CreateDirectory(request.RunDirectory);
        observer.Start(0, request.Configuration.Epochs, 2);
        bool fail;
        lock (FailOnce) fail = FailOnce.Remove(cell.Key);
        if (fail)
        {
            File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.LastFile), "checkpoint");
            throw new InvalidOperationException("simulated crash");
        }
        bool diverge;
        lock (Diverge) diverge = Diverge.Contains(cell.Key);
        if (diverge)
        {
            File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.LastFile), "checkpoint");
            File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.MetricsFile),
                "{\"best_epoch\": 1, \"diverged_at_epoch\": 2, \"diverged\": \"loss is not finite\", \"test\": {}}");
            throw new TrainingDivergedError(2);
        }
        int train = cell.TrainSize ?? 1920;
        double factor = Better.GetValueOrDefault(cell.Embedding, 1.0);
        var offset = ModeOffsets.GetValueOrDefault(cell.Mode);
        double mae = factor * (0.05 + 3.0 / Math.Sqrt(train)) * (1 + 0.03 * cell.Seed) + offset.Test;
        double validationMae = 1.02 * mae - offset.Test + offset.Validation;
        // Per-crystal errors with mean absolute value mae: truth depends on the crystal only, the error's size and sign on the cell.
        var rng = new Random(StableHash(cell.Key));
        var lines = new List<string> { $"id,{cell.Target},{cell.Target}_predicted" };
        var ids = TestIds?.Invoke(request) ?? Enumerable.Range(0, TestCrystals).Select(i => $"c{i}").ToArray();
        for (int i = 0; i < ids.Count; i++)
        {
            double truth = (i * 0.6180339887) % 2;
            double error = mae * 2 * rng.NextDouble() * (rng.Next(2) == 0 ? -1 : 1);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{ids[i]},{truth},{truth + error}"));
        }
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.PredictionsFile), string.Join("\n", lines) + "\n");
        var config = new JsonObject { ["data"] = new JsonObject { ["train"] = train, ["sha256"] = "abc123", ["split"] = "fake split" }, ["seed"] = cell.Seed };
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.ConfigFile), config.ToJsonString());
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.EnvironmentFile), "{\"ct_version\":\"1.0\",\"torch_sharp\":\"0.107\",\"lib_torch\":\"2.10\",\"dot_net\":\".NET 10\",\"threads\":1}");
        var metrics = new JsonObject
        {
            ["best_epoch"] = 2, ["epochs_run"] = request.Configuration.Epochs, ["seconds"] = 1.5,
            ["validation"] = new JsonObject { [cell.Target] = new JsonObject { ["count"] = 20, ["mae"] = validationMae, ["rmse"] = 1.3 * validationMae, ["r2"] = 1 - validationMae } },
            ["test"] = new JsonObject { [cell.Target] = new JsonObject { ["count"] = TestCrystals, ["mae"] = mae, ["rmse"] = 1.3 * mae, ["r2"] = 1 - mae } },
        };
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.MetricsFile), metrics.ToJsonString());
        // The loop's log: validation MAE falling to its best at epoch 2, then flat.
        var log = new List<string> { $"epoch,learning_rate,train_loss,val_score,val_mae_{cell.Target},best,seconds" };
        for (int e = 1; e <= request.Configuration.Epochs; e++)
        {
            double v = validationMae * (e == 1 ? 1.5 : e == 2 ? 1.0 : 1.01);
            log.Add(string.Create(CultureInfo.InvariantCulture, $"{e},0.01,{1.0 / e},{v},{v},{(e <= 2 ? 1 : 0)},0.1"));
        }
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.LogFile), string.Join("\n", log) + "\n");
        var m = new TargetMetrics(TestCrystals, mae, 1.3 * mae, 1 - mae);
        var d = new Dictionary<string, TargetMetrics> { [cell.Target] = m };
        return new TrainingResult(2, request.Configuration.Epochs, false, 1.5, [cell.Target], d, d, d, Path.Combine(request.RunDirectory, Trainer.BestFile));
    }

    /// <summary>A hash that is the same in every process (string.GetHashCode is not).</summary>
    private static int StableHash(string text)
    {
        unchecked
        {
            int h = 17;
            foreach (char c in text) h = h * 31 + c;
            return h;
        }
    }
}
