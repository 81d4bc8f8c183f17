using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

/// <summary>
/// Every built-in element table trains CGCNN (the reference settings: SGD at 0.01, the official architecture) for one
/// epoch on 100 perov5 crystals and gives finite metrics: tables on raw physical scales are standardised by default,
/// and the model file records it.
/// </summary>
[Collection("torch")]
public class EveryTableTrainsTests
{
    private static readonly Lazy<string> Perov5Subset = new(() =>
    {
        string path = Path.Combine(TinyData.TempDir(), "perov5-100.extxyz");
        StructureIO.Write(path, StructureIO.ReadLazy(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Take(100)
            .Select(s => s.WithLabels(new Dictionary<string, double> { ["heat_ref"] = s.Label("heat_ref") })));
        return path;
    });

    public static IEnumerable<object[]> Tables() =>
        ElementTableIO.BuiltInNames.Concat(ElementTableIO.ShippedUaeNames).Append("onehot").Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Tables))]
    public void EveryBuiltInTableTrainsForAnEpoch(string table)
    {
        var messages = new List<string>();
        var request = new TrainRequest
        {
            Model = "cgcnn", Data = Perov5Subset.Value, Targets = ["heat_ref"], Embedding = table, Epochs = 1, Seed = 0,
            Output = TinyData.TempDir(),
        };
        var result = BackendTraining.Run(request, new CollectingObserver(messages), "cpu", threads: 1);
        Assert.True(double.IsFinite(result.Test["heat_ref"].Mae), $"{table}: test MAE {result.Test["heat_ref"].Mae}");
        Assert.True(double.IsFinite(result.Validation["heat_ref"].Mae));
        var (model, _) = ModelFile.Load(result.ModelPath);
        using (model)
        {
            bool raw = table is "magpie" or "oliynyk" or "xenonpy";
            Assert.Equal(raw, ((GraphModel)model).TableConfig.Standardized);
            Assert.Equal(raw, messages.Any(m => m.Contains("raw-scale columns") && m.Contains("standardised")));
            Assert.Equal(raw, BackendTraining.IsRawScale(ElementTableIO.Load(table)));
        }
    }

    private sealed class CollectingObserver(List<string> messages) : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string text) => messages.Add(text);
    }
}
