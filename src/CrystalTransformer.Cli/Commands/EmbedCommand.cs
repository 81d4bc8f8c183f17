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
    public const string MetadataFile = "uae_source.json";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "run directory of ct pretrain (or its best.ct model file)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "PyTorch checkpoint of the authors' code (model_best.pth.tar); read without executing pickled code" };
        var output = new Option<string>("--out") { Description = "folder to write uae.csv, untrained.txt, atom_init.json and uae_elementembeddings.json", Required = true };
        var command = new Command("embed", "Write the ct-UAE table UAE(Z) = W[:, Z-1] + b of a front-end's element layer (only trained elements in uae.csv; the rest listed in untrained.txt).")
        {
            model, checkpoint, output,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            string? m = p.GetValue(model), c = p.GetValue(checkpoint);
            string outDir = p.GetValue(output)!;
            if ((m is null) == (c is null)) throw new InputError("give exactly one of --model RUN_DIR and --checkpoint FILE");
            UaeTable table;
            if (m is not null)
            {
                string file = Directory.Exists(m) ? Path.Combine(m, Trainer.BestFile) : m;
                table = WriteFromModelFile(file, outDir);
            }
            else
            {
                table = UaeExtraction.FromTorchCheckpoint(c!);
                ElementTableIO.WriteUaeFolder(table.ToElementTable(Path.GetFileNameWithoutExtension(c!), c), outDir);
                WriteMetadata(outDir, new JsonObject { ["source"] = "pytorch checkpoint", ["file"] = Path.GetFullPath(c!),
                    ["note"] = "the checkpoint does not record which elements were in its training data; every row is listed as trained" });
            }
            Console.WriteLine($"ct-UAE ({table.Width}-d): {table.TrainedElements.Count()} trained elements, {table.UntrainedElements.Count()} untrained; written to {outDir}");
            return 0;
        }));
        return command;
    }

    /// <summary>Extracts the ct-UAE of a front-end model file and writes the folder plus a metadata file.</summary>
    public static UaeTable WriteFromModelFile(string modelFile, string outDir)
    {
        var (model, info) = ModelFile.Load(modelFile);
        using (model)
        {
            if (model is not CrystalTransformerModel front)
                throw new InputError($"model kind '{info.Kind}' has no ct-UAE layer (only the transformer front-end has)", modelFile);
            var table = UaeExtraction.FromModel(front, info.TrainedElements);
            ElementTableIO.WriteUaeFolder(table.ToElementTable(RunName(modelFile), modelFile), outDir);
            WriteMetadata(outDir, new JsonObject
            {
                ["source"] = "ct pretrain", ["model_file"] = Path.GetFullPath(modelFile), ["epoch"] = info.Epoch,
                ["targets"] = new JsonArray(info.Targets.Select(t => (JsonNode)t).ToArray()), ["data"] = info.DataSource,
                ["data_sha256"] = info.DataHash, ["seed"] = info.Seed,
            });
            return table;
        }
    }

    private static string RunName(string modelFile) =>
        Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelFile))) ?? "ct-uae";

    private static void WriteMetadata(string dir, JsonObject meta) =>
        AtomicFile.WriteAllText(Path.Combine(dir, MetadataFile), meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
