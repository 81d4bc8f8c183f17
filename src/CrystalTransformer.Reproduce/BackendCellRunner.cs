using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// The real cell runner: one <see cref="TrainRequest"/> through <see cref="BackendTraining.Run"/> (the code path of
/// <c>ct train</c>). The cell's seed seeds the initialisation and batch order and picks the training subset.
/// </summary>
public sealed class BackendCellRunner : ICellRunner
{
    /// <summary>The model kind of whole-encoder transfer cells.</summary>
    public const string EncoderModel = "transformer";

    /// <summary>
    /// The cell's request. Modes: <c>frozen</c>; <c>finetune</c> (table learning rate 1e-5); <c>finetune:LR</c>;
    /// <c>l2sp:LR</c> (as finetune:LR plus the L2-SP pull <see cref="CellMode.L2SpStrength"/>); <c>encoder</c> (the
    /// front-end starts from the model named by the cell's embedding and learns its own table).
    /// </summary>
    public static TrainRequest RequestFor(CellRequest r)
    {
        var mode = CellMode.Parse(r.Cell.Mode);
        var request = new TrainRequest
        {
            Model = r.Cell.Model,
            Data = r.DataSpec,
            Targets = [r.Cell.Target],
            Embedding = r.EmbeddingSpec,
            EmbeddingMode = mode.Kind is CellModeKind.FineTune or CellModeKind.L2Sp ? ElementTableTraining.FineTune : ElementTableTraining.Frozen,
            EmbeddingLearningRate = mode.Kind is CellModeKind.FineTune or CellModeKind.L2Sp ? mode.TableLearningRate : null,
            EmbeddingL2Sp = mode.Kind == CellModeKind.L2Sp ? CellMode.L2SpStrength : null,
            TrainSize = r.Cell.TrainSize,
            SplitSeed = r.Cell.Seed,
            Seed = r.Cell.Seed,
            Epochs = r.Configuration.Epochs,
            BatchSize = r.Configuration.BatchSize,
            GraphCache = r.CacheDirectory,
            Output = r.RunDirectory,
        };
        if (mode.Kind != CellModeKind.Encoder) return request;
        if (!string.Equals(r.Cell.Model, EncoderModel, StringComparison.OrdinalIgnoreCase))
            throw new InputError($"mode '{GridCell.Encoder}' transfers a pretrained front-end and needs model '{EncoderModel}', not '{r.Cell.Model}'");
        return request with { Embedding = null, InitFrom = r.EmbeddingSpec };
    }

    public TrainingResult Run(CellRequest request, ITrainingObserver observer) =>
        BackendTraining.Run(RequestFor(request), observer, request.Device, request.Threads, request.Resume);
}
