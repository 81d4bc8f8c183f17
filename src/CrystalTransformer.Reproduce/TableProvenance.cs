using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// One data set a pretrained table (or front-end) learned from, as its provenance.json records it. <see cref="Parts"/>
/// are the split parts whose labels the pretraining used (train: gradients; validation: model selection);
/// <see cref="Elements"/> the elements of the crystals it saw in those parts; <see cref="TrainSubset"/> the seeded
/// subset size, if any.
/// </summary>
public sealed record ProvenanceSource(string Dataset, string? Sha256, IReadOnlyList<string> Targets, string? Split,
    IReadOnlyList<string> Parts, int? TrainCount, int? TrainSubset, IReadOnlyList<string> Elements)
{
    public bool UsedPart(string part) => Parts.Contains(part, StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// provenance.json of a ct-UAE folder (the embedding/ folder of a <c>ct pretrain</c> run, a shipped table in
/// data/uae/NAME) or of a shipped front-end model: what the pretraining saw. Format <see cref="Format"/>:
/// <c>{"format": ..., "sources": [{"dataset", "sha256", "targets", "split", "parts", "train_count", "train_subset", "elements"}]}</c>,
/// where dataset is a built-in name (perov5, nomad2018, mp-compositions) or file:NAME.
/// </summary>
public static class UaeProvenance
{
    public const string FileName = "provenance.json", Format = "ct-uae-provenance/1";

    /// <summary>The provenance file in <paramref name="folder"/> (or, for a table file, its folder), else in the folder
    /// above (a run directory holding embedding/); null when there is none. A malformed file is an error.</summary>
    public static JsonObject? Find(string folder)
    {
        string? dir = Directory.Exists(folder) ? folder : Path.GetDirectoryName(folder);
        for (int up = 0; !string.IsNullOrEmpty(dir) && up < 2; up++, dir = Path.GetDirectoryName(dir))
        {
            string path = Path.Combine(dir, FileName);
            if (!File.Exists(path)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(File.ReadAllText(path)); }
            catch (JsonException e) { throw new InputError($"not valid JSON ({e.Message.ReplaceLineEndings(" ")})", path); }
            if (node is not JsonObject o) throw new InputError("expected a JSON object", path);
            Parse(o, path); // checks it
            return o;
        }
        return null;
    }

    /// <summary>The sources of a provenance object (checked: format, and every source with a dataset, parts and elements).</summary>
    public static IReadOnlyList<ProvenanceSource> Parse(JsonNode node, string origin)
    {
        string? format = (string?)node["format"];
        if (format != Format) throw new InputError($"provenance format '{format}' is not '{Format}'", origin);
        if (node["sources"] is not JsonArray sources || sources.Count == 0) throw new InputError("provenance has no sources", origin);
        return sources.Select((s, i) =>
        {
            string Where() => $"source {i + 1}";
            string dataset = Text(s?["dataset"]) ?? throw new InputError($"{Where()} has no dataset", origin);
            return new ProvenanceSource(dataset, Text(s!["sha256"]), Strings(s["targets"]), Text(s["split"]),
                s["parts"] is JsonArray ? Strings(s["parts"]) : throw new InputError($"{Where()} ({dataset}) has no parts", origin),
                Int(s["train_count"]), Int(s["train_subset"]),
                s["elements"] is JsonArray ? Strings(s["elements"]) : throw new InputError($"{Where()} ({dataset}) has no elements", origin));
        }).ToArray();
    }

    private static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static int? Int(JsonNode? n) => n is JsonValue v && v.TryGetValue(out int i) ? i : null;

    private static string[] Strings(JsonNode? n) => n is JsonArray a ? a.Select(x => Text(x) ?? x?.ToJsonString() ?? "").ToArray() : [];
}

/// <summary>Whether a comparison may enter a verdict, and why not.</summary>
public sealed record Eligibility(bool Clean, string Label)
{
    public static readonly Eligibility Published = new(true, "published table (not pretrained here)");
    public static readonly Eligibility CleanPretrained = new(true, "clean");
    public static readonly Eligibility Unknown = new(false, "unknown: no provenance.json (treated as not clean)");
    /// <summary>NOMAD-2018 holds four elements (Al, Ga, In, O): any four independent rows followed by the back-end's
    /// trainable projection can represent them, so its rows cannot rank element tables.</summary>
    public static readonly Eligibility Sanity = new(false, "sanity row (4 elements: cannot rank element tables)");

    public static Eligibility NotClean(string reason) => new(false, "not clean: " + reason);
}

/// <summary>
/// The rule that keeps leaked comparisons out of the verdicts. A pretrained table's comparison in a cell is not clean when
/// one of its sources is the cell's underlying data set (perov5-ood's is perov5) and (a) the cell trains on a subset while
/// the source used that data set's training labels, or (b) the cell is perov5-ood and the source saw a held-out element,
/// or (c) the source used the test part. Tables without provenance are unknown (not clean); published tables are clean.
/// NOMAD-2018 rows are sanity rows whatever the table.
/// </summary>
public static class Cleanliness
{
    /// <summary>The data set whose crystals and labels a grid data set is made of.</summary>
    public static string UnderlyingDataset(string dataset) => dataset == Profiles.Perov5Ood ? Profiles.Perov5 : dataset;

    /// <summary>Data sets whose rows check the machinery but cannot rank tables.</summary>
    public static bool IsSanityDataset(string dataset) => dataset == Profiles.Nomad;

    /// <param name="sources">The table's sources; null = no provenance (unknown).</param>
    /// <param name="pretrained">False for published tables (not pretrained here), which are clean.</param>
    /// <param name="dataset">The cell's data set (grid name).</param>
    /// <param name="subset">The cell trains on a subset of the training part (size ≠ all).</param>
    /// <param name="heldOut">perov5-ood's held-out elements (empty for other data sets).</param>
    /// <param name="underlyingSha256">sha256 of the underlying data file when known: a source with the same file is the same data set whatever its name.</param>
    public static Eligibility Judge(IReadOnlyList<ProvenanceSource>? sources, bool pretrained, string dataset, bool subset,
        IReadOnlyCollection<string> heldOut, string? underlyingSha256 = null)
    {
        if (IsSanityDataset(dataset)) return Eligibility.Sanity;
        if (!pretrained) return Eligibility.Published;
        if (sources is null) return Eligibility.Unknown;
        string underlying = UnderlyingDataset(dataset);
        var reasons = new List<string>();
        foreach (var s in sources)
        {
            bool same = string.Equals(s.Dataset, underlying, StringComparison.OrdinalIgnoreCase)
                        || (underlyingSha256 is not null && string.Equals(s.Sha256, underlyingSha256, StringComparison.OrdinalIgnoreCase));
            if (!same) continue;
            if (subset && s.UsedPart("train"))
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"pretrained on the labels of {underlying}'s training part{(s.TrainCount is int n ? $" ({n:N0} crystals)" : "")}, and the cell trains on a subset of it"));
            if (dataset == Profiles.Perov5Ood)
            {
                var seen = heldOut.Where(e => s.Elements.Contains(e, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToArray();
                if (seen.Length > 0) reasons.Add($"pretraining saw crystals with the held-out element{(seen.Length == 1 ? "" : "s")} {string.Join(", ", seen)}");
            }
            if (s.UsedPart("test")) reasons.Add($"pretraining used the labels of {underlying}'s test part");
        }
        return reasons.Count == 0 ? Eligibility.CleanPretrained : Eligibility.NotClean(string.Join("; ", reasons.Distinct()));
    }
}
