using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct predict</c>: predictions of a trained or shipped model for crystal files, or for formulas with a composition model.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a ct train run directory, a model file (.ct), or the name of a shipped model (see ct models)", Required = true };
        model.CompletionSources.Add(_ => ShippedModels.Names());
        var inputs = new Argument<string[]>("FILE_OR_FOLDER")
        {
            Description = "CIF, POSCAR/CONTCAR (.vasp), extxyz, CSV with a cif column, pymatgen JSON or ASE .db files (.gz allowed); folders are searched recursively for CIF, POSCAR and extxyz files. " +
                          "With a composition model also CSV files with a formula column",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var formula = new Option<string[]>("--formula")
        {
            Description = "a formula to predict with a composition model (e.g. Fe2O3, LiFePO4, Li0.5CoO2); repeat for more. Its id is the formula as written",
            Arity = ArgumentArity.OneOrMore,
        };
        var formulaColumn = new Option<string?>("--formula-column")
        {
            Description = "the formula column of CSV inputs (default: the first of formula, composition, reduced_formula, pretty_formula)",
        };
        var output = new Option<string?>("--out") { Description = "CSV file to write (default: standard output)" };
        var threads = CommonOptions.Threads("files are read and turned into graphs on all of them, then the network runs on --torch-threads of them (the two steps take turns)");
        var torchThreads = new Option<int>("--torch-threads") { Description = "of the --threads, those the network runs on (default 1: batches of small graphs gain little from more, and a busy machine makes them wait on each other)", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch-size") { Description = "crystals per network batch", DefaultValueFactory = _ => 256 };
        var device = CommonOptions.Device();
        var quiet = CommonOptions.Quiet("no summary on standard error (the predictions are still written)");
        var structureMemory = new Option<double>("--structure-memory")
        {
            Description = "GB that one structure's graph and network may need by the model's estimate; larger structures get an error row (0 = no limit)",
            DefaultValueFactory = _ => GraphFeaturization.DefaultMaxStructureGb,
        };
        var command = new Command("predict", "Predict the model's targets for crystal files, or for formulas with a composition model. Writes CSV: id (file name without " +
            "extension, the id inside a multi-structure file, or the formula / the CSV's id column), one column per target (in the targets' units), error (empty " +
            "unless the structure or formula could not be read or used). Unreadable files and bad formulas do not stop the rest.")
        {
            model, inputs, formula, formulaColumn, output, threads, torchThreads, batch, device, quiet, structureMemory,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            var clock = Stopwatch.StartNew();
            int n = CommonOptions.ThreadCount(p.GetValue(threads));
            if (p.GetValue(torchThreads) < 1) throw new UsageError("--torch-threads must be at least 1");
            set_num_threads(Math.Min(p.GetValue(torchThreads), n));
            if (p.GetValue(batch) < 1) throw new UsageError("--batch-size must be at least 1");
            var formulas = p.GetValue(formula) ?? [];
            string? column = p.GetValue(formulaColumn);
            var paths = p.GetValue(inputs) ?? [];
            if (paths.Length == 0 && formulas.Length == 0)
                throw new UsageError("nothing to predict: give structure files or folders, or --formula with a composition model");
            var dev = DeviceChoice.Resolve(CommonOptions.CheckDevice(p.GetValue(device)!), notice: null); // auto falls back to the CPU silently
            double memory = p.GetValue(structureMemory);
            if (!(memory >= 0 && double.IsFinite(memory))) throw new UsageError($"--structure-memory must be a number of GB ≥ 0, got {memory}");
            var (trained, info) = Prediction.LoadModel(p.GetValue(model)!, dev);
            using (trained)
            {
                if (trained is GraphModel graphModel)
                    graphModel.Featurization = graphModel.Featurization with { MaxStructureBytes = memory * (1L << 30) };
                // A composition model reads formulas (given directly or from CSV files with a formula column) and the
                // compositions of structure files; any other model reads structure files only.
                var formulaFiles = new List<string>();
                var structurePaths = new List<string>();
                foreach (var path in paths)
                {
                    bool csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase);
                    if (trained.ReadsCompositionOnly && File.Exists(path) && csv && (column is not null || Prediction.HasFormulaColumn(path))) formulaFiles.Add(path);
                    else structurePaths.Add(path);
                }
                if (!trained.ReadsCompositionOnly && (formulas.Length > 0 || column is not null))
                    throw new InputError($"the model {p.GetValue(model)} ({info.Kind}) needs crystal structures; --formula and --formula-column need a composition model " +
                                         $"(shipped: {string.Join(", ", ShippedModels.List().Where(m => m.Info.ReadsCompositionOnly).Select(m => m.Name).DefaultIfEmpty("none"))})");
                var files = structurePaths.Count == 0 ? [] : Prediction.ExpandInputs(structurePaths);
                if (structurePaths.Count > 0 && files.Count == 0 && formulas.Length == 0 && formulaFiles.Count == 0)
                    throw new InputError("no structure files found (looked for .cif, .vasp, POSCAR*, CONTCAR*, .extxyz, .xyz, and .gz of these)");

                string? outPath = p.GetValue(output);
                if (outPath is not null)
                {
                    AtomicFile.CleanStale(outPath);
                    CommandRunner.DetailsDirectory = Path.GetDirectoryName(Path.GetFullPath(outPath));
                }
                int rows = 0, failed = 0;
                void write(TextWriter w)
                {
                    var csv = new Prediction.CsvWriter(w, info.Targets);
                    void emit(PredictionRow row)
                    {
                        csv.Write(row);
                        rows++;
                        if (row.Error.Length > 0) failed++;
                    }
                    var given = formulas.Select(f => new FormulaInput(f.Trim(), null, null, f));
                    var fromFiles = formulaFiles.SelectMany(f => Prediction.FormulasFromCsv(f, column));
                    if (formulas.Length > 0 || formulaFiles.Count > 0)
                        Prediction.RunFormulas(trained, info, given.Concat(fromFiles), emit, p.GetValue(batch), dev);
                    if (files.Count > 0) Prediction.Run(trained, info, files, emit, n, p.GetValue(batch), dev);
                }
                if (outPath is null)
                {
                    var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
                    write(stdout);
                    stdout.Flush();
                }
                else AtomicFile.Write(outPath, s =>
                {
                    using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                    write(w);
                });
                if (!p.GetValue(quiet))
                {
                    string where = outPath is null ? "" : $"; written to {outPath}";
                    string from = string.Join(", ", new[]
                    {
                        formulas.Length > 0 ? $"{formulas.Length} formula{(formulas.Length == 1 ? "" : "s")}" : null,
                        formulaFiles.Count > 0 ? $"{formulaFiles.Count} formula file{(formulaFiles.Count == 1 ? "" : "s")}" : null,
                        files.Count > 0 ? $"{files.Count} structure file{(files.Count == 1 ? "" : "s")}" : null,
                    }.OfType<string>());
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"ct: {rows} predictions from {from}, {failed} with errors, {clock.Elapsed.TotalSeconds:0.00} s ({rows / clock.Elapsed.TotalSeconds:0} per s){where}"));
                }
                if (rows == failed)
                {
                    Console.Error.WriteLine("ct: nothing could be predicted (see the error column)");
                    return CommandRunner.ExitInputError;
                }
            }
            return 0;
        }));
        return command;
    }
}
