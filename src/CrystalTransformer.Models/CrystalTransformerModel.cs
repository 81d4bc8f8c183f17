using System.Text.Json.Nodes;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Models;

/// <summary>Tokens of one crystal: atomic numbers and, per token, 3 Cartesian coordinates (Å) or 1 atomic fraction.</summary>
public sealed record TokenSample(int[] Z, float[] Inputs) : ISample
{
    public int Size => Z.Length;
}

/// <summary>A padded batch of token sequences on the device.</summary>
public sealed class TokenBatch : IBatch
{
    /// <summary>[batch, atoms, MaxZ] one-hot element vectors (zeros at padding).</summary>
    public required Tensor OneHot { get; init; }
    /// <summary>[batch, atoms, 3] coordinates or [batch, atoms, 1] fractions.</summary>
    public required Tensor Inputs { get; init; }
    /// <summary>[batch, atoms] 1 for real atoms, 0 for padding.</summary>
    public required Tensor Valid { get; init; }
    /// <summary>[batch, 1, 1, atoms] attention mask (true = may attend) or null when nothing is padded.</summary>
    public Tensor? Attend { get; init; }
    public int Count { get; init; }

    public void Dispose()
    {
        OneHot.Dispose(); Inputs.Dispose(); Valid.Dispose(); Attend?.Dispose();
    }
}

/// <summary>
/// The CrystalTransformer front-end. Per atom: one-hot(Z) → Linear(100→128) (the ct-UAE table), coordinates →
/// Linear(3→128), concatenated to 256; a stack of encoder layers with a key-padding mask; the first atom's output
/// (or a pooled vector) goes to one head per target.
/// </summary>
public sealed class CrystalTransformerModel : TrainableModel
{
    public const string KindName = "transformer";

    // Field names are the parameter names in state dicts; atom_embed / coords_embed match the authors' code.
    private readonly Linear atom_embed;
    private readonly Linear coords_embed;
    private readonly ModuleList<EncoderLayer> layers;
    private readonly LayerNorm? final_norm;
    private readonly Linear? pool_score;
    private readonly ModuleList<Sequential> heads;

    private readonly int _targets;

    public TransformerConfig Settings { get; }

    public CrystalTransformerModel(TransformerConfig config, int targetCount) : base(nameof(CrystalTransformerModel))
    {
        config.Validate();
        if (targetCount < 1) throw new InputError("the model needs at least one target");
        Settings = config;
        _targets = targetCount;
        int width = config.ModelWidth;
        atom_embed = nn.Linear(config.MaxZ, config.ElementWidth);
        coords_embed = nn.Linear(config.TokenFeatures, config.InputWidth);
        layers = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => new EncoderLayer(width, config.Heads, config.FeedForward, config.Dropout, config.PreNorm)).ToArray());
        if (config.PreNorm) final_norm = nn.LayerNorm(width);
        if (config.Readout == Readout.Attention) pool_score = nn.Linear(width, 1);
        heads = nn.ModuleList(config.HeadLayers is { } hidden
            ? Enumerable.Range(0, targetCount).Select(_ => Mlp(width, hidden, config.HeadDropout)).ToArray()
            : targetCount == 1
                // Single task: Linear(256→128) → Linear(128→1), as the authors' code (no activation between).
                ? [nn.Sequential(nn.Linear(width, width / 2), nn.Linear(width / 2, 1))]
                // Multi-task: one Linear(256→256)–ReLU–Linear(256→1) head per property.
                : Enumerable.Range(0, targetCount).Select(_ => Mlp(width, [width], config.HeadDropout)).ToArray());
        RegisterComponents();
    }

    /// <summary>
    /// Linear layers of the given hidden widths with ReLU between them (and dropout after each when asked), ending in
    /// one output. Without dropout the layer names are those of models written before head dropout existed.
    /// </summary>
    private static Sequential Mlp(int input, IReadOnlyList<int> hidden, double dropout)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        foreach (int w in hidden)
        {
            layers.Add(nn.Linear(input, w));
            layers.Add(nn.ReLU());
            if (dropout > 0) layers.Add(nn.Dropout(dropout));
            input = w;
        }
        layers.Add(nn.Linear(input, 1));
        return nn.Sequential(layers);
    }

    public override string Kind => KindName;
    public override int TargetCount => _targets;
    public override JsonObject Config => Settings.ToJson();
    public override bool ReadsCompositionOnly => Settings.Input == TokenInput.Fraction;

    /// <summary>The element table: weight [ElementWidth, MaxZ] and bias [ElementWidth].</summary>
    public Linear ElementEmbedding => atom_embed;

    public override IReadOnlyList<Parameter> ElementTableParameters => [atom_embed.weight!, atom_embed.bias!];

    /// <summary>Prefix of the output heads' parameter names: what <see cref="InitializeEncoderFrom"/> leaves alone.</summary>
    public const string HeadsPrefix = nameof(heads) + ".";

    /// <summary>True once <see cref="InitializeEncoderFrom"/> has copied pretrained weights into everything below the heads.</summary>
    public bool EncoderIsPretrained { get; private set; }

    /// <summary>Every parameter except those of the output heads: the element table, the input embeddings, the encoder layers and the readout.</summary>
    public IReadOnlyList<Parameter> EncoderParameters =>
        named_parameters().Where(p => !p.name.StartsWith(HeadsPrefix, StringComparison.Ordinal)).Select(p => p.parameter).ToArray();

    /// <summary>After <see cref="InitializeEncoderFrom"/> everything below the heads (element table included) is one pretrained part.</summary>
    public override IReadOnlyList<(ParameterRole Role, IReadOnlyList<Parameter> Parameters)> ParameterParts =>
        EncoderIsPretrained ? [(ParameterRole.Encoder, EncoderParameters), .. base.ParameterParts] : base.ParameterParts;

    /// <summary>
    /// Copies every weight except the output heads' from a pretrained model whose layers have the same names and shapes
    /// (settings that hold no weights, such as dropout, may differ); the heads keep their fresh initialisation.
    /// </summary>
    public void InitializeEncoderFrom(CrystalTransformerModel source)
    {
        static IEnumerable<(string Name, Tensor Value)> Weights(CrystalTransformerModel m) =>
            m.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(m.named_buffers());
        var weights = Weights(source).ToDictionary(p => p.Name, p => p.Value);
        using (torch.no_grad())
            foreach (var (name, mine) in Weights(this))
            {
                if (name.StartsWith(HeadsPrefix, StringComparison.Ordinal)) continue;
                if (!weights.TryGetValue(name, out var theirs) || !theirs.shape.SequenceEqual(mine.shape))
                    throw new InputError($"the pretrained model has no layer '{name}' of shape [{string.Join(", ", mine.shape)}]");
                mine.copy_(theirs);
            }
        EncoderIsPretrained = true;
    }

    public override Tensor forward(IBatch input)
    {
        var batch = (TokenBatch)input;
        var x = torch.cat([atom_embed.forward(batch.OneHot), coords_embed.forward(TokenFeatures(batch.Inputs))], -1);
        foreach (var layer in layers) x = layer.forward(x, batch.Attend);
        if (final_norm is not null) x = final_norm.forward(x);
        var crystal = Pool(x, batch);
        return torch.cat(heads.Select(h => h.forward(crystal)).ToArray(), 1);
    }

    /// <summary>Coordinates or raw fractions as they are, or the sinusoidal encoding of the fractions.</summary>
    private Tensor TokenFeatures(Tensor inputs)
    {
        if (Settings.Input != TokenInput.Fraction || Settings.FractionEncoding == FractionEncoding.Linear) return inputs;
        // Fractions lie in (0, 1]; log2 spans about (−14, 0] for the compositions met in practice, scaled to about (−1, 0].
        // Padding holds 0: clamp before the logarithm (its features are masked out of attention and pooling anyway).
        var f = inputs.clamp_min(1e-6);
        var logF = torch.log2(f) / 14.0;
        var frequencies = torch.pow(2.0, torch.arange(Settings.FractionFrequencies, dtype: inputs.dtype, device: inputs.device)) * Math.PI;
        var angles = torch.cat([f * frequencies, logF * frequencies], -1);
        return torch.cat([f, logF, angles.sin(), angles.cos()], -1);
    }

    private Tensor Pool(Tensor x, TokenBatch batch)
    {
        switch (Settings.Readout)
        {
            case Readout.FirstAtom:
                return x[.., 0, ..];
            case Readout.Mean:
                var valid = batch.Valid.unsqueeze(-1);
                return (x * valid).sum(1) / valid.sum(1);
            case Readout.FractionWeighted:
                // Inputs hold the fractions (0 at padding); they sum to 1 over a composition.
                var weight = batch.Inputs * batch.Valid.unsqueeze(-1);
                return (x * weight).sum(1) / weight.sum(1).clamp_min(1e-12);
            default:
                var scores = pool_score!.forward(x).squeeze(-1).masked_fill(batch.Valid.eq(0), double.NegativeInfinity);
                return (F.softmax(scores, 1).unsqueeze(-1) * x).sum(1);
        }
    }

    public override ISample Featurize(DataEntry entry)
    {
        if (Settings.Input == TokenInput.Fraction)
        {
            var fractions = entry.Composition.Fractions;
            if (fractions.Count == 0) throw new InputError($"{entry.Id}: empty composition");
            return new TokenSample(fractions.Select(f => CheckedZ(f.Element.Z, entry)).ToArray(),
                fractions.Select(f => (float)f.Fraction).ToArray());
        }
        var structure = entry.Structure ?? throw new InputError($"{entry.Id}: the structure model needs coordinates, but this entry is a composition only");
        if (structure.Count == 0) throw new InputError($"{entry.Id}: structure has no atoms");
        var z = structure.AtomicNumbers().Select(v => CheckedZ(v, entry)).ToArray();
        var xyz = new float[3 * z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            var c = structure.Cartesian(i);
            if (!c.IsFinite) throw new InputError($"{entry.Id}: atom {i + 1} has a non-finite coordinate");
            xyz[3 * i] = (float)c.X; xyz[3 * i + 1] = (float)c.Y; xyz[3 * i + 2] = (float)c.Z;
        }
        return new TokenSample(z, xyz);
    }

    private int CheckedZ(int z, DataEntry entry) =>
        z >= 1 && z <= Settings.MaxZ ? z
            : throw new InputError($"{entry.Id}: element {PeriodicTable.Get(z).Symbol} (Z = {z}) is beyond the model's one-hot length {Settings.MaxZ}");

    public override IBatch Collate(IReadOnlyList<ISample> samples, Device device, Random? augmentation)
    {
        int b = samples.Count, perToken = Settings.Input == TokenInput.Coordinates ? 3 : 1;
        int n = samples.Max(s => s.Size);
        var zIndex = new long[b * n];
        var inputs = new float[b * n * perToken];
        var valid = new float[b * n];
        var noisy = new float[b];
        bool padded = false, augment = augmentation is not null && !Settings.Augmentation.IsNone && Settings.Input == TokenInput.Coordinates;
        for (int i = 0; i < b; i++)
        {
            var s = (TokenSample)samples[i];
            padded |= s.Size < n;
            for (int a = 0; a < s.Size; a++) { zIndex[i * n + a] = s.Z[a] - 1; valid[i * n + a] = 1; }
            var slot = inputs.AsSpan(i * n * perToken, s.Size * perToken);
            s.Inputs.CopyTo(slot);
            if (augment && Augmentation.Apply(slot, Settings.Augmentation, augmentation!)) noisy[i] = 1;
        }
        using var scope = torch.NewDisposeScope();
        var validT = torch.tensor(valid, [b, n], device: device);
        var oneHot = F.one_hot(torch.tensor(zIndex, [b, n], device: device), Settings.MaxZ).to(float32) * validT.unsqueeze(-1);
        if (augment && noisy.Any(v => v != 0))
            oneHot = oneHot + torch.randn_like(oneHot) * (Settings.Augmentation.NoiseSigma * torch.tensor(noisy, [b, 1, 1], device: device));
        var batch = new TokenBatch
        {
            OneHot = oneHot.MoveToOuterDisposeScope(),
            Inputs = torch.tensor(inputs, [b, n, perToken], device: device).MoveToOuterDisposeScope(),
            Valid = validT.MoveToOuterDisposeScope(),
            Attend = padded ? validT.to(@bool).view(b, 1, 1, n).MoveToOuterDisposeScope() : null,
            Count = b,
        };
        return batch;
    }
}
