using CrystalTransformer.Models;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// The real cell runner: one <see cref="TrainRequest"/> through <see cref="BackendTraining.Run"/> (the code path of
/// <c>ct train</c>). The cell's seed seeds the initialisation and batch order and picks the training subset.
/// </summary>
public sealed class BackendCellRunner : ICellRunner
{
    public static TrainRequest RequestFor(CellRequest r) => new()
    {
        Model = r.Cell.Model,
        Data = r.DataSpec,
        Targets = [r.Cell.Target],
        Embedding = r.EmbeddingSpec,
        EmbeddingMode = r.Cell.Mode == GridCell.FineTune ? ElementTableTraining.FineTune : ElementTableTraining.Frozen,
        TrainSize = r.Cell.TrainSize,
        SplitSeed = r.Cell.Seed,
        Seed = r.Cell.Seed,
        Epochs = r.Configuration.Epochs,
        BatchSize = r.Configuration.BatchSize,
        GraphCache = r.CacheDirectory,
        Output = r.RunDirectory,
    };

    public TrainingResult Run(CellRequest request, ITrainingObserver observer) =>
        BackendTraining.Run(RequestFor(request), observer, request.Device, request.Threads, request.Resume);
}
