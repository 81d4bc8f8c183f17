using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>What a table (or front-end model) was pretrained on, as far as the store's notes tell.</summary>
public sealed record TableOrigin(string Embedding, bool Pretrained, bool IsModel, IReadOnlyList<string> Components, IReadOnlyList<ProvenanceSource>? Sources)
{
    public bool Known => !Pretrained || Sources is not null;
}

/// <summary>
/// The provenance the store holds (notes uae:NAME and model:NAME, written when the tables were resolved) and the
/// data notes (perov5-ood's held-out elements, the data files' sha256), turned into a clean / not-clean label per group.
/// </summary>
public sealed class TableEligibility
{
    private readonly IReadOnlyDictionary<string, string> _notes;
    private readonly string[] _heldOut;

    public TableEligibility(IReadOnlyDictionary<string, string> notes)
    {
        _notes = notes;
        _heldOut = Note($"data:{Profiles.Perov5Ood}")?["held_out"] is JsonArray a ? a.Select(x => (string)x!).ToArray() : [];
    }

    public IReadOnlyList<string> HeldOut => _heldOut;

    /// <summary>What the table of a group saw: published tables were not pretrained here; a specification with ct-UAE
    /// names has the union of their sources (unknown when one of them has none); encoder cells the model's.</summary>
    public TableOrigin Origin(string embedding, bool encoder)
    {
        if (encoder) return new TableOrigin(embedding, true, true, [embedding], Sources(Note($"model:{embedding}")?["provenance"]));
        var names = UaeCatalog.NamesIn(embedding);
        if (names.Count == 0) return new TableOrigin(embedding, false, false, [], null);
        var all = new List<ProvenanceSource>();
        foreach (var name in names)
        {
            var sources = Sources(Note($"uae:{name}")?["provenance"]);
            if (sources is null) return new TableOrigin(embedding, true, false, names, null);
            all.AddRange(sources);
        }
        return new TableOrigin(embedding, true, false, names, all);
    }

    public TableOrigin Origin(Group g) => Origin(g.Embedding, g.Setting.Mode == GridCell.Encoder);

    /// <summary>Clean / not clean (with the reason) / unknown / sanity row for a group in its setting.</summary>
    public Eligibility Of(Group g)
    {
        var origin = Origin(g);
        var s = g.Setting;
        return Cleanliness.Judge(origin.Sources, origin.Pretrained, s.Dataset, subset: !s.WholeSplit,
            s.Dataset == Profiles.Perov5Ood ? _heldOut : [], UnderlyingSha256(s.Dataset));
    }

    /// <summary>sha256 of the file behind a data set's crystals (perov5-ood's is perov5's).</summary>
    private string? UnderlyingSha256(string dataset) => dataset == Profiles.Perov5Ood
        ? (string?)Note($"data:{Profiles.Perov5Ood}")?["source_sha256"] ?? (string?)Note($"data:{Profiles.Perov5}")?["sha256"]
        : (string?)Note($"data:{dataset}")?["sha256"];

    private JsonNode? Note(string key)
    {
        if (!_notes.TryGetValue(key, out var text)) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return null; }
    }

    private static IReadOnlyList<ProvenanceSource>? Sources(JsonNode? provenance)
    {
        if (provenance is null) return null;
        try { return UaeProvenance.Parse(provenance, "stored provenance"); }
        catch (Structures.InputError) { return null; }
    }
}

/// <summary>
/// A transfer candidate (ct-UAE or whole-encoder transfer) against its reference, with its eligibility and, when it is
/// in the Holm family, its adjusted p-value. <see cref="Baseline"/> / <see cref="VsBaseline"/>: the best baseline of the
/// setting, described but not tested (it is chosen after seeing the test results).
/// </summary>
public sealed record Comparison(Group Candidate, Group Reference, Eligibility Eligibility, PairedResult Stats, Group? Baseline, PairedResult? VsBaseline)
{
    public double HolmP { get; init; } = double.NaN;

    /// <summary>Clean and testable comparisons form the family Holm's correction runs over.</summary>
    public bool InFamily => Eligibility.Clean && Stats.Testable;

    public string Verdict =>
        !Eligibility.Clean ? (Eligibility == Eligibility.Sanity ? "sanity row" : "not clean: no verdict")
        : Stats.Untestable is { } why ? why
        : HolmP < PairedStatistics.Alpha ? (Stats.MeanDifference < 0 ? "helps" : "hurts")
        : "no significant difference";
}

/// <summary>Every candidate against its reference, the Holm family and the adjusted p-values.</summary>
public sealed class ComparisonSet
{
    public IReadOnlyList<Comparison> All { get; }
    public IReadOnlyList<Comparison> Family => All.Where(c => c.InFamily).ToArray();

    private ComparisonSet(IReadOnlyList<Comparison> all) => All = all;

    /// <summary>
    /// Candidates are ct-UAE groups (alone, transformed or concatenated; frozen, fine-tuned at the paper's rate, or
    /// picked on validation among the fine-tuning variants) and whole-encoder transfer groups; a single fine-tuning
    /// variant is not a candidate (choosing among them on test results would be picking on test).
    /// </summary>
    public static ComparisonSet Build(ResultTables t, TableEligibility eligibility)
    {
        var list = new List<Comparison>();
        foreach (var g in t.Groups.Where(g => g.IsTransfer && !g.IsSingleVariant))
        {
            var reference = t.Reference(g.Setting);
            if (reference is null) continue;
            var best = t.BestBaseline(g.Setting, b => eligibility.Of(b).Clean);
            list.Add(new Comparison(g, reference, eligibility.Of(g), t.Compare(g, reference), best, best is null ? null : t.Compare(g, best)));
        }
        var family = list.Where(c => c.InFamily).ToArray();
        var adjusted = PairedStatistics.Holm(family.Select(c => c.Stats.PValue).ToArray());
        var holm = family.Select((c, i) => (c, adjusted[i])).ToDictionary(x => x.c, x => x.Item2, ReferenceEqualityComparer.Instance);
        return new ComparisonSet(list.Select(c => holm.TryGetValue(c, out double p) ? c with { HolmP = p } : c).ToArray());
    }
}
