using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct predict</c>: predictions of a trained or shipped model for crystal files.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a ct train run directory, a model file (.ct), or the name of a shipped model (see ct models)", Required = true };
        model.CompletionSources.Add(_ => ShippedModels.Names());
        var inputs = new Argument<string[]>("FILE_OR_FOLDER") { Description = "CIF, POSCAR/CONTCAR (.vasp) or extxyz files (.gz allowed); folders are searched recursively", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "CSV file to write (default: standard output)" };
        var threads = new Option<int>("--threads") { Description = "threads for reading files and building graphs (0 = all cores)", DefaultValueFactory = _ => 0 };
        var torchThreads = new Option<int>("--torch-threads") { Description = "threads of the network (default 1: batches of small graphs gain little from more, and a busy machine makes them wait on each other)", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch-size") { Description = "crystals per network batch", DefaultValueFactory = _ => 256 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "cpu" };
        var quiet = new Option<bool>("--quiet") { Description = "no summary on standard error" };
        var command = new Command("predict", "Predict the model's targets for crystal files. Writes CSV: id (file name without extension, or the id inside a multi-structure file), " +
            "one column per target (in the targets' units), error (empty unless the structure could not be read or used). Unreadable files do not stop the rest.")
        {
            model, inputs, output, threads, torchThreads, batch, device, quiet,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            var clock = Stopwatch.StartNew();
            int n = p.GetValue(threads);
            if (p.GetValue(torchThreads) < 1) throw new InputError("--torch-threads must be at least 1");
            set_num_threads(p.GetValue(torchThreads));
            if (p.GetValue(batch) < 1) throw new InputError("--batch-size must be at least 1");
            var dev = DeviceChoice.Resolve(p.GetValue(device)!, m => Console.Error.WriteLine($"ct: {m}"));
            var files = Prediction.ExpandInputs(p.GetValue(inputs)!);
            if (files.Count == 0) throw new InputError("no structure files found (looked for .cif, .vasp, POSCAR*, CONTCAR*, .extxyz, .xyz, and .gz of these)");
            var (trained, info) = Prediction.LoadModel(p.GetValue(model)!, dev);
            using (trained)
            {
                string? outPath = p.GetValue(output);
                int rows = 0, failed = 0;
                void write(TextWriter w)
                {
                    var csv = new Prediction.CsvWriter(w, info.Targets);
                    Prediction.Run(trained, info, files, row =>
                    {
                        csv.Write(row);
                        rows++;
                        if (row.Error.Length > 0) failed++;
                    }, n, p.GetValue(batch), dev);
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
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"ct: {rows} structures from {files.Count} files, {failed} with errors, {clock.Elapsed.TotalSeconds:0.00} s ({rows / clock.Elapsed.TotalSeconds:0} structures/s){where}"));
                }
            }
            return 0;
        }));
        return command;
    }
}
