using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>
/// Turns a finished run directory (of <c>ct train</c> or <c>ct pretrain</c>) into a shipped model folder
/// (models/NAME): model.ct (the run's best.ct), metrics.json, config.json, log.csv, environment.json, provenance.json
/// (a pretraining run's, so encoder transfer from the model can be judged clean), CITATION.md and README.md. The
/// README is written by <see cref="Readme"/> from the run's own files: every number in it comes from metrics.json,
/// config.json or the model file, none is typed by hand.
/// </summary>
public static class ModelShipping
{
    private static readonly string[] CopiedFiles = [Trainer.MetricsFile, Trainer.ConfigFile, Trainer.LogFile, Trainer.EnvironmentFile];

    /// <summary>Writes the folder (created, or files replaced) and returns the README text.</summary>
    public static string Ship(string runDirectory, string folder, string name)
    {
        string best = Path.Combine(runDirectory, Trainer.BestFile);
        if (!File.Exists(best)) throw new InputError($"no {Trainer.BestFile}: not a finished run directory", runDirectory);
        foreach (var f in CopiedFiles)
            if (!File.Exists(Path.Combine(runDirectory, f))) throw new InputError($"no {f}: not a finished run directory", runDirectory);
        var info = ModelFile.ReadInfo(best);
        var metrics = ReadJson(Path.Combine(runDirectory, Trainer.MetricsFile));
        var config = ReadJson(Path.Combine(runDirectory, Trainer.ConfigFile));
        Directory.CreateDirectory(folder);
        File.Copy(best, Path.Combine(folder, ShippedModels.ModelFileName), overwrite: true);
        foreach (var f in CopiedFiles) File.Copy(Path.Combine(runDirectory, f), Path.Combine(folder, f), overwrite: true);
        // The folder names its own model file, not the run's (whose path belongs to the machine that trained it).
        metrics["model_path"] = ShippedModels.ModelFileName;
        AtomicFile.WriteAllText(Path.Combine(folder, Trainer.MetricsFile), metrics.ToJsonString(BackendTraining.Json));
        string provenance = Path.Combine(runDirectory, "embedding", Pretraining.ProvenanceFile);
        if (File.Exists(provenance)) File.Copy(provenance, Path.Combine(folder, Pretraining.ProvenanceFile), overwrite: true);
        var citations = Citations.For(info.Kind, info.Config, info.DataSource);
        AtomicFile.WriteAllText(Path.Combine(folder, Citations.FileName), Citations.Markdown(citations));
        string readme = Readme(name, info, metrics, config);
        AtomicFile.WriteAllText(Path.Combine(folder, ShippedModels.DescriptionFileName), readme);
        return readme;
    }

    private static JsonObject ReadJson(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InputError("not a JSON object", path); }
        catch (System.Text.Json.JsonException ex) { throw new InputError($"not valid JSON ({ex.Message.ReplaceLineEndings(" ")})", path); }
    }

    /// <summary>Units of the built-in data sets' targets (as data/README.md gives them).</summary>
    public static string Unit(string target) => target switch
    {
        "formation_energy_per_atom" or "formation_energy_ev_natom" => "eV/atom",
        "band_gap" or "bandgap_energy_ev" or "dir_gap" or "ind_gap" => "eV",
        "heat_ref" or "heat_all" => "eV per 5-atom cell, assumed",
        _ => "the data's units",
    };

    private static string Short(string target) => target switch
    {
        "formation_energy_per_atom" => "formation energy per atom",
        "band_gap" => "band gap",
        "heat_ref" => "heat of formation",
        _ => target,
    };

    /// <summary>What the training data stand for: the domain in which predictions can be trusted.</summary>
    private static string Domain(string dataSource, ModelInfo info)
    {
        string s = dataSource.Replace('\\', '/');
        if (s.Contains("/mp_compositions/", StringComparison.Ordinal))
            return "Materials-Project-like inorganic compounds: ordered crystals computed at 0 K with DFT (PBE, PBE+U for oxides and " +
                   "fluorides of the usual transition metals), as in the Materials Project (about 2019, via roost). " +
                   (info.ReadsCompositionOnly
                       ? "The model reads the composition only: every polymorph of a formula gets the same prediction (the data hold one entry per " +
                         "composition). "
                       : "") +
                   "Formation energies are the Materials Project's (with its corrections); band gaps are PBE(+U) Kohn–Sham gaps, which " +
                   "underestimate measured gaps, and many compounds of the data are metals with a gap of 0. Molecules, amorphous or " +
                   "strongly correlated materials, finite temperature and pressure lie outside.";
        if (s.Contains("/perov5/", StringComparison.Ordinal))
            return "Cubic ABX₃ perovskites with 5-atom cells, as in the CMR cubic perovskite database (Castelli et al.; the perov5 subset " +
                   "of CDVAE); other structures are outside the training data.";
        if (s.Contains("/nomad2018/", StringComparison.Ordinal))
            return "(Al,Ga,In)₂O₃ sesquioxides of the NOMAD 2018 Kaggle competition (Sutton et al.); other chemistries are outside.";
        return $"The compounds of its training data ({dataSource}); state their origin and level of theory here.";
    }

    /// <summary>README.md of a shipped model, from the model file's description and the run's metrics.json and config.json.</summary>
    public static string Readme(string name, ModelInfo info, JsonObject metrics, JsonObject config)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string targets = string.Join(" and ", info.Targets.Select(t => $"{Short(t)} (`{t}`, {Unit(t)})"));
        string what = info.ReadsCompositionOnly
            ? $"A composition-mode CrystalTransformer front-end predicting {targets} from a formula alone."
            : $"A {info.Kind} model predicting {targets} from crystal structures.";
        sb.Append($"# {name}\n\n{what}\n\n```bash\n");
        if (info.ReadsCompositionOnly)
            sb.Append($"ct predict --model {name} --formula Fe2O3 --formula LiFePO4\n")
              .Append($"ct predict --model {name} compounds.csv --out predictions.csv   # a CSV with a formula (or composition) column\n");
        else sb.Append($"ct predict --model {name} my_structures/ --out predictions.csv\n");
        sb.Append("```\n\n");

        sb.Append($"- **Domain**: {Domain(info.DataSource, info)}\n");
        var elements = info.TrainedElements.Select(z => PeriodicTable.Get(z).Symbol).ToArray();
        if (info.ReadsCompositionOnly)
            sb.Append($"- **Elements**: the {elements.Length} elements of its training split ({string.Join(" ", elements)}). A formula with any other " +
                      "element gets an error row, not a guess.\n");
        var data = config["data"] as JsonObject;
        if (data is not null)
            sb.Append(string.Create(inv, $"- **Data**: `{info.DataSource}` (sha256 `{Text(data["sha256"])[..Math.Min(16, Text(data["sha256"]).Length)]}…`), split: {Text(data["split"])}; " +
                                         $"{Int(data["train"]):N0} training, {Int(data["validation"]):N0} validation (best epoch chosen on it), {Int(data["test"]):N0} test entries.\n"));
        if (config["model"] is JsonObject model)
        {
            var m = model["config"] as JsonObject;
            string arch = info.Kind;
            if (info.Kind == "transformer" && m is not null)
            {
                arch = $"{Int(m["layers"])} encoder layer(s), {Int(m["heads"])} heads, feed-forward {Int(m["feed_forward"])}, element width {Int(m["element_width"])} " +
                       $"+ input width {Int(m["input_width"])}, {(Text(m["pre_norm"]) == "true" ? "pre" : "post")}-LayerNorm, readout {Text(m["readout"])}";
                if (info.ReadsCompositionOnly) arch += $", fraction encoding {Text(m["fraction_encoding"])}";
            }
            sb.Append(string.Create(inv, $"- **Model**: {arch}; {Int(model["parameters"]):N0} parameters.\n"));
        }
        if (config["training"] is JsonObject tr)
            sb.Append(string.Create(inv, $"- **Training**: {Text(tr["optimizer"])}, learning rate {Text(tr["learning_rate"])}, schedule {Text(tr["schedule"])}, batch {Int(tr["batch_size"])}, " +
                                         $"loss {Text(tr["loss"])}, seed {Int(tr["seed"])}, {Int(config["threads"])} thread(s); {Int(metrics["epochs_run"])} epochs run, best validation epoch {Int(metrics["best_epoch"])}, " +
                                         $"{Num(metrics["seconds"]):0} s of training.\n"));
        sb.Append("- **Metrics** (`metrics.json`, over whole splits):\n\n  | target | unit | validation MAE | validation R² | test MAE | test RMSE | test R² | test entries |\n  |---|---|---|---|---|---|---|---|\n");
        foreach (var t in info.Targets)
        {
            var v = metrics["validation"]?[t];
            var te = metrics["test"]?[t];
            sb.Append(string.Create(inv, $"  | `{t}` | {Unit(t)} | {Num(v?["mae"]):0.0000} | {Num(v?["r2"]):0.000} | {Num(te?["mae"]):0.0000} | {Num(te?["rmse"]):0.0000} | {Num(te?["r2"]):0.000} | {Int(te?["count"]):N0} |\n"));
        }
        sb.Append('\n');
        sb.Append("- **Cite**: " + string.Join("; ", Citations.For(info.Kind, info.Config, info.DataSource).Select(c => $"{c.Role}: {c.Reference}")) + " (also in `CITATION.md`).\n");
        sb.Append("- Files: `model.ct` (weights, architecture, targets and their scaling, trained elements), `metrics.json`, `log.csv` (per epoch), " +
                  "`curve.png` (validation MAE and training loss per epoch), `config.json` and `environment.json` of the run (data named by built-in name or relative path with its sha256)" +
                  (info.ReadsCompositionOnly || info.Kind == "transformer" ? ", `provenance.json` (what the pretraining saw, when it was a `ct pretrain` run)" : "") +
                  ", `CITATION.md`. Written by `ct models ship` from the run directory.\n");
        return sb.ToString();
    }

    private static string Text(JsonNode? n) => n switch
    {
        null => "?",
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out double d) => d.ToString("G6", CultureInfo.InvariantCulture),
        _ => n.ToJsonString(),
    };

    private static double Num(JsonNode? n) =>
        n is JsonValue v && (v.TryGetValue(out double d) || (v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d))) ? d : double.NaN;

    private static long Int(JsonNode? n) => double.IsNaN(Num(n)) ? 0 : (long)Num(n);
}
