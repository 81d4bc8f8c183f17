using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Models;

/// <summary>What each token carries besides its element.</summary>
public enum TokenInput
{
    /// <summary>Cartesian coordinates in Å (3 → width): the paper's structure mode.</summary>
    Coordinates,
    /// <summary>Atomic fraction of the element (1 → width): composition mode, one token per element.</summary>
    Fraction,
}

/// <summary>How the per-atom encoder outputs become one vector per crystal.</summary>
public enum Readout
{
    /// <summary>The encoder output of the first atom in file order (the paper).</summary>
    FirstAtom,
    /// <summary>Mean over the real (unpadded) tokens.</summary>
    Mean,
    /// <summary>Softmax-weighted sum with learned scores (attention pooling).</summary>
    Attention,
    /// <summary>Composition mode: mean weighted by each element's atomic fraction (as Roost pools its elements).</summary>
    FractionWeighted,
}

/// <summary>How a token's atomic fraction enters the model in composition mode.</summary>
public enum FractionEncoding
{
    /// <summary>The fraction itself → Linear(1 → input width).</summary>
    Linear,
    /// <summary>
    /// Sines and cosines of the fraction and of its base-2 logarithm at geometric frequencies (as CrabNet encodes
    /// fractions), plus the two raw values → Linear(2 + 4·<see cref="TransformerConfig.FractionFrequencies"/> → input width):
    /// small and large fractions are resolved equally well.
    /// </summary>
    Sinusoidal,
}

/// <summary>Architecture of the CrystalTransformer front-end. Defaults are the paper's (about 4.3 M parameters).</summary>
public sealed record TransformerConfig
{
    /// <summary>Length of the one-hot element vector (Z = 1..100).</summary>
    public int MaxZ { get; init; } = 100;
    /// <summary>Width of the element embedding Linear(MaxZ → ElementWidth); its rows are the ct-UAE (must stay 128 to match the paper's tables).</summary>
    public int ElementWidth { get; init; } = 128;
    /// <summary>Width of the coordinate (or fraction) embedding; the model width is ElementWidth + InputWidth.</summary>
    public int InputWidth { get; init; } = 128;
    public int Layers { get; init; } = 8;
    public int Heads { get; init; } = 8;
    public int FeedForward { get; init; } = 512;
    public double Dropout { get; init; } = 0.1;
    /// <summary>False: post-LayerNorm as PyTorch's default encoder layer (paper). True: pre-LayerNorm plus a final norm.</summary>
    public bool PreNorm { get; init; }
    public Readout Readout { get; init; } = Readout.FirstAtom;
    public TokenInput Input { get; init; } = TokenInput.Coordinates;
    /// <summary>Composition mode: how the fraction is encoded before its Linear layer.</summary>
    public FractionEncoding FractionEncoding { get; init; } = FractionEncoding.Linear;
    /// <summary>
    /// Hidden widths of each multi-task head (ReLU between layers); null = the paper's one hidden layer of the model
    /// width. Single-task models keep the paper's Linear(width→width/2) → Linear(width/2→1) unless this is set.
    /// </summary>
    public int[]? HeadLayers { get; init; }
    /// <summary>Dropout after each hidden layer of the heads (their weights are most of a composition model's; 0 = none).</summary>
    public double HeadDropout { get; init; }
    /// <summary>Frequencies per scale of the sinusoidal fraction encoding.</summary>
    public int FractionFrequencies { get; init; } = 8;
    /// <summary>Train-time augmentation of coordinates (structure mode only).</summary>
    public AugmentationConfig Augmentation { get; init; } = new();

    [JsonIgnore] public int ModelWidth => ElementWidth + InputWidth;

    /// <summary>Numbers per token that enter the coordinate/fraction Linear layer.</summary>
    [JsonIgnore]
    public int TokenFeatures => Input == TokenInput.Coordinates ? 3
        : FractionEncoding == FractionEncoding.Sinusoidal ? 2 + 4 * FractionFrequencies : 1;

    public static TransformerConfig Paper => new();

    /// <summary>Composition mode: one token per element with its fraction, mean pooling, no augmentation.</summary>
    public static TransformerConfig Composition => new()
    {
        Input = TokenInput.Fraction, Readout = Readout.Mean, Augmentation = AugmentationConfig.None,
    };

    public void Validate()
    {
        void require(bool ok, string what) { if (!ok) throw new InputError($"transformer setting: {what}"); }
        require(MaxZ >= 1, "max Z must be at least 1");
        require(ElementWidth >= 1 && InputWidth >= 1, "widths must be positive");
        require(Layers >= 0, "layers must be ≥ 0");
        require(Heads >= 1 && ModelWidth % Heads == 0, $"model width {ModelWidth} must be divisible by the number of heads {Heads}");
        require(FeedForward >= 1, "feed-forward width must be positive");
        require(Dropout is >= 0 and < 1, "dropout must be in [0, 1)");
        require(!(Input == TokenInput.Fraction && Readout == Readout.FirstAtom), "first-atom readout means nothing in composition mode (use mean or attention)");
        require(!(Input == TokenInput.Coordinates && Readout == Readout.FractionWeighted), "fraction-weighted readout needs composition mode");
        require(!(Input == TokenInput.Coordinates && FractionEncoding != FractionEncoding.Linear), "a fraction encoding needs composition mode");
        require(FractionFrequencies is >= 1 and <= 32, "fraction frequencies must be in 1..32");
        require(HeadDropout is >= 0 and < 1, "head dropout must be in [0, 1)");
        require(HeadLayers is null || (HeadLayers.Length >= 1 && HeadLayers.All(w => w >= 1)), "head layers must be positive widths");
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    public static TransformerConfig FromJson(JsonObject json) =>
        json.Deserialize<TransformerConfig>(Json) ?? throw new InputError("empty transformer configuration");
}

/// <summary>Per-sample augmentation probabilities and sizes (the paper: each with p = 0.5).</summary>
public sealed record AugmentationConfig
{
    public double TranslationProbability { get; init; } = 0.5;
    /// <summary>Uniform shift in [−max, max] Å per axis.</summary>
    public double MaxTranslation { get; init; } = 5.0;
    public double RotationProbability { get; init; } = 0.5;
    public double ReflectionProbability { get; init; } = 0.5;
    public double NoiseProbability { get; init; } = 0.5;
    /// <summary>Standard deviation of the Gaussian noise added to coordinates (Å) and one-hot features.</summary>
    public double NoiseSigma { get; init; } = 0.001;

    public static AugmentationConfig None => new()
    {
        TranslationProbability = 0, RotationProbability = 0, ReflectionProbability = 0, NoiseProbability = 0,
    };

    [JsonIgnore]
    public bool IsNone => TranslationProbability <= 0 && RotationProbability <= 0 && ReflectionProbability <= 0 && NoiseProbability <= 0;
}
