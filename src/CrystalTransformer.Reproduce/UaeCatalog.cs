using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reproduce;

/// <summary>How a ct-UAE is pretrained: the data (several joined by '+': multi-source), the targets (several = multi-task),
/// the front-end recipe and seed.</summary>
public sealed record UaeSpec(string Name, string Data, IReadOnlyList<string> Targets, string Recipe, int Seed)
{
    /// <summary>The data sets, in order.</summary>
    public string[] DataSets => Data.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Same data and the same set of targets: what "its configuration matches" means for a shipped table (the
    /// recipe and budget of a shipped table are whatever its authors chose and are reported with it).</summary>
    public bool SameTask(string data, IEnumerable<string> targets) =>
        string.Equals(Normalize(data), Normalize(Data), StringComparison.OrdinalIgnoreCase)
        && new HashSet<string>(targets, StringComparer.Ordinal).SetEquals(Targets);

    private static string Normalize(string data) => data.Trim().Replace('_', '-');

    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{Data}|{string.Join(",", Targets)}|{Recipe}|{Seed}")))[..10];
}

/// <summary>A ct-UAE ready to use: <see cref="TableSpec"/> is what <see cref="ElementTableIO.Load"/> reads;
/// <see cref="Folder"/> the ct-UAE folder (where its provenance.json is).</summary>
public sealed record ResolvedUae(string Name, string TableSpec, string Origin, string Location, string TableHash, JsonObject Metadata, string Folder);

/// <summary>Runs the front-end pretraining (the code path of <c>ct pretrain</c>) and writes RUN_DIR/embedding.</summary>
public interface IUaePretrainer
{
    void Pretrain(UaeSpec spec, string runDirectory, bool resume, int threads, string device);
}

/// <summary>
/// Step 1 of the reproduction: the ct-UAEs. A shipped table whose pretraining task matches is used as it is; else a
/// table pretrained earlier into the cache folder; else the front-end is pretrained now (full profile only).
/// </summary>
public static class UaeCatalog
{
    public const string Prefix = "ct-uae-";
    public const string Perov5Single = "ct-uae-perov5-st", Perov5Multi = "ct-uae-perov5-mt", Perov5Paper = "ct-uae-perov5-paper",
        Mp = "ct-uae-mp", MultiSource = "ct-uae-multi";
    public static readonly string[] Names = [Perov5Single, Perov5Multi, Perov5Paper, Mp, MultiSource];

    /// <summary>The targets of the multi-source table: MP formation energy and band gap, perov5 heat and gaps, NOMAD formation energy and gap.</summary>
    public static readonly string[] MultiSourceTargets =
        ["formation_energy_per_atom", "band_gap", "heat_ref", "dir_gap", "ind_gap", "formation_energy_ev_natom", "bandgap_energy_ev"];

    /// <summary>A ct-UAE name inside a table specification: a whole name such as ct-uae-mp, also within transforms and
    /// concatenations (std:ct-uae-mp+std:cgcnn92).</summary>
    private static readonly Regex NameInSpec = new(@"(?<![A-Za-z0-9_./\\-])ct-uae-[a-z0-9]+(?:-[a-z0-9]+)*(?![A-Za-z0-9_./\\-])", RegexOptions.CultureInvariant);

    /// <summary>Every ct-UAE name a table specification uses, in order of appearance, each once.</summary>
    public static IReadOnlyList<string> NamesIn(string spec) => NameInSpec.Matches(spec).Select(m => m.Value).Distinct().ToArray();

    /// <summary>The specification with each ct-UAE name replaced (e.g. by the folder it resolved to).</summary>
    public static string Substitute(string spec, Func<string, string> replacement) => NameInSpec.Replace(spec, m => replacement(m.Value));

    /// <summary>True when the specification uses a ct-UAE (alone, transformed, or concatenated with other tables).</summary>
    public static bool IsUae(string embedding) => NamesIn(embedding).Count > 0;

    public static UaeSpec Spec(string name) => name switch
    {
        Perov5Single => new(name, "perov5", ["heat_ref"], "fast", 42),
        Perov5Multi => new(name, "perov5", ["heat_ref", "dir_gap", "ind_gap"], "fast", 42),
        Perov5Paper => new(name, "perov5", ["heat_ref"], "paper-adamw", 42),
        Mp => new(name, "mp-compositions", ["formation_energy_per_atom", "band_gap"], "fast", 42),
        MultiSource => new(name, "mp-compositions+perov5+nomad2018", MultiSourceTargets, "fast", 42),
        _ => throw new InputError($"unknown ct-UAE '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>
    /// Resolves <paramref name="name"/>. <paramref name="mayPretrain"/> false (quick profile) accepts only a shipped table;
    /// <paramref name="ignoreShipped"/> makes the full profile pretrain its own tables even where shipped ones match.
    /// </summary>
    public static ResolvedUae Resolve(string name, string cacheDirectory, bool mayPretrain, IUaePretrainer? pretrainer,
        int threads, string device, Action<string> notice, bool ignoreShipped = false)
    {
        var spec = Spec(name);
        var shipped = ignoreShipped ? null : FindShipped(name);
        if (shipped is not null && (!mayPretrain || shipped.Value.Matches(spec)))
        {
            var table = ElementTableIO.Load(name);
            return new ResolvedUae(name, name, "shipped", table.Source, table.ContentHash(), shipped.Value.Metadata, table.Source);
        }
        string runDir = Path.Combine(cacheDirectory, $"{name}-{spec.Hash}");
        string folder = Path.Combine(runDir, ElementTableIO.UaeFiles.RunSubfolder);
        bool finished = File.Exists(Path.Combine(runDir, Trainer.MetricsFile)) && File.Exists(Path.Combine(folder, ElementTableIO.UaeFiles.Csv));
        string origin = "cached";
        if (!finished)
        {
            if (!mayPretrain)
                throw new InputError(shipped is null
                    ? $"{name} is not shipped with this build and the quick profile does not pretrain; run --full (which pretrains it) or drop it with --only embedding!={name}"
                    : $"{name} is not available");
            if (pretrainer is null) throw new InputError($"{name} must be pretrained but no pretraining is available");
            bool resume = File.Exists(Path.Combine(runDir, Trainer.LastFile));
            notice($"pretraining {name} ({spec.Data}: {string.Join(", ", spec.Targets)}; recipe {spec.Recipe}) in {runDir}{(resume ? " (resuming)" : "")}");
            pretrainer.Pretrain(spec, runDir, resume, threads, device);
            origin = "pretrained";
        }
        var loaded = ElementTableIO.Load(folder);
        return new ResolvedUae(name, folder, origin, runDir, loaded.ContentHash(), RunMetadata(runDir), folder);
    }

    private readonly record struct Shipped(JsonObject Metadata, string? Data, string[]? Targets)
    {
        public bool Matches(UaeSpec spec) => Data is not null && Targets is not null && spec.SameTask(Data, Targets);
    }

    /// <summary>A table resolvable by name, with the pretraining task read from the run metadata shipped next to it.</summary>
    private static Shipped? FindShipped(string name)
    {
        ElementTable table;
        try { table = ElementTableIO.Load(name); }
        catch (InputError) { return null; }
        catch (IOException) { return null; }
        var metadata = ShippedMetadata(table.Source);
        var pretrain = metadata["pretrain"] ?? metadata;
        // One data set was stored as a string, several (multi-source) as an array.
        string? data = pretrain["data"] switch
        {
            JsonArray list => string.Join("+", list.Select(d => (string?)d)),
            JsonValue value => (string?)value,
            _ => null,
        };
        var targets = pretrain["targets"] is JsonArray a ? a.Select(t => (string)t!).ToArray() : null;
        return new Shipped(metadata, data, targets);
    }

    /// <summary>The config.json of the run that produced a shipped table, in the table's folder (or the one above it).</summary>
    private static JsonObject ShippedMetadata(string tableSource)
    {
        string? dir = Directory.Exists(tableSource) ? tableSource : Path.GetDirectoryName(tableSource);
        for (int up = 0; dir is not null && up < 2; up++, dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, Trainer.ConfigFile))) return RunMetadata(dir);
        return new JsonObject { ["run_directory"] = tableSource };
    }

    /// <summary>The parts of a pretraining run directory the report shows: its config and test metrics.</summary>
    public static JsonObject RunMetadata(string runDir)
    {
        var result = new JsonObject { ["run_directory"] = runDir };
        string config = Path.Combine(runDir, Trainer.ConfigFile), metrics = Path.Combine(runDir, Trainer.MetricsFile);
        if (File.Exists(config) && JsonNode.Parse(File.ReadAllText(config)) is JsonObject c)
        {
            result["pretrain"] = c["pretrain"]?.DeepClone();
            result["data"] = c["data"]?.DeepClone();
            result["seed"] = c["seed"]?.DeepClone();
        }
        if (File.Exists(metrics) && JsonNode.Parse(File.ReadAllText(metrics)) is JsonObject m)
        {
            result["test"] = m["test"]?.DeepClone();
            result["epochs_run"] = m["epochs_run"]?.DeepClone();
            result["seconds"] = m["seconds"]?.DeepClone();
        }
        return result;
    }
}
