using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.Reproduce;

public class GridTests
{
    [Fact]
    public void QuickProfileIsTheKeyComparisonAndUsesNoPretraining()
    {
        var cells = Profiles.Quick.Expand();
        Assert.False(Profiles.Quick.MayPretrain);
        Assert.All(cells, c => Assert.Equal("cgcnn", c.Model));
        Assert.Equal(new[] { "cgcnn92", "ct-uae-mp", "ct-uae-perov5-mt", "onehot" }, cells.Select(c => c.Embedding).Distinct().Order());
        Assert.Equal(new[] { 0, 1, 2 }, cells.Select(c => c.Seed).Distinct().Order());
        Assert.Equal(new int?[] { 300, 1000 }, cells.Select(c => c.TrainSize).Distinct().Order());
        // 4 tables frozen + 2 ct-UAEs fine-tuned, 2 data sets, 3 seeds.
        Assert.Equal(6 * 2 * 3, cells.Count);
    }

    [Fact]
    public void FullProfileCoversEveryCombination()
    {
        var cells = Profiles.Full.Expand();
        Assert.Equal(3 * 12 * 2 * (3 + 4 + 4 + 1) * 3, cells.Count);
        Assert.Equal(cells.Count, cells.Select(c => c.Key).Distinct().Count());
        Assert.Equal(Profiles.Full.Expand().Select(c => c.Key), cells.Select(c => c.Key)); // fixed order
        Assert.Contains(cells, c => c.Dataset == Profiles.Perov5Ood && c.Embedding == UaeCatalog.Perov5Single && c.Model == "alignn");
        Assert.All(cells, c => Assert.True(Profiles.Full.BudgetFor(c).Epochs > 0));
    }

    [Fact]
    public void BudgetOfAModelOnADataSetOverridesTheModelsBudget()
    {
        var nomad = Profiles.Quick.Expand().First(c => c.Dataset == Profiles.Nomad);
        var perov5 = Profiles.Quick.Expand().First(c => c.Dataset == Profiles.Perov5);
        Assert.Equal(new TrainingBudget(20, 32), Profiles.Quick.BudgetFor(nomad));
        Assert.Equal(new TrainingBudget(25, 64), Profiles.Quick.BudgetFor(perov5));
        Assert.Throws<InputError>(() => Profiles.Quick.BudgetFor(nomad with { Model = "alignn" }));
    }

    [Fact]
    public void ExpansionOrderPutsSeedsBeforeTables()
    {
        var cells = Profiles.Quick.Expand();
        // All tables of seed 0 on the first data set come before any cell of seed 1.
        int firstSeed1 = cells.ToList().FindIndex(c => c.Seed == 1);
        Assert.Equal(4, cells.Take(firstSeed1).Count(c => c.Mode == GridCell.Frozen));
    }

    [Fact]
    public void OnlySelectsByFieldValuesAndWildcards()
    {
        var cells = Profiles.Full.Expand();
        var f = GridFilter.Parse(["model=cgcnn embedding=cgcnn92,ct-uae-* size!=all", "seed=0"]);
        var chosen = f.Apply(cells);
        Assert.NotEmpty(chosen);
        Assert.All(chosen, c =>
        {
            Assert.Equal("cgcnn", c.Model);
            Assert.True(c.Embedding == "cgcnn92" || c.Embedding.StartsWith("ct-uae-"));
            Assert.NotNull(c.TrainSize);
            Assert.Equal(0, c.Seed);
        });
        Assert.Equal(cells.Count(c => c.Model == "cgcnn" && (c.Embedding == "cgcnn92" || c.Embedding.StartsWith("ct-uae-")) && c.TrainSize is not null && c.Seed == 0),
            chosen.Count);
    }

    [Fact]
    public void OnlyAcceptsAliasesBareValuesAndIgnoresCase()
    {
        var cells = Profiles.Full.Expand();
        Assert.Equal(GridFilter.Parse(["table=MEGNET16"]).Apply(cells).Count, GridFilter.Parse(["embedding=megnet16"]).Apply(cells).Count);
        var bare = GridFilter.Parse(["perov5-ood"]).Apply(cells);
        Assert.All(bare, c => Assert.Equal(Profiles.Perov5Ood, c.Dataset));
        Assert.Equal(cells.Count(c => c.Dataset == Profiles.Perov5Ood), bare.Count);
        Assert.Equal(cells.Count, GridFilter.Parse([]).Apply(cells).Count);
    }

    [Theory]
    [InlineData("colour=red")]
    [InlineData("model=")]
    public void OnlyRejectsUnknownFieldsAndEmptyValues(string term)
    {
        var e = Assert.Throws<InputError>(() => GridFilter.Parse([term]));
        Assert.Contains("--only", e.Message);
    }

    [Property(MaxTest = 60)]
    public bool ShardsAreDisjointCoverTheGridAndRepeat(PositiveInt count)
    {
        int n = 1 + count.Get % 25;
        var cells = Profiles.Full.Expand();
        var slices = Enumerable.Range(1, n).Select(k => new Shard(k, n).Select(cells)).ToArray();
        var keys = slices.SelectMany(s => s.Select(c => c.Key)).ToArray();
        bool disjoint = keys.Length == keys.Distinct().Count();
        bool covers = keys.Order().SequenceEqual(cells.Select(c => c.Key).Order());
        bool balanced = slices.Max(s => s.Count) - slices.Min(s => s.Count) <= 1;
        bool repeats = Enumerable.Range(1, n).All(k => new Shard(k, n).Select(cells).Select(c => c.Key).SequenceEqual(slices[k - 1].Select(c => c.Key)));
        return disjoint && covers && balanced && repeats;
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void ShardRejectsBadSpecs(string text) => Assert.Throws<InputError>(() => Shard.Parse(text));

    [Fact]
    public void ConfigurationHashDependsOnTheIdentityNotTheProfileName()
    {
        var cell = new GridCell("cgcnn", "cgcnn92", GridCell.Frozen, "perov5", "heat_ref", 1000, 0);
        var a = new CellConfiguration(cell, "quick", 15, 64, "t", "d");
        Assert.Equal(a.Hash, (a with { Profile = "full" }).Hash);
        Assert.NotEqual(a.Hash, (a with { Epochs = 16 }).Hash);
        Assert.NotEqual(a.Hash, (a with { EmbeddingHash = "u" }).Hash);
        Assert.NotEqual(a.Hash, (a with { Cell = cell with { Seed = 1 } }).Hash);
        Assert.Equal(a, CellConfiguration.FromJson(a.ToJson()));
    }
}
