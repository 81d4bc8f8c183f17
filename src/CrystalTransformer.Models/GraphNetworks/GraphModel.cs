using System.Collections;
using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>A crystal graph held in memory.</summary>
public sealed class GraphSample(CrystalGraph graph) : ISample
{
    public CrystalGraph Graph { get; } = graph;
    public int Size => Graph.NodeCount;
}

/// <summary>A graph stored in a <see cref="GraphCache"/> file, read when a batch needs it.</summary>
public sealed class CachedGraphSample(GraphCache cache, int index, int size) : ISample
{
    public int Size { get; } = size;
    public CrystalGraph Read() => cache.Read(index);
}

/// <summary>
/// How a graph network turns a data set into graphs (run-time choices, not part of the model): build threads, and
/// optionally a folder for on-disk graph caches, from which graphs are streamed batch by batch so that memory stays
/// bounded however large the data set is.
/// </summary>
public sealed record GraphFeaturization
{
    /// <summary>Threads for building graphs (and reading them back from a cache).</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Folder for graph caches; null keeps graphs in memory.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>One-line notices (a cache being rebuilt).</summary>
    public Action<string>? Message { get; init; }
    /// <summary>
    /// Largest memory one structure may need, by the model's estimate of its graph and activations
    /// (<see cref="GraphModel.StructureBytes"/>), checked before its graph is built; 0 = no limit.
    /// </summary>
    public double MaxStructureBytes { get; init; } = DefaultMaxStructureGb * (1L << 30);

    /// <summary>Default of <see cref="MaxStructureBytes"/>, in GiB (the training loop's default batch-memory budget).</summary>
    public const double DefaultMaxStructureGb = 4;
}

/// <summary>
/// Base of the crystal graph networks (CGCNN, MEGNet, ALIGNN): the element-table component, graph building (in memory
/// or through a graph cache), element checks and batch collation. Subclasses define the network.
/// </summary>
public abstract class GraphModel : TrainableModel
{
    private readonly List<GraphCache> _caches = [];
    private HashSet<int>? _allowed;

    protected GraphModel(string name, ElementTableConfig table, GraphSettings graph, int targetCount) : base(name)
    {
        if (targetCount < 1) throw new InputError("the model needs at least one target");
        TableConfig = table;
        Graph = graph;
        _allowed = table.Training == ElementTableTraining.Scratch ? null : [.. table.Elements];
    }

    /// <summary>The element table's provenance and mode.</summary>
    public ElementTableConfig TableConfig { get; }

    /// <summary>How crystals become graphs (stored graphs never carry line graphs: they are built per batch).</summary>
    public GraphSettings Graph { get; }

    /// <summary>Build threads and graph cache; set before training or prediction.</summary>
    public GraphFeaturization Featurization { get; set; } = new();

    /// <summary>The element-table component.</summary>
    public abstract ElementEmbedding Elements { get; }

    /// <summary>Optional batch arrays the network needs.</summary>
    protected abstract GraphInputParts Parts { get; }

    public override IReadOnlyList<Parameter> ElementTableParameters => [Elements.Table];

    /// <summary>The L2-SP pull of a fine-tuned table towards its loaded values, when configured (<see cref="ElementTableConfig.L2Sp"/>).</summary>
    public override Tensor? RegularizationLoss() => Elements.L2SpPenalty();

    /// <summary>Copies a resolved element table into the model (see <see cref="ElementEmbedding.Load"/>).</summary>
    public void LoadElementTable(ElementTable table) => Elements.Load(table);

    /// <summary>
    /// Restricts the elements the model accepts (e.g. to those seen in training, for a table learned from scratch).
    /// By default a table's usable rows decide.
    /// </summary>
    public void RestrictElements(IEnumerable<int> atomicNumbers) => _allowed = [.. atomicNumbers];

    /// <summary>True when the model has a meaningful table row for element <paramref name="z"/>.</summary>
    public bool Accepts(int z) => z is >= 1 and <= ElementEmbedding.Rows && (_allowed is null || _allowed.Contains(z));

    public override IEnumerable<int> ElementsUsedBy(DataEntry entry) =>
        entry.Structure is { } s ? s.AtomicNumbers(Graph.Disorder).Distinct() : base.ElementsUsedBy(entry);

    private GraphSettings Stored => Graph.LineGraph ? Graph with { LineGraph = false } : Graph;

    /// <summary>The structure of an entry, checked: present, not empty, every element usable by the table.</summary>
    protected Structure Checked(DataEntry entry)
    {
        var structure = entry.Structure ?? throw new InputError($"{entry.Id}: graph networks need a structure, but this entry is a composition only");
        if (structure.Count == 0) throw new InputError($"{entry.Id}: structure has no atoms");
        var bad = structure.AtomicNumbers(Graph.Disorder).Where(z => !Accepts(z)).Distinct().Order().ToArray();
        if (bad.Length > 0)
            throw new InputError($"{entry.Id}: element{(bad.Length == 1 ? "" : "s")} {string.Join(" ", bad.Select(z => PeriodicTable.Get(z).Symbol))} " +
                $"{(bad.Length == 1 ? "has" : "have")} no trained row in the model's element table '{TableConfig.Name}'");
        double limit = Featurization.MaxStructureBytes, bytes = StructureBytes(structure);
        if (limit > 0 && !(bytes <= limit))
            throw new InputError(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{entry.Id}: {structure.Count} atoms need about {bytes / (1L << 30):0.###} GB for the {Kind} graph and network; the limit per structure is {limit / (1L << 30):0.###} GB"));
        return structure;
    }

    /// <summary>
    /// Memory one structure needs in this network (graph and the activations of a training step), estimated from the
    /// structure alone before its graph is built: <see cref="TrainableModel.TrainingBytes"/> of its atom count, unless a
    /// network's graph depends on more than that.
    /// </summary>
    public virtual double StructureBytes(Structure structure) => TrainingBytes(new SizeOnly(structure.Count));

    private sealed record SizeOnly(int Size) : ISample;

    public override ISample Featurize(DataEntry entry) => new GraphSample(GraphBuilder.Build(Checked(entry), Stored));

    public override IReadOnlyList<ISample> FeaturizeAll(IReadOnlyList<DataEntry> entries)
    {
        var structures = new Structure[entries.Count];
        for (int i = 0; i < structures.Length; i++) structures[i] = Checked(entries[i]);
        int threads = Math.Max(1, Featurization.Threads);
        if (Featurization.CacheDirectory is not { } dir)
            return GraphBuilder.BuildAll(structures, Stored, threads).Select(g => (ISample)new GraphSample(g)).ToArray();
        var key = GraphCache.ComputeKey(structures, Stored);
        string path = Path.Combine(dir, $"{Kind}-{Convert.ToHexStringLower(key)[..20]}.graphs");
        var cache = GraphCache.OpenOrBuild(path, structures, Stored, new GraphCacheOptions { Threads = threads, Warning = Featurization.Message });
        lock (_caches) _caches.Add(cache);
        Featurization.Message?.Invoke($"graphs {(cache.Built ? "built into" : "read from")} {path} ({cache.FileSize / 1e6:0.0} MB)");
        return new CachedSamples(cache, structures.Select(s => s.Count).ToArray());
    }

    public override IBatch Collate(IReadOnlyList<ISample> samples, Device device, Random? augmentation)
    {
        var graphs = new CrystalGraph[samples.Count];
        bool lines = Parts.HasFlag(GraphInputParts.LineGraph);
        bool cached = samples.Count > 0 && samples[0] is CachedGraphSample;
        // Reading records and building line graphs are independent per crystal: spread them over the build threads.
        if ((cached || lines) && samples.Count > 8 && Featurization.Threads > 1)
            Parallel.For(0, samples.Count, new ParallelOptions { MaxDegreeOfParallelism = Featurization.Threads }, k => graphs[k] = Prepare(samples[k], lines));
        else
            for (int k = 0; k < graphs.Length; k++) graphs[k] = Prepare(samples[k], lines);
        return GraphInput.Create(GraphBatch.Collate(graphs), Parts, device);
    }

    private static CrystalGraph Prepare(ISample sample, bool lines)
    {
        var graph = sample switch
        {
            GraphSample g => g.Graph,
            CachedGraphSample c => c.Read(),
            _ => throw new ArgumentException($"graph networks cannot use {sample.GetType().Name} samples"),
        };
        return lines ? graph.WithLineGraph() : graph;
    }

    /// <summary>Mean of node vectors per crystal: [N, F] → [B, F].</summary>
    protected static Tensor MeanPool(Tensor nodes, GraphInput g) => Segments.Mean(nodes, g.NodeCrystal, g.NodesPerCrystal);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            lock (_caches)
            {
                foreach (var c in _caches) c.Dispose();
                _caches.Clear();
            }
        base.Dispose(disposing);
    }

    /// <summary>Samples backed by a graph cache: sizes in memory, graphs on disk.</summary>
    private sealed class CachedSamples(GraphCache cache, int[] sizes) : IReadOnlyList<ISample>
    {
        public ISample this[int index] => new CachedGraphSample(cache, index, sizes[index]);
        public int Count => sizes.Length;
        public IEnumerator<ISample> GetEnumerator()
        {
            for (int i = 0; i < sizes.Length; i++) yield return this[i];
        }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
