using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CrystalTransformer.Models;

/// <summary>
/// One Transformer encoder layer, batch-first, written around scaled_dot_product_attention (faster here than
/// nn.TransformerEncoderLayer). Post-LN is PyTorch's default layer (the paper); pre-LN is optional.
/// Parameter layout follows PyTorch: self_attn.in_proj (q,k,v stacked), self_attn.out_proj, linear1, linear2, norm1, norm2.
/// </summary>
public sealed class EncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly Linear in_proj;
    private readonly Linear out_proj;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly int _heads;
    private readonly double _dropout;
    private readonly bool _preNorm;

    public EncoderLayer(int width, int heads, int feedForward, double dropout, bool preNorm) : base(nameof(EncoderLayer))
    {
        in_proj = nn.Linear(width, 3 * width);
        out_proj = nn.Linear(width, width);
        linear1 = nn.Linear(width, feedForward);
        linear2 = nn.Linear(feedForward, width);
        norm1 = nn.LayerNorm(width);
        norm2 = nn.LayerNorm(width);
        _heads = heads;
        _dropout = dropout;
        _preNorm = preNorm;
        RegisterComponents();
    }

    /// <param name="x">[batch, atoms, width]</param>
    /// <param name="attend">[batch, 1, 1, atoms], true for real atoms; null when no atom is padding.</param>
    public override Tensor forward(Tensor x, Tensor? attend)
    {
        if (_preNorm)
        {
            x = x + SelfAttention(norm1.forward(x), attend);
            return x + FeedForward(norm2.forward(x));
        }
        x = norm1.forward(x + SelfAttention(x, attend));
        return norm2.forward(x + FeedForward(x));
    }

    private Tensor SelfAttention(Tensor x, Tensor? attend)
    {
        long b = x.shape[0], n = x.shape[1], width = x.shape[2];
        // [batch, atoms, 3·width] → q, k, v each [batch, heads, atoms, width/heads]
        var qkv = in_proj.forward(x).view(b, n, 3, _heads, width / _heads).permute(2, 0, 3, 1, 4);
        var attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attend, training ? _dropout : 0.0);
        var merged = attended.transpose(1, 2).reshape(b, n, width);
        return F.dropout(out_proj.forward(merged), _dropout, training);
    }

    private Tensor FeedForward(Tensor x)
    {
        var hidden = F.dropout(F.relu(linear1.forward(x)), _dropout, training);
        return F.dropout(linear2.forward(hidden), _dropout, training);
    }
}
