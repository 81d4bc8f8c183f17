using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// One cell of the reproduction grid: a back-end trained with one element table in one mode on one data set, training
/// size and seed. <see cref="TrainSize"/> null means the whole training split.
/// </summary>
public sealed record GridCell(string Model, string Embedding, string Mode, string Dataset, string Target, int? TrainSize, int Seed)
{
    public const string Frozen = "frozen", FineTune = "finetune";

    public string SizeLabel => TrainSize?.ToString(CultureInfo.InvariantCulture) ?? "all";

    /// <summary>Readable identity, unique within a grid: model/dataset/target/size/embedding/mode/seed.</summary>
    public string Key => $"{Model}/{Dataset}/{Target}/{SizeLabel}/{Embedding}/{Mode}/s{Seed}";

    /// <summary>The value of a field by its --only name (see <see cref="GridFilter"/>).</summary>
    public string Field(string name) => name switch
    {
        "model" => Model,
        "embedding" => Embedding,
        "mode" => Mode,
        "dataset" => Dataset,
        "target" => Target,
        "size" => SizeLabel,
        "seed" => Seed.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"unknown field '{name}'"),
    };

    public static readonly string[] FieldNames = ["model", "embedding", "mode", "dataset", "target", "size", "seed"];

    /// <summary>A file-system friendly name for the run directory.</summary>
    public string DirectoryName(string configHash) =>
        $"{Model}_{Dataset}_{Target}_n{SizeLabel}_{Embedding}_{Mode}_s{Seed}_{configHash[..10]}";

    public JsonObject ToJson() => new()
    {
        ["model"] = Model, ["embedding"] = Embedding, ["mode"] = Mode, ["dataset"] = Dataset, ["target"] = Target,
        ["train_size"] = TrainSize, ["seed"] = Seed,
    };

    public static GridCell FromJson(JsonNode node) => new(
        (string)node["model"]!, (string)node["embedding"]!, (string)node["mode"]!, (string)node["dataset"]!, (string)node["target"]!,
        (int?)node["train_size"], (int)node["seed"]!);
}

/// <summary>
/// Everything that decides a cell's numbers besides the code: the cell, the training budget, and the identities (content
/// hashes) of the element table and the data. Its hash keys the results store, so a changed table or budget is a new cell.
/// </summary>
public sealed record CellConfiguration(GridCell Cell, string Profile, int Epochs, int? BatchSize, string EmbeddingHash, string DataIdentity)
{
    public JsonObject ToJson()
    {
        var o = Cell.ToJson();
        o["profile"] = Profile;
        o["epochs"] = Epochs;
        o["batch_size"] = BatchSize;
        o["embedding_sha256"] = EmbeddingHash;
        o["data"] = DataIdentity;
        return o;
    }

    /// <summary>First 16 bytes of the SHA-256 of the canonical JSON, as hex. The profile name is a label, not part of the
    /// identity: the same cell trained with the same budget in two profiles is the same run.</summary>
    public string Hash
    {
        get
        {
            var o = ToJson();
            o.Remove("profile");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(o.ToJsonString())))[..32];
        }
    }

    public static CellConfiguration FromJson(JsonNode node) => new(GridCell.FromJson(node), (string?)node["profile"] ?? "",
        (int)node["epochs"]!, (int?)node["batch_size"], (string)node["embedding_sha256"]!, (string)node["data"]!);

    public override string ToString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
