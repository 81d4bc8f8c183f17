using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

public sealed record CorrelationRow(string Feature, string Property, int N, double Pearson, double Spearman);
public sealed record ReverseRow(string Embedding, string Property, int N, double R2, double Mae, double MedianAlpha);
public sealed record CompoundGroupRow(string Dataset, string Group, string Property, int N, double Mean, double Median, double Std);
public sealed record CompoundSummary(string Dataset, int Compounds, int Used, int SkippedMissingElement, int SkippedSmallGroups, IReadOnlyList<string> MissingElements);
public sealed record MantelRow(string A, string B, int N, double R, double PValue, int Permutations);

/// <summary>Everything computed for one table.</summary>
public sealed class TableResult
{
    public required ElementTable Table { get; init; }
    public required string Slug { get; init; }
    public required IReadOnlyList<Element> Elements { get; init; }
    public required PcaResult Pca { get; init; }
    public required UmapResult Umap { get; init; }
    public required double TrustPca { get; init; }
    public required double TrustUmap { get; init; }
    public required double[,] Tsne { get; init; }
    public required double TrustTsne { get; init; }
    public required ClusterChoice UmapClusters { get; init; }
    public required ClusterChoice RawClusters { get; init; }
    public required IReadOnlyList<CorrelationRow> Correlations { get; init; }
    public required IReadOnlyList<ReverseRow> Reverse { get; init; }
    public required IReadOnlyList<CompoundGroupRow> CompoundGroups { get; init; }
    public required IReadOnlyList<CompoundSummary> Compounds { get; init; }
    public required IReadOnlyList<Figure> Figures { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required IReadOnlyDictionary<string, TimeSpan> Stages { get; init; }
}

public sealed class AnalysisResult
{
    public required AnalysisOptions Options { get; init; }
    public required IReadOnlyList<TableResult> Tables { get; init; }
    public required IReadOnlyList<Element> CommonElements { get; init; }
    public required IReadOnlyList<ReverseRow> ReverseCommon { get; init; }
    public required IReadOnlyList<MantelRow> Mantel { get; init; }
    public required IReadOnlyList<Figure> Figures { get; init; }
    public required IReadOnlyDictionary<string, TimeSpan> Timings { get; init; }
    public required string IndexPath { get; init; }
}
