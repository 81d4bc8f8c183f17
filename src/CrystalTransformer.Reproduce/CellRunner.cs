using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// What a cell runner needs to train one cell through the shared training loop. <see cref="EmbeddingSpec"/> and
/// <see cref="DataSpec"/> are resolved (a built-in name, a file or a ct-UAE folder); <see cref="Resume"/> continues the
/// run directory from its last checkpoint.
/// </summary>
public sealed record CellRequest(CellConfiguration Configuration, string EmbeddingSpec, string DataSpec, string RunDirectory,
    bool Resume, int Threads, string Device, string CacheDirectory)
{
    public GridCell Cell => Configuration.Cell;
}

/// <summary>Trains one cell into its run directory (config.json, log.csv, best.ct, metrics.json, test_predictions.csv).</summary>
public interface ICellRunner
{
    TrainingResult Run(CellRequest request, ITrainingObserver observer);
}
