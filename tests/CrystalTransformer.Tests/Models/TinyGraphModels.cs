using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

/// <summary>Small versions of the three graph networks for fast tests.</summary>
internal static class TinyGraphModels
{
    public static readonly string[] Kinds = [CgcnnModel.KindName, MegnetModel.KindName, AlignnModel.KindName];

    /// <summary>A seeded random 8-wide table over Z = 1..100.</summary>
    public static ElementTable Table() => ElementTable.Random(8, 3);

    public static ElementTableConfig TableConfig(ElementTable table, ElementTableTraining training = ElementTableTraining.Frozen) =>
        ElementTableConfig.From(new ResolvedElementTable(table, [], MissingElementPolicy.Error), training);

    /// <summary>Architecture overrides that make each model tiny (for <see cref="TrainRequest.Architecture"/>).</summary>
    public static System.Text.Json.Nodes.JsonObject Architecture(string kind) => kind switch
    {
        CgcnnModel.KindName => new() { ["atom_features"] = 8, ["convolutions"] = 2, ["hidden_features"] = 16, ["radius"] = 5.0, ["max_neighbors"] = 6 },
        MegnetModel.KindName => new() { ["n1"] = 8, ["n2"] = 8, ["n3"] = 4, ["blocks"] = 2, ["gaussian_count"] = 20 },
        _ => new() { ["hidden_features"] = 8, ["embedding_features"] = 8, ["alignn_layers"] = 1, ["gcn_layers"] = 1, ["edge_input_features"] = 10, ["triplet_input_features"] = 8, ["max_neighbors"] = 6, ["cutoff"] = 5.0 },
    };

    public static GraphModel Create(string kind, int targets = 2, ElementTableTraining training = ElementTableTraining.Frozen, int seed = 1)
    {
        manual_seed(seed);
        var table = Table();
        var config = TableConfig(table, training);
        var model = (GraphModel)ModelKinds.Get(kind).Create(new ModelBuild(targets, Architecture(kind), config, table, DisorderPolicy.Reject));
        model.Featurization = new GraphFeaturization { Threads = 2 };
        return model;
    }

    /// <summary>Predictions in eval mode for the given samples, one batch.</summary>
    public static float[] Predict(TrainableModel model, IReadOnlyList<ISample> samples)
    {
        model.eval();
        using var noGrad = no_grad();
        using var batch = model.Collate(samples, CPU, null);
        using var output = model.forward(batch);
        return output.data<float>().ToArray();
    }
}
