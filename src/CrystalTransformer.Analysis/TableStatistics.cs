using CrystalTransformer.Analysis.Numerics;
using CrystalTransformer.Analysis.Plots;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

/// <summary>The values of one group of compounds drawn as one violin plot: per cluster set, the compounds' values.</summary>
internal sealed record ViolinSet(string Dataset, string Property, string Label, List<(string, IReadOnlyList<double>)> Groups);

internal sealed record CompoundView(List<CompoundGroupRow> Groups, List<CompoundSummary> Summaries, List<ViolinSet> Violins);

/// <summary>The statistics of one element table against elemental properties and compound data.</summary>
public static class TableStatistics
{
    internal static List<CorrelationRow> Correlations(double[,] raw, PcaResult pca, IReadOnlyList<Element> elements, ElementTable table, IReadOnlyList<string> properties)
    {
        var rows = new List<CorrelationRow>();
        var props = properties.Select(p => (p, ElementProperties.Values(elements, p))).ToList();
        void Add(string feature, double[] values)
        {
            foreach (var (p, v) in props)
                rows.Add(new CorrelationRow(feature, p, Correlation.CompleteCount(values, v), Correlation.Pearson(values, v), Correlation.Spearman(values, v)));
        }
        for (int c = 0; c < pca.Scores.GetLength(1); c++) Add($"PC{c + 1}", Matrices.Column(pca.Scores, c));
        for (int j = 0; j < raw.GetLength(1); j++) Add(table.ColumnNames[j], Matrices.Column(raw, j));
        return rows;
    }

    /// <summary>
    /// Ridge "reverse prediction" of every property from the raw vectors: elements in order of Z that have the property,
    /// element i in fold i mod Folds; properties with the same set of elements share each fold's decomposition.
    /// </summary>
    public static List<ReverseRow> ReversePrediction(string name, double[,] raw, IReadOnlyList<Element> elements, AnalysisOptions options)
    {
        var byMask = new Dictionary<string, List<(string Property, double[] Values)>>();
        foreach (var p in options.Properties)
        {
            var v = ElementProperties.Values(elements, p);
            string mask = new(v.Select(x => double.IsNaN(x) ? '0' : '1').ToArray());
            if (!byMask.TryGetValue(mask, out var list)) byMask[mask] = list = [];
            list.Add((p, v));
        }
        var results = new Dictionary<string, ReverseRow>();
        foreach (var (mask, props) in byMask)
        {
            var rows = Enumerable.Range(0, mask.Length).Where(i => mask[i] == '1').ToArray();
            if (rows.Length < Math.Max(options.MinElements, options.Folds)) continue;
            var x = Matrices.Rows(raw, rows);
            var ys = props.Select(p => rows.Select(i => p.Values[i]).ToArray()).ToArray();
            var cv = RidgeCv.CrossValidate(x, ys, options.Folds);
            for (int t = 0; t < props.Count; t++)
            {
                var alphas = cv[t].ChosenAlphas.Order().ToArray();
                results[props[t].Property] = new ReverseRow(name, props[t].Property, rows.Length, cv[t].R2, cv[t].Mae, alphas[alphas.Length / 2]);
            }
        }
        return options.Properties.Where(results.ContainsKey).Select(p => results[p]).ToList();
    }

    /// <summary>
    /// The compound view: each compound goes to the set of clusters of its elements ("1+3"); per data set and value
    /// column, the statistics of the largest groups and the values to draw as violins.
    /// </summary>
    internal static CompoundView Compounds(IReadOnlyList<Element> elements, int[] clusters, IReadOnlyList<(CompoundDataset Spec, CompositionTable Data)> datasets, AnalysisOptions options)
    {
        var clusterOf = elements.Select((e, i) => (e, clusters[i])).ToDictionary(t => t.e, t => t.Item2);
        var rows = new List<CompoundGroupRow>();
        var summaries = new List<CompoundSummary>();
        var violins = new List<ViolinSet>();
        foreach (var (spec, data) in datasets)
        {
            var groups = new Dictionary<string, List<CompoundRow>>();
            var missing = new SortedSet<Element>();
            int skipped = 0;
            foreach (var row in data.Rows)
            {
                var els = row.Composition.Elements.ToList();
                var lacking = els.Where(e => !clusterOf.ContainsKey(e)).ToList();
                if (lacking.Count > 0) { skipped++; foreach (var e in lacking) missing.Add(e); continue; }
                string key = string.Join("+", els.Select(e => clusterOf[e]).Distinct().Order().Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
                list.Add(row);
            }
            // The largest groups (at most MaxGroups, each with at least MinGroupSize compounds), in order of cluster sets.
            var kept = groups.Where(g => g.Value.Count >= options.MinGroupSize)
                .OrderByDescending(g => g.Value.Count).ThenBy(g => g.Key, StringComparer.Ordinal).Take(options.MaxGroups)
                .OrderBy(g => g.Key.Split('+').Length).ThenBy(g => GroupOrder(g.Key)).ToList();
            int small = data.Rows.Count - skipped - kept.Sum(g => g.Value.Count);
            summaries.Add(new CompoundSummary(spec.Name, data.Rows.Count, kept.Sum(g => g.Value.Count), skipped, small, missing.Select(e => e.Symbol).ToList()));
            for (int c = 0; c < data.ValueColumns.Count; c++)
            {
                string prop = data.ValueColumns[c];
                var drawn = new List<(string, IReadOnlyList<double>)>();
                foreach (var (key, list) in kept)
                {
                    var v = list.Select(r => r.Values[c]).Where(x => !double.IsNaN(x)).ToArray();
                    if (v.Length == 0) continue;
                    var sorted = v.Order().ToArray();
                    double mean = v.Average();
                    double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / Math.Max(1, v.Length - 1));
                    rows.Add(new CompoundGroupRow(spec.Name, key, prop, v.Length, mean, Figures.Quantile(sorted, 0.5), std));
                    drawn.Add(($"{key}", v));
                }
                if (drawn.Count > 0) violins.Add(new ViolinSet(spec.Name, prop, spec.LabelOf(prop), drawn));
            }
        }
        return new CompoundView(rows, summaries, violins);
    }

    /// <summary>Sort key of a cluster set such as "2+10": its cluster numbers, zero-padded.</summary>
    private static string GroupOrder(string key) => string.Join("+", key.Split('+').Select(c => c.PadLeft(4, '0')));
}
