using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

public class StructureIOTests
{
    [Fact]
    public void Perov5CsvReadsEveryRowWithLabelsAndSplit()
    {
        var all = StructureIO.Read(BuiltInData.PathOf("perov5", "perov5.csv.gz"));
        Assert.Equal(7996, all.Count);
        var first = all[0];
        Assert.Equal("1", first.Id);
        Assert.Equal(5, first.Count);
        Assert.Equal("test", first.Info["split"]);
        Assert.Equal("TiAsO2N", first.Info["formula"]);
        Assert.Equal(1.1968013494921683, first.Labels["heat_ref"]);
        Assert.Equal(1.2, first.Labels["heat_all"]);
        Assert.False(first.Labels.ContainsKey("id"));
        Assert.Equal("TiAsNO2", first.Composition.ReducedFormula);
        Assert.Equal(3.92142376, first.Lattice.LengthA, 1e-8);
        Assert.Equal(new[] { "train", "val", "test" }.OrderBy(x => x), all.Select(s => s.Info["split"]).Distinct().OrderBy(x => x));
    }

    [Fact]
    public void ReadLazyStopsEarly()
    {
        var firstTwo = StructureIO.ReadLazy(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Take(2).ToList();
        Assert.Equal(2, firstTwo.Count);
        Assert.Equal("2", firstTwo[1].Id);
    }

    [Fact]
    public void CgcnnSampleFolderReadsIdsAndTargets()
    {
        var all = StructureIO.Read(BuiltInData.PathOf("samples", "cgcnn_cif"));
        Assert.Equal(10, all.Count);
        Assert.Equal("1000041", all[0].Id);
        Assert.Equal(1.0, all[0].Labels["target"]);
        Assert.Equal("NaCl", all[0].Composition.ReducedFormula);
        Assert.Equal(8, all[0].Count);
    }
}
