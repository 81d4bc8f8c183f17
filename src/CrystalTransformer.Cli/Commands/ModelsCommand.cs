using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using Spectre.Console;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct models</c>: the models shipped with the program, with their data, targets and test metrics.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var plain = new Option<bool>("--plain") { Description = "tab-separated output (for scripts)" };
        var quiet = CommonOptions.Quiet("the table of shipped models only: no model kinds, descriptions or citations");
        var command = new Command("models", "List the shipped models (usable by name in ct predict --model NAME) with their data, targets, element table and test metrics, the model kinds ct train can train, and how to cite them " +
            "(on standard error when the output is plain).")
        {
            plain, quiet,
        };
        command.Subcommands.Add(CreateShip());
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            var models = ShippedModels.List();
            bool isQuiet = p.GetValue(quiet);
            if (models.Count == 0)
            {
                Console.WriteLine($"no shipped models in {ShippedModels.Root}");
                if (isQuiet) return 0;
                WriteKinds(Console.Out);
                WriteCitations(Console.Out, models);
                return 0;
            }
            var rows = models.Select(Describe).ToArray();
            string[] header = ["name", "model", "element table", "data", "targets", "test MAE", "test R²", "epochs"];
            if (p.GetValue(plain) || Console.IsOutputRedirected)
            {
                Console.WriteLine(string.Join('\t', header));
                foreach (var r in rows) Console.WriteLine(string.Join('\t', r));
                // Standard output stays a table for scripts; the citation goes to the reader.
                if (!isQuiet) WriteCitations(Console.Error, models);
            }
            else
            {
                var table = new Table().Border(TableBorder.Simple);
                foreach (var h in header) table.AddColumn(Markup.Escape(h));
                foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
                AnsiConsole.Write(table);
                if (isQuiet) return 0;
                foreach (var m in models.Where(m => m.Description is not null)) Console.WriteLine($"{m.Name}: {m.Description}");
                Console.WriteLine();
                WriteKinds(Console.Out);
                WriteCitations(Console.Out, models);
            }
            return 0;
        }));
        return command;
    }

    /// <summary><c>ct models ship RUN_DIR --name NAME</c>: a finished run becomes a shipped model folder with its README.</summary>
    private static Command CreateShip()
    {
        var run = new Argument<string>("RUN_DIR") { Description = "a finished ct train or ct pretrain run directory" };
        var name = new Option<string>("--name") { Description = "the model's name (ct predict --model NAME)", Required = true };
        var output = new Option<string?>("--out") { Description = "the folder to write (default: models/NAME under the current folder, i.e. the repository's models/ when run from a clone)" };
        var quiet = CommonOptions.Quiet("no summary line");
        var command = new Command("ship", "Make a shipped model folder from a finished run: model.ct (its best.ct), metrics.json, config.json, log.csv, curve.png, environment.json, " +
            "provenance.json (of a pretraining run), CITATION.md, and README.md written from the run's own metrics and settings.")
        {
            run, name, output, quiet,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string n = p.GetValue(name)!;
            if (n.Length == 0 || n.IndexOfAny(['/', '\\']) >= 0 || n is "." or "..") throw new InputError($"'{n}' is not a model name (no slashes)");
            string folder = p.GetValue(output) ?? Path.Combine("models", n);
            ModelShipping.Ship(p.GetValue(run)!, folder, n);
            TrainingCurveFile.Write(folder); // curve.png and curve.svg from the copied log.csv
            if (!p.GetValue(quiet)) Console.WriteLine($"{n}: written to {folder} (README.md from the run's metrics.json and config.json)");
            return 0;
        }));
        return command;
    }

    /// <summary>The model kinds ct train can train (and ct predict can load), with their default element tables.</summary>
    public static void WriteKinds(TextWriter w)
    {
        w.WriteLine("Model kinds (ct train --model):");
        foreach (var k in ModelKinds.All)
            w.WriteLine($"  {k.Name}: {k.Summary}; element table {(k.LearnsOwnTable ? "learned from one-hot vectors" : $"{k.DefaultTable} by default")}");
        w.WriteLine();
    }

    /// <summary>How to cite: the method once, then per model its back-end, element table and data.</summary>
    public static void WriteCitations(TextWriter w, IReadOnlyList<ShippedModel> models)
    {
        w.WriteLine($"How to cite: {Citations.Method.Reference}.");
        foreach (var m in models)
        {
            var others = Citations.For(m.Info.Kind, m.Info.Config, m.Info.DataSource).Where(c => c != Citations.Method).ToArray();
            if (others.Length > 0) w.WriteLine($"  {m.Name} also: {string.Join("; ", others.Select(c => $"{c.Role}: {c.Reference}"))}.");
        }
    }

    private static string[] Describe(ShippedModel m)
    {
        var info = m.Info;
        string table = info.Config["element_table"] is JsonObject t
            ? $"{t["name"]?.GetValue<string>()} ({t["training"]?.GetValue<string>()?.Replace("_", "")})"
            : "one-hot (learned)";
        string data = Path.GetFileName(info.DataSource.TrimEnd('/', '\\'));
        string metric(string field) => string.Join("; ", info.Targets.Select(target =>
            m.Metrics?["test"]?[target]?[field] is JsonValue v ? Number(v).ToString(field == "r2" ? "0.000" : "0.0000", CultureInfo.InvariantCulture) : "?"));
        string epochs = m.Metrics?["best_epoch"] is JsonNode best ? $"{best.GetValue<int>()}/{m.Metrics?["epochs_run"]?.GetValue<int>()}" : info.Epoch.ToString(CultureInfo.InvariantCulture);
        return [m.Name, info.Kind, table, data, string.Join(", ", info.Targets), metric("mae"), metric("r2"), epochs];
    }

    // metrics.json spells undefined or diverged numbers as the strings "NaN", "Infinity", "-Infinity".
    private static double Number(JsonValue v) =>
        v.TryGetValue(out double d) ? d
        : v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) ? p : double.NaN;
}
