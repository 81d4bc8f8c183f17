using CrystalTransformer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>
/// A fixed set of crystals evaluated every epoch (the validation split). Its batches are collated at the first evaluation
/// and kept: for small networks, collating (reading cached graphs, building index and feature tensors) costs more than the
/// forward pass, and the validation set is the same every epoch. Sets whose training-memory estimate exceeds
/// <see cref="MaxKeptBytes"/> (or with more than <see cref="MaxKeptAtoms"/> atoms) are collated afresh each time, as
/// <see cref="Trainer.Predict"/> does; predictions are the same either way.
/// </summary>
public sealed class EvaluationSet(TrainableModel model, IReadOnlyList<ISample> samples, int[] indices, Device device, int batchSize) : IDisposable
{
    /// <summary>Upper bound on the summed <see cref="TrainableModel.TrainingBytes"/> of a kept set (its inputs take a small fraction of that).</summary>
    public const double MaxKeptBytes = 2.0 * (1L << 30);
    /// <summary>Upper bound on the atoms of a kept set (for models without a memory estimate).</summary>
    public const long MaxKeptAtoms = 1_000_000;

    private List<IBatch>? _batches;
    private bool _decided, _kept;

    /// <summary>Whether the collated batches are kept between evaluations (known after the first).</summary>
    public bool Kept => _kept;

    /// <summary>Predictions in the targets' own units, in the order of the indices (eval mode, no augmentation).</summary>
    public double[][] Predict(TargetScaler scaler)
    {
        if (!_decided)
        {
            _decided = true;
            _kept = indices.Length > 0
                && indices.Sum(i => model.TrainingBytes(samples[i])) <= MaxKeptBytes
                && indices.Sum(i => (long)samples[i].Size) <= MaxKeptAtoms;
            if (_kept) _batches = Collate();
        }
        if (!_kept) return Trainer.Predict(model, samples, indices, scaler, device, batchSize);

        model.eval();
        var result = new double[indices.Length][];
        using var noGrad = no_grad();
        using var outer = NewDisposeScope();
        var parts = new List<Tensor>(_batches!.Count);
        foreach (var batch in _batches)
        {
            using var scope = NewDisposeScope();
            parts.Add(model.forward(batch).MoveToOuterDisposeScope());
        }
        Trainer.Restore(parts, scaler, model.TargetCount, result);
        return result;
    }

    private List<IBatch> Collate()
    {
        var batches = new List<IBatch>();
        foreach (var part in Trainer.EvaluationParts(model, samples, indices, batchSize))
        {
            using var pause = FinalizerPause.Enter();
            // Outside any dispose scope: the batch owns its tensors until this set is disposed.
            batches.Add(model.Collate(part.Select(i => samples[i]).ToArray(), device, null));
        }
        return batches;
    }

    public void Dispose()
    {
        if (_batches is null) return;
        foreach (var b in _batches) b.Dispose();
        _batches = null;
    }
}
