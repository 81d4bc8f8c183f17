using System.Text.Json.Nodes;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Models;

/// <summary>
/// One labelled or unlabelled example as the data layer delivers it: a crystal structure, or only a composition
/// (the Materials Project compositions have no coordinates). Models that need coordinates reject composition-only entries.
/// </summary>
public sealed record DataEntry(string Id, Composition Composition, Structure? Structure = null)
{
    public static DataEntry From(Structure structure) => new(structure.Id, structure.Composition, structure);
}

/// <summary>One featurised example, computed once on the CPU before training (tokens, a graph, ...).</summary>
public interface ISample
{
    /// <summary>Number of atoms or tokens; batches can be bucketed by it to cut padding.</summary>
    int Size { get; }
}

/// <summary>Model inputs of one batch, already on the training device. Disposed by the loop after the step.</summary>
public interface IBatch : IDisposable
{
    int Count { get; }
}

/// <summary>Parts of a model that the training loop may train at a learning rate of their own, or freeze.</summary>
public enum ParameterRole
{
    /// <summary>The per-element input table (<see cref="TrainableModel.ElementTableParameters"/>).</summary>
    ElementTable,
    /// <summary>Layers whose weights were copied from a pretrained model (the front-end below its output heads).</summary>
    Encoder,
}

/// <summary>
/// A network the shared training loop can train: the module itself, its featuriser and its collate function.
/// Implement this for a new model kind (Transformer, CGCNN, MEGNet, ALIGNN) and register its descriptor with the
/// training layer's model-kind registry, so that it can be trained and its model files loaded again.
/// <para>Contract: <see cref="Forward"/> returns standardised predictions of shape [batch, <see cref="TargetCount"/>];
/// the loop owns targets, scaling, loss, masking of missing labels, optimiser and checkpoints.</para>
/// </summary>
public abstract class TrainableModel : nn.Module<IBatch, Tensor>
{
    protected TrainableModel(string name) : base(name) { }

    /// <summary>Kind name stored in model files and by which the model-kind registry finds its descriptor ("transformer", "cgcnn", ...).</summary>
    public abstract string Kind { get; }

    /// <summary>Number of outputs (one per target).</summary>
    public abstract int TargetCount { get; }

    /// <summary>Architecture and featurisation settings: with the weights, everything needed to rebuild the model.</summary>
    public abstract JsonObject Config { get; }

    /// <summary>True when the model reads only an entry's composition (no coordinates): it can predict from a formula.</summary>
    public virtual bool ReadsCompositionOnly => false;

    /// <summary>Turns one entry into a sample; throws <see cref="InputError"/> for entries the model cannot use.</summary>
    public abstract ISample Featurize(DataEntry entry);

    /// <summary>Featurises a whole data set (override to parallelise or cache, e.g. graph building).</summary>
    public virtual IReadOnlyList<ISample> FeaturizeAll(IReadOnlyList<DataEntry> entries) => entries.Select(Featurize).ToArray();

    /// <summary>
    /// Stacks samples into one batch on <paramref name="device"/>. <paramref name="augmentation"/> is non-null only for
    /// training batches; models that augment draw every random choice from it (or from torch's generator) so a seeded run
    /// repeats exactly. Validation and test batches are never augmented.
    /// </summary>
    public abstract IBatch Collate(IReadOnlyList<ISample> samples, Device device, Random? augmentation);

    /// <summary>
    /// Parameters of the per-element input table (the ct-UAE layer of the Transformer; the embedding table of a graph
    /// network). The loop freezes them or gives them their own learning rate. Empty when the model has none.
    /// </summary>
    public virtual IReadOnlyList<Parameter> ElementTableParameters => [];

    /// <summary>
    /// The parts the loop may train apart from the rest (see <see cref="ParameterRole"/>), in order of precedence: a
    /// parameter belongs to the first part that lists it; parameters in no part form the main group. By default the
    /// element table is the one part.
    /// </summary>
    public virtual IReadOnlyList<(ParameterRole Role, IReadOnlyList<Parameter> Parameters)> ParameterParts =>
        ElementTableParameters.Count == 0 ? [] : [(ParameterRole.ElementTable, ElementTableParameters)];

    /// <summary>
    /// A term the training loop adds to the loss of every optimiser step (once per step, also when a batch is trained in
    /// parts), such as a pull of pretrained weights towards their starting values; null when the model has none.
    /// </summary>
    public virtual Tensor? RegularizationLoss() => null;

    /// <summary>Elements whose table rows receive gradient from these entries (for marking untrained rows).</summary>
    public virtual IEnumerable<int> ElementsUsedBy(DataEntry entry) => entry.Composition.Elements.Select(e => e.Z);

    /// <summary>
    /// Rough bytes that a training step keeps alive for this sample (activations saved for the backward pass); 0 when
    /// small enough never to matter. The loop splits a batch whose sum exceeds its memory budget into parts whose
    /// gradients it accumulates, so that large crystals cannot exhaust memory.
    /// </summary>
    public virtual double TrainingBytes(ISample sample) => 0;
}
