using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Reproduce;

/// <summary>
/// One cell of the reproduction grid: a back-end trained with one element table in one mode on one data set, training
/// size and seed. <see cref="TrainSize"/> null means the whole training split.
/// </summary>
public sealed record GridCell(string Model, string Embedding, string Mode, string Dataset, string Target, int? TrainSize, int Seed)
{
    /// <summary>Modes without a parameter; see <see cref="CellMode"/> for the parameterised ones (finetune:LR, l2sp:LR).</summary>
    public const string Frozen = "frozen", FineTune = "finetune", Encoder = "encoder";

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

    /// <summary>A file-system friendly name for the run directory (characters that some file systems refuse, such as the
    /// ':' of "finetune:1e-3" or "std:magpie", become '_'; names without them are unchanged).</summary>
    public string DirectoryName(string configHash) =>
        Safe($"{Model}_{Dataset}_{Target}_n{SizeLabel}_{Embedding}_{Mode}_s{Seed}_{configHash[..10]}");

    private static string Safe(string name) =>
        new(name.Select(c => c is ':' or '/' or '\\' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c) ? '_' : c).ToArray());

    public JsonObject ToJson() => new()
    {
        ["model"] = Model, ["embedding"] = Embedding, ["mode"] = Mode, ["dataset"] = Dataset, ["target"] = Target,
        ["train_size"] = TrainSize, ["seed"] = Seed,
    };

    public static GridCell FromJson(JsonNode node) => new(
        (string)node["model"]!, (string)node["embedding"]!, (string)node["mode"]!, (string)node["dataset"]!, (string)node["target"]!,
        (int?)node["train_size"], (int)node["seed"]!);
}

/// <summary>What a mode string asks of the cell runner.</summary>
public enum CellModeKind
{
    /// <summary>The table is used as it is.</summary>
    Frozen,
    /// <summary>The table is trained with the network at <see cref="CellMode.TableLearningRate"/> (null: the training default, 1e-5).</summary>
    FineTune,
    /// <summary>Fine-tuned as <see cref="FineTune"/>, with an L2-SP pull of strength <see cref="CellMode.L2SpStrength"/> towards the starting table.</summary>
    L2Sp,
    /// <summary>Whole-encoder transfer: a front-end (model transformer) starts from the pretrained model named by the cell's embedding.</summary>
    Encoder,
}

/// <summary>
/// A cell's mode, parsed: <c>frozen</c>; <c>finetune</c> (table learning rate 1e-5, the paper's "CT"); <c>finetune:LR</c>;
/// <c>l2sp:LR</c> (fine-tuned at LR with an L2-SP pull towards the pretrained table); <c>encoder</c>.
/// </summary>
public sealed record CellMode(CellModeKind Kind, double? TableLearningRate)
{
    public const string FineTunePrefix = "finetune:", L2SpPrefix = "l2sp:";

    /// <summary>Strength of the L2-SP pull in <c>l2sp:LR</c> cells (the penalty weight of ‖table − pretrained table‖²).</summary>
    public const double L2SpStrength = 1e-2;

    public static CellMode Parse(string mode)
    {
        string m = mode.Trim();
        if (m == GridCell.Frozen) return new(CellModeKind.Frozen, null);
        // Plain finetune keeps the training default (1e-5, the paper's "CT"), as before the parameterised modes existed.
        if (m == GridCell.FineTune) return new(CellModeKind.FineTune, null);
        if (m == GridCell.Encoder) return new(CellModeKind.Encoder, null);
        foreach (var (prefix, kind) in new[] { (FineTunePrefix, CellModeKind.FineTune), (L2SpPrefix, CellModeKind.L2Sp) })
            if (m.StartsWith(prefix, StringComparison.Ordinal))
                return double.TryParse(m[prefix.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && double.IsFinite(lr) && lr > 0
                    ? new(kind, lr)
                    : throw new InputError($"mode '{mode}': '{m[prefix.Length..]}' is not a positive learning rate");
        throw new InputError($"unknown mode '{mode}' (known: {GridCell.Frozen}, {GridCell.FineTune}, {FineTunePrefix}LR, {L2SpPrefix}LR, {GridCell.Encoder})");
    }

    /// <summary>
    /// The fine-tuning variants with a chosen learning rate (<c>finetune:LR</c>, <c>l2sp:LR</c>): the report picks one of
    /// them per seed by validation MAE. Plain <c>finetune</c> is the paper's fixed setting and stands on its own.
    /// </summary>
    public static bool IsTunedVariant(string mode) =>
        mode.StartsWith(FineTunePrefix, StringComparison.Ordinal) || mode.StartsWith(L2SpPrefix, StringComparison.Ordinal);
}

/// <summary>
/// Everything that decides a cell's numbers besides the code: the cell, the training budget, and the identities (content
/// hashes) of the element table and the data. Its hash keys the results store, so a changed table or budget is a new cell.
/// </summary>
public sealed record CellConfiguration(GridCell Cell, string Profile, int Epochs, int? BatchSize, string EmbeddingHash, string DataIdentity)
{
    /// <summary>
    /// The cell's table is on raw physical scales and is standardised before use (the rule of <c>ct train</c>). Part of
    /// the identity only when true, so the cells of every other table keep the hashes they had before the rule.
    /// </summary>
    public bool TableStandardized { get; init; }

    public JsonObject ToJson()
    {
        var o = Cell.ToJson();
        o["profile"] = Profile;
        o["epochs"] = Epochs;
        o["batch_size"] = BatchSize;
        o["embedding_sha256"] = EmbeddingHash;
        o["data"] = DataIdentity;
        if (TableStandardized) o["table_standardized"] = true;
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
        (int)node["epochs"]!, (int?)node["batch_size"], (string)node["embedding_sha256"]!, (string)node["data"]!)
    {
        TableStandardized = (bool?)node["table_standardized"] ?? false,
    };

    public override string ToString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
