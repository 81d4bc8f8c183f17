using System.Text.Json;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

[Collection("torch")]
public class UaeTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Uae", name);

    [Fact]
    public void UaeIsTheElementLayerOutputForEachOneHotVector()
    {
        manual_seed(11);
        using var model = new CrystalTransformerModel(TransformerConfig.Paper with { Layers = 1 }, 1);
        var table = UaeExtraction.FromModel(model, [8, 26]);
        using var noGrad = no_grad();
        foreach (int z in new[] { 1, 8, 26, 100 })
        {
            using var oneHot = nn.functional.one_hot(tensor(new long[] { z - 1 }), 100).to(float32);
            var output = model.ElementEmbedding.forward(oneHot).data<float>().ToArray();
            Assert.Equal(128, table.Vectors[z - 1].Length);
            for (int f = 0; f < 128; f++) Assert.Equal(output[f], table.Vectors[z - 1][f], 6);
        }
        Assert.Equal(["O", "Fe"], table.TrainedElements.Select(e => e.Symbol));
        Assert.Equal(98, table.UntrainedElements.Count());
    }

    [Fact]
    public void UaeFolderListsTrainedRowsAndNamesTheUntrainedOnes()
    {
        var w = new float[4 * 3];
        for (int i = 0; i < w.Length; i++) w[i] = i;           // weight [width 4, maxZ 3]
        var table = UaeTable.FromLinear(w, 4, 3, [10, 20, 30, 40], [1, 3]);
        Assert.Equal([10f + 0, 20 + 3, 30 + 6, 40 + 9], table.Vectors[0]); // W[:, 0] + b
        Assert.Equal([10f + 2, 20 + 5, 30 + 8, 40 + 11], table.Vectors[2]);
        string dir = TinyData.TempDir();
        ElementTableIO.WriteUaeFolder(table.ToElementTable("t"), dir);
        var csv = File.ReadAllLines(Path.Combine(dir, ElementTableIO.UaeFiles.Csv));
        Assert.Equal("element,f0,f1,f2,f3", csv[0]);
        Assert.Equal(["H", "Li"], csv.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(["He"], File.ReadAllLines(Path.Combine(dir, ElementTableIO.UaeFiles.Untrained)));
        using var atomInit = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ElementTableIO.UaeFiles.AtomInit)));
        Assert.Equal(["1", "2", "3"], atomInit.RootElement.EnumerateObject().Select(p => p.Name));
        using var ee = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ElementTableIO.UaeFiles.ElementEmbeddingsJson)));
        Assert.Equal(["H", "Li"], ee.RootElement.EnumerateObject().Select(p => p.Name));
        var back = ElementTableIO.ReadUaeFolder(dir);
        Assert.True(back.IsUntrained(PeriodicTable.Get(2)));
        Assert.Equal(table.Vectors[2].Select(v => (double)v), back.Vector(PeriodicTable.Get(3)));
    }

    [Theory]
    [InlineData("authors_checkpoint.pth.tar")]
    [InlineData("authors_checkpoint_legacy.pth.tar")]
    public void ImportsTheAuthorsCheckpointWithoutPython(string file)
    {
        var table = UaeExtraction.FromTorchCheckpoint(Fixture(file));
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture("expected_uae.json")));
        foreach (var z in expected.RootElement.EnumerateObject())
        {
            var want = z.Value.EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(want, table.Vectors[int.Parse(z.Name) - 1]);
        }
        Assert.Equal(100, table.MaxZ);
        Assert.Equal(128, table.Width);
    }

    [Fact]
    public void CheckpointReaderReadsPlainValuesAndTensors()
    {
        var root = (Dictionary<object, object?>)TorchCheckpointReader.Read(Fixture("authors_checkpoint.pth.tar"))!;
        Assert.Equal(42L, root["epoch"]);
        var normalizer = (Dictionary<object, object?>)root["normalizer"]!;
        Assert.Equal(1.39f, ((PickledTensor)normalizer["mean"]!).ToFloatArray()[0], 5);
        var args = (PickledObject)root["args"]!;
        Assert.Equal("argparse.Namespace", args.Type);
        Assert.Equal(128L, args.Attributes["batch_size"]);
        Assert.Equal("regression", args.Attributes["task"]);
        var state = (Dictionary<object, object?>)root["state_dict"]!;
        Assert.Equal([128L, 100L], ((PickledTensor)state["atom_embed.weight"]!).Shape);
        Assert.Contains("transformer_encoder.layers.0.self_attn.in_proj_weight", state.Keys);
    }

    [Fact]
    public void CheckpointReaderRefusesCodeAndGarbage()
    {
        var e = Assert.Throws<InputError>(() => UaeExtraction.FromTorchCheckpoint(Fixture("malicious_checkpoint.pth.tar")));
        Assert.Contains("system", e.Message);
        Assert.Contains("malicious_checkpoint", e.Message);
        string junk = Path.Combine(TinyData.TempDir(), "junk.pth.tar");
        File.WriteAllBytes(junk, [1, 2, 3, 4, 5]);
        Assert.Throws<InputError>(() => UaeExtraction.FromTorchCheckpoint(junk));
        var full = File.ReadAllBytes(Fixture("authors_checkpoint_legacy.pth.tar"));
        File.WriteAllBytes(junk, full[..(full.Length / 2)]);
        Assert.Throws<InputError>(() => UaeExtraction.FromTorchCheckpoint(junk));
    }
}

public class ShippedUaeTests
{
    [Theory]
    [InlineData("ct-uae-perov5-st", 56)]
    [InlineData("ct-uae-perov5-mt", 56)]
    [InlineData("ct-uae-mp", 86)]
    public void ShippedTablesResolveByName(string name, int trained)
    {
        var table = ElementTableIO.Load(name);
        Assert.Equal(128, table.Dimension);
        Assert.Equal(trained, table.Trained.Count);
        Assert.Equal(100 - trained, table.Untrained.Count);
        Assert.True(table.IsTrained(PeriodicTable.Get("O")));
        Assert.True(table.IsUntrained(PeriodicTable.Get("He")));
    }
}
