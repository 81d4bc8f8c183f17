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
    public Dictionary<string, double> Better { get; } = new() { ["ct-uae-mp"] = 0.7 };

    public TrainingResult Run(CellRequest request, ITrainingObserver observer)
    {
        Calls.Add(request);
        var cell = request.Cell;
        Directory.CreateDirectory(request.RunDirectory);
        observer.Start(0, request.Configuration.Epochs, 2);
        if (FailOnce.Remove(cell.Key))
        {
            File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.LastFile), "checkpoint");
            throw new InvalidOperationException("simulated crash");
        }
        int train = cell.TrainSize ?? 1920;
        double factor = Better.GetValueOrDefault(cell.Embedding, 1.0);
        double mae = factor * (0.05 + 3.0 / Math.Sqrt(train)) * (1 + 0.03 * cell.Seed) + (cell.Mode == GridCell.FineTune ? 0.001 : 0);
        var rng = new Random(cell.Key.GetHashCode(StringComparison.Ordinal));
        var lines = new List<string> { $"id,{cell.Target},{cell.Target}_predicted" };
        for (int i = 0; i < 40; i++)
        {
            double truth = rng.NextDouble() * 2;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"c{i},{truth},{truth + (rng.NextDouble() - 0.5) * 2 * mae}"));
        }
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.PredictionsFile), string.Join("\n", lines) + "\n");
        var config = new JsonObject { ["data"] = new JsonObject { ["train"] = train, ["sha256"] = "abc123", ["split"] = "fake split" }, ["seed"] = cell.Seed };
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.ConfigFile), config.ToJsonString());
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.EnvironmentFile), "{\"ct_version\":\"1.0\",\"torch_sharp\":\"0.107\",\"lib_torch\":\"2.10\",\"dot_net\":\".NET 10\",\"threads\":1}");
        var metrics = new JsonObject
        {
            ["best_epoch"] = 2, ["epochs_run"] = request.Configuration.Epochs, ["seconds"] = 1.5,
            ["test"] = new JsonObject { [cell.Target] = new JsonObject { ["count"] = 40, ["mae"] = mae, ["rmse"] = 1.3 * mae, ["r2"] = 1 - mae } },
        };
        File.WriteAllText(Path.Combine(request.RunDirectory, Trainer.MetricsFile), metrics.ToJsonString());
        var m = new TargetMetrics(40, mae, 1.3 * mae, 1 - mae);
        var d = new Dictionary<string, TargetMetrics> { [cell.Target] = m };
        return new TrainingResult(2, request.Configuration.Epochs, false, 1.5, [cell.Target], d, d, d, Path.Combine(request.RunDirectory, Trainer.BestFile));
    }
}
