using CrystalTransformer.Structures;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.Uae;

/// <summary>Takes the ct-UAE out of a trained front-end or out of a checkpoint of the authors' PyTorch code.</summary>
public static class UaeExtraction
{
    /// <summary>UAE(Z) = W[:, Z−1] + b of the model's Linear(100→128); rows of elements not in <paramref name="trainedZ"/> are marked untrained.</summary>
    public static UaeTable FromModel(CrystalTransformerModel model, IEnumerable<int> trainedZ)
    {
        var layer = model.ElementEmbedding;
        using var weight = layer.weight!.detach().cpu().contiguous();
        using var bias = layer.bias!.detach().cpu().contiguous();
        return UaeTable.FromLinear(weight.data<float>().ToArray(), (int)weight.shape[0], (int)weight.shape[1], bias.data<float>().ToArray(), trainedZ);
    }

    /// <summary>
    /// Reads <c>state_dict['atom_embed.weight']</c> [128, 100] and <c>['atom_embed.bias']</c> [128] from a checkpoint saved by
    /// the authors' code (a dict with state_dict, normalizer, epoch, ...), or from a bare state dict. The checkpoint does
    /// not record which elements its training data held, so every row is reported as trained.
    /// </summary>
    public static UaeTable FromTorchCheckpoint(string path)
    {
        var root = TorchCheckpointReader.Read(path) as Dictionary<object, object?>
            ?? throw new InputError("checkpoint is not a dict", path);
        var stateDict = root.TryGetValue("state_dict", out var sd) && sd is Dictionary<object, object?> inner ? inner : root;
        PickledTensor find(string name)
        {
            foreach (var key in new[] { name, "module." + name })
                if (stateDict.TryGetValue(key, out var v) && v is PickledTensor t) return t;
            var names = stateDict.Keys.OfType<string>().Take(8);
            throw new InputError($"no tensor '{name}' in the checkpoint's state_dict (it has {string.Join(", ", names)}, …)", path);
        }
        var weight = find("atom_embed.weight");
        var bias = find("atom_embed.bias");
        if (weight.Shape.Length != 2 || bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])
            throw new InputError($"atom_embed has shapes [{string.Join(",", weight.Shape)}] and [{string.Join(",", bias.Shape)}], expected [width, maxZ] and [width]", path);
        try
        {
            return UaeTable.FromLinear(weight.ToFloatArray(), (int)weight.Shape[0], (int)weight.Shape[1], bias.ToFloatArray(), null);
        }
        catch (InputError e) when (e.Origin is null) { throw e.At(path); } // tensor data are read only here
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException or InvalidCastException)
        {
            throw new InputError($"not a readable PyTorch checkpoint ({e.Message.ReplaceLineEndings(" ")})", path);
        }
    }
}
