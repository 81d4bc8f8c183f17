using CrystalTransformer.Analysis;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

public class BuiltInDataSetsTests
{
    [Theory]
    [InlineData("nomad-2018", "nomad2018")]
    [InlineData(" NOMAD ", "nomad2018")]
    [InlineData("perov_5", "perov5")]
    [InlineData("mp", "mp-compositions")]
    public void EveryAliasNamesTheSameDataSetInEveryLayer(string alias, string name)
    {
        var set = BuiltInDataSets.Get(alias);
        Assert.Equal(name, set.Name);
        Assert.True(File.Exists(set.Path), set.Path);
        Assert.Equal(name, DataSets.Canonical(alias));
        Assert.Equal(set.Path, DataSets.PathOf(alias));
        Assert.Equal(set.CompositionOnly, DataSets.IsCompositionOnly(alias));
    }

    [Fact]
    public void PretrainingAcceptsTheAliasesTrainingAccepts()
    {
        var (byAlias, sources) = Pretraining.Load(["nomad-2018"], ["formation_energy_ev_natom"], splitSeed: 7, trainSize: null);
        var byName = DataSets.Load("nomad2018", ["formation_energy_ev_natom"], splitSeed: 7);
        Assert.Equal("nomad2018", sources[0].Dataset);
        Assert.Equal(byName.DataHash, byAlias.DataHash);
        // The fixed split of NOMAD-2018 ignores the split seed, through either command.
        Assert.Equal(byName.Splits, byAlias.Splits);
        Assert.Equal(LabelledData.RandomSplit(2400, BuiltInDataSets.Nomad2018.SplitSeed!.Value), byAlias.Splits);
    }

    [Fact]
    public void TheCompoundViewDrawsTheRegisteredOverviewTargets()
    {
        var perov5 = CompoundDataset.Resolve("perov_5");
        Assert.Equal(["heat_ref", "ind_gap"], perov5.Properties!.Select(p => p.Column));
        Assert.Equal("formula", perov5.FormulaColumn);
        var mp = CompoundDataset.Resolve("mp-compositions");
        Assert.Equal(("mp", "composition"), (mp.Name, mp.FormulaColumn));
        Assert.Contains("perov5, mp-compositions", Assert.Throws<InputError>(() => CompoundDataset.Resolve("nomad2018")).Message);
    }

    [Fact]
    public void UnknownNamesAreErrorsListingTheBuiltInSets() =>
        Assert.Contains("perov5, nomad2018, mp-compositions", Assert.Throws<InputError>(() => BuiltInDataSets.Get("oqmd")).Message);
}
