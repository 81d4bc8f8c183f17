using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>Writes ct-UAE folders (<c>ct embed</c>, and the end of every pretraining run).</summary>
public static class UaeExport
{
    /// <summary>Where the folder's table came from (model file, epoch, targets, data and its sha256).</summary>
    public const string MetadataFile = "uae_source.json";

    /// <summary>Extracts the ct-UAE of a front-end model file and writes the folder plus <see cref="MetadataFile"/>.</summary>
    public static UaeTable FromModelFile(string modelFile, string outDir)
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
                ["source"] = "ct pretrain", ["model_file"] = BuiltInData.Portable(modelFile), ["epoch"] = info.Epoch,
                ["targets"] = new JsonArray(info.Targets.Select(t => (JsonNode)t).ToArray()), ["data"] = info.DataSource,
                ["data_sha256"] = info.DataHash, ["seed"] = info.Seed,
            });
            return table;
        }
    }

    /// <summary>Writes the folder of a table read from an authors' PyTorch checkpoint.</summary>
    public static UaeTable FromTorchCheckpoint(string checkpoint, string outDir)
    {
        var table = UaeExtraction.FromTorchCheckpoint(checkpoint);
        ElementTableIO.WriteUaeFolder(table.ToElementTable(Path.GetFileNameWithoutExtension(checkpoint), checkpoint), outDir);
        WriteMetadata(outDir, new JsonObject
        {
            ["source"] = "pytorch checkpoint", ["file"] = Path.GetFileName(checkpoint),
            ["note"] = "the checkpoint does not record which elements were in its training data; every row is listed as trained",
        });
        return table;
    }

    private static string RunName(string modelFile) =>
        Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelFile))) ?? "ct-uae";

    private static void WriteMetadata(string dir, JsonObject meta) =>
        AtomicFile.WriteAllText(Path.Combine(dir, MetadataFile), meta.ToJsonString(TrainingOptions.Json));
}
