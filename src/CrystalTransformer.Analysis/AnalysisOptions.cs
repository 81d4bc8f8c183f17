namespace CrystalTransformer.Analysis;

/// <summary>Settings of <c>ct analyze</c>.</summary>
public sealed record AnalysisOptions
{
    public string OutputDirectory { get; init; } = Path.Combine("runs", "analyze");
    /// <summary>Seed of UMAP and of the Mantel permutations; k-means uses seeds 0..ScanSeeds−1.</summary>
    public int Seed { get; init; } = 42;
    public int KMin { get; init; } = 2;
    public int KMax { get; init; } = 10;
    public int ScanSeeds { get; init; } = 5;
    public int? ForcedK { get; init; }
    public int Folds { get; init; } = 10;
    /// <summary>Properties with fewer elements than this are not predicted.</summary>
    public int MinElements { get; init; } = 20;
    /// <summary>z-score each column over the analysed elements before PCA, UMAP, clustering, similarity and Mantel.</summary>
    public bool Standardize { get; init; } = true;
    public int Permutations { get; init; } = 999;
    public int TrustworthinessK { get; init; } = 5;
    public int PcaComponents { get; init; } = 10;
    /// <summary>Smallest group of compounds drawn in the compound view.</summary>
    public int MinGroupSize { get; init; } = 20;
    /// <summary>Most groups drawn per violin plot (the largest ones).</summary>
    public int MaxGroups { get; init; } = 16;
    public IReadOnlyList<string> Properties { get; init; } = ElementProperties.Default;
    public IReadOnlyList<CompoundDataset> Datasets { get; init; } = [];
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string? CommandLine { get; init; }
}
