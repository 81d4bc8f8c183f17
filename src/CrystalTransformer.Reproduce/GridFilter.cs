using System.Text.RegularExpressions;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// The <c>--only</c> filter. Syntax: terms separated by spaces or ';', all of which must hold (the option may be repeated,
/// which also ANDs). A term is <c>FIELD=V1,V2,...</c> (the field equals one of the values) or <c>FIELD!=V1,...</c> (equals none);
/// a value may contain <c>*</c> as a wildcard; a bare value without <c>=</c> matches any field. Fields: model, embedding
/// (alias table), mode, dataset (alias data), target, size (a number or "all"), seed. Matching ignores case.
/// Examples: <c>model=cgcnn</c>, <c>"embedding=cgcnn92,ct-uae-* dataset=nomad2018 size!=all"</c>, <c>seed=0</c>.
/// </summary>
public sealed class GridFilter
{
    private sealed record Term(string? Field, bool Negated, Regex[] Values, string Text);

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["table"] = "embedding", ["data"] = "dataset", ["train_size"] = "size", ["backend"] = "model",
    };

    private readonly List<Term> _terms = [];

    public static readonly GridFilter All = new();

    public bool IsEmpty => _terms.Count == 0;

    public static GridFilter Parse(IEnumerable<string> expressions)
    {
        var filter = new GridFilter();
        foreach (var expression in expressions)
            foreach (var raw in expression.Split([' ', ';', '\t'], StringSplitOptions.RemoveEmptyEntries))
                filter._terms.Add(ParseTerm(raw));
        return filter;
    }

    private static Term ParseTerm(string text)
    {
        int eq = text.IndexOf('=');
        if (eq < 0) return new Term(null, false, Values(text, text), text);
        bool negated = eq > 0 && text[eq - 1] == '!';
        string field = text[..(negated ? eq - 1 : eq)].Trim().ToLowerInvariant();
        if (Aliases.TryGetValue(field, out var canonical)) field = canonical;
        if (!GridCell.FieldNames.Contains(field))
            throw new UsageError($"--only: unknown field '{field}' in '{text}' (fields: {string.Join(", ", GridCell.FieldNames)})");
        return new Term(field, negated, Values(text[(eq + 1)..], text), text);
    }

    private static Regex[] Values(string list, string term)
    {
        var values = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (values.Length == 0) throw new UsageError($"--only: no value in '{term}'");
        return values.Select(v => new Regex("^" + Regex.Escape(v).Replace("\\*", ".*") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)).ToArray();
    }

    public bool Matches(GridCell cell) => _terms.All(t =>
    {
        bool hit = t.Field is null
            ? GridCell.FieldNames.Any(f => t.Values.Any(v => v.IsMatch(cell.Field(f))))
            : t.Values.Any(v => v.IsMatch(cell.Field(t.Field)));
        return hit != t.Negated;
    });

    public IReadOnlyList<GridCell> Apply(IReadOnlyList<GridCell> cells) => cells.Where(Matches).ToArray();

    public override string ToString() => string.Join(" ", _terms.Select(t => t.Text));
}

/// <summary>A deterministic 1/N slice of the grid for array jobs: <c>--shard K/N</c>, K = 1..N.</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(1, 1);

    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int k) || !int.TryParse(parts[1], out int n) || n < 1 || k < 1 || k > n)
            throw new UsageError($"--shard must be K/N with 1 ≤ K ≤ N (e.g. 3/8), not '{text}'");
        return new Shard(k, n);
    }

    /// <summary>
    /// Cells at positions K−1, K−1+N, K−1+2N, … of the grid order: the shards are disjoint, together cover the grid, and
    /// depend only on the grid (and --only), not on what has finished, so every array task agrees on its slice.
    /// </summary>
    public IReadOnlyList<GridCell> Select(IReadOnlyList<GridCell> cells)
    {
        var (k, n) = (Index, Count);
        return cells.Where((_, i) => i % n == k - 1).ToArray();
    }

    public override string ToString() => $"{Index}/{Count}";
}
