using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli.Commands;

/// <summary><c>ct embed</c>: writes the ct-UAE folder of a trained front-end or of an authors' PyTorch checkpoint.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "run directory of ct pretrain (or its best.ct model file)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "PyTorch checkpoint of the authors' code (model_best.pth.tar); read without executing pickled code" };
        var output = new Option<string>("--out") { Description = "folder to write uae.csv, untrained.txt, atom_init.json and uae_elementembeddings.json", Required = true };
        var quiet = CommonOptions.Quiet("no summary line (errors still go to standard error)");
        var command = new Command("embed", "Write the ct-UAE table UAE(Z) = W[:, Z-1] + b of a front-end's element layer (only trained elements in uae.csv; the rest listed in untrained.txt).")
        {
            model, checkpoint, output, quiet,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string? m = p.GetValue(model), c = p.GetValue(checkpoint);
            string outDir = p.GetValue(output)!;
            if ((m is null) == (c is null)) throw new UsageError("give exactly one of --model RUN_DIR and --checkpoint FILE");
            var table = m is not null
                ? UaeExport.FromModelFile(Directory.Exists(m) ? Path.Combine(m, Trainer.BestFile) : m, outDir)
                : UaeExport.FromTorchCheckpoint(c!, outDir);
            // A pretraining run directory also says what the table saw.
            if (m is not null && Directory.Exists(m) && File.Exists(Path.Combine(m, Trainer.ConfigFile))
                && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(m, Trainer.ConfigFile)))?["pretrain"] is not null)
                Pretraining.WriteProvenance(m, outDir);
            if (!p.GetValue(quiet)) Console.WriteLine($"ct-UAE ({table.Width}-d): {table.TrainedElements.Count()} trained elements, {table.UntrainedElements.Count()} untrained; written to {outDir}");
            return 0;
        }));
        return command;
    }
}
