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
        // 3 models × (9 baseline tables + 5 ct-UAEs) × 2 modes × 12 data set sizes × 3 seeds.
        Assert.Equal(3 * 14 * 2 * (3 + 4 + 4 + 1) * 3, cells.Count);
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
        // All tables of seed 0 on the first data set, of both blocks, come before any cell of seed 1.
        int firstSeed1 = cells.ToList().FindIndex(c => c.Seed == 1);
        Assert.Equal(4, cells.Take(firstSeed1).Count(c => c.Mode == GridCell.Frozen));
        Assert.Equal(2, cells.Take(firstSeed1).Count(c => c.Mode == GridCell.FineTune));
        Assert.All(cells.Take(firstSeed1), c => Assert.Equal((Profiles.Nomad, 0), (c.Dataset, c.Seed)));
        // A profile of one block keeps the plain nested order: data set, size, seed, model, table, mode.
        var full = Profiles.Full.Expand();
        Assert.Equal(new GridCell("cgcnn", "onehot", GridCell.Frozen, Profiles.Perov5, Profiles.HeatRef, 200, 0), full[0]);
        Assert.Equal(new GridCell("cgcnn", "onehot", GridCell.FineTune, Profiles.Perov5, Profiles.HeatRef, 200, 0), full[1]);
        Assert.Equal(new GridCell("cgcnn", "random_200", GridCell.Frozen, Profiles.Perov5, Profiles.HeatRef, 200, 0), full[2]);
    }

    [Fact]
    public void TransferProfilesAreCgcnnWithTableVariantsAndTheEncoderOnSmallAndNewData()
    {
        var p = Profiles.Get("transfer-wide");
        var cells = p.Expand();
        Assert.False(p.MayPretrain);
        // 7 frozen tables + 2 tables × 3 tuned modes + 1 encoder cell, on 4 perov5 sizes and perov5-ood, 5 seeds.
        Assert.Equal((7 + 2 * 3 + 1) * (4 + 1) * 5, cells.Count);
        Assert.Equal(cells.Count, cells.Select(c => c.Key).Distinct().Count());
        Assert.Equal([0, 1, 2, 3, 4], cells.Select(c => c.Seed).Distinct().Order());
        Assert.Equal(new int?[] { null, 100, 200, 500, 1000 }, cells.Select(c => c.TrainSize).Distinct().Order());
        Assert.All(cells, c => Assert.Equal(Profiles.HeatRef, c.Target));
        Assert.Equal(new[] { "onehot", "cgcnn92", "megnet16", "mat2vec", "std:magpie", "ct-uae-mp", "std:ct-uae-mp+std:cgcnn92" },
            cells.Where(c => c.Mode == GridCell.Frozen).Select(c => c.Embedding).Distinct());
        Assert.Equal(new[] { "finetune:1e-4", "finetune:1e-3", "l2sp:1e-3" }, cells.Where(c => CellMode.IsTunedVariant(c.Mode)).Select(c => c.Mode).Distinct());
        Assert.Equal(new[] { "ct-uae-mp", "cgcnn92" }, cells.Where(c => CellMode.IsTunedVariant(c.Mode)).Select(c => c.Embedding).Distinct());
        var encoder = cells.Where(c => c.Mode == GridCell.Encoder).ToArray();
        Assert.Equal(5 * 5, encoder.Length);
        Assert.All(encoder, c => Assert.Equal(("transformer", "mp-composition"), (c.Model, c.Embedding)));
        Assert.All(cells.Where(c => c.Mode != GridCell.Encoder), c => Assert.Equal("cgcnn", c.Model));
        Assert.All(cells, c => CellMode.Parse(c.Mode));

        // The measured transfer profile: a subset of the wide grid's cells.
        var core = Profiles.Get("transfer").Expand();
        Assert.False(Profiles.Transfer.MayPretrain);
        // (3 frozen tables + 2 tables × 2 fine-tuning rates + 1 encoder cell) × (perov5 200 and 1,000 + perov5-ood) × 5 seeds.
        Assert.Equal((3 + 2 * 2 + 1) * 3 * 5, core.Count);
        Assert.Subset(cells.Select(c => c.Key).ToHashSet(), core.Where(c => c.Mode != "finetune:1").Select(c => c.Key).ToHashSet()); // (superset, subset)
        Assert.Equal(new[] { "onehot", "cgcnn92", "ct-uae-mp" }, core.Where(c => c.Mode == GridCell.Frozen).Select(c => c.Embedding).Distinct());
        Assert.Equal(new[] { "finetune:1e-3", "finetune:1" }, core.Where(c => CellMode.IsTunedVariant(c.Mode)).Select(c => c.Mode).Distinct());
        Assert.Equal(new int?[] { null, 200, 1000 }, core.Select(c => c.TrainSize).Distinct().Order());
        Assert.All(core, c => Assert.Equal(Profiles.Transfer.BudgetFor(c), p.BudgetFor(c)));
    }

    [Theory]
    [InlineData("cgcnn", "perov5", 100, 200, 32)]
    [InlineData("cgcnn", "perov5", 200, 120, 32)]
    [InlineData("cgcnn", "perov5", 500, 100, 64)]
    [InlineData("cgcnn", "perov5", 1000, 60, 64)]
    [InlineData("cgcnn", Profiles.Perov5Ood, null, 30, 64)]
    [InlineData("transformer", "perov5", 100, 150, 32)]
    [InlineData("transformer", "perov5", 200, 100, 32)]
    [InlineData("transformer", "perov5", 500, 60, 64)]
    [InlineData("transformer", "perov5", 1000, 40, 64)]
    [InlineData("transformer", Profiles.Perov5Ood, null, 15, 64)]
    public void TransferBudgetsDependOnModelDataSetAndSize(string model, string dataset, int? size, int epochs, int batch)
    {
        var cell = new GridCell(model, "x", GridCell.Frozen, dataset, Profiles.HeatRef, size, 0);
        Assert.Equal(new TrainingBudget(epochs, batch), Profiles.Transfer.BudgetFor(cell));
    }

    [Fact]
    public void BudgetLookupPrefersModelDataSetAndSizeThenModelAndDataSetThenModel()
    {
        var profile = ReproductionTests.SmallProfile() with
        {
            Budgets = new Dictionary<string, TrainingBudget>
            {
                ["cgcnn"] = new(1), ["cgcnn/nomad2018"] = new(2), ["cgcnn/nomad2018/100"] = new(3), ["cgcnn/perov5-ood/all"] = new(4),
            },
        };
        var cell = new GridCell("cgcnn", "onehot", GridCell.Frozen, Profiles.Nomad, Profiles.NomadFormation, 100, 0);
        Assert.Equal(3, profile.BudgetFor(cell).Epochs);
        Assert.Equal(2, profile.BudgetFor(cell with { TrainSize = 300 }).Epochs);
        Assert.Equal(1, profile.BudgetFor(cell with { Dataset = Profiles.Perov5 }).Epochs);
        Assert.Equal(4, profile.BudgetFor(cell with { Dataset = Profiles.Perov5Ood, TrainSize = null }).Epochs);
    }

    [Theory]
    [InlineData("frozen", CellModeKind.Frozen, null)]
    [InlineData("finetune", CellModeKind.FineTune, null)]
    [InlineData("finetune:1e-4", CellModeKind.FineTune, 1e-4)]
    [InlineData("finetune:0.001", CellModeKind.FineTune, 1e-3)]
    [InlineData("l2sp:1e-3", CellModeKind.L2Sp, 1e-3)]
    [InlineData("encoder", CellModeKind.Encoder, null)]
    public void ModesParse(string text, CellModeKind kind, double? rate) => Assert.Equal(new CellMode(kind, rate), CellMode.Parse(text));

    [Theory]
    [InlineData("scratch")]
    [InlineData("finetune:")]
    [InlineData("finetune:fast")]
    [InlineData("l2sp:-1e-3")]
    [InlineData("l2sp:0")]
    public void BadModesAreOneLineErrors(string text)
    {
        var e = Assert.Throws<InputError>(() => CellMode.Parse(text));
        Assert.DoesNotContain("\n", e.Message);
        Assert.Contains("mode", e.Message);
    }

    [Fact]
    public void OnlyTheChosenRateVariantsArePickedOnValidation()
    {
        Assert.True(CellMode.IsTunedVariant("finetune:1e-3"));
        Assert.True(CellMode.IsTunedVariant("l2sp:1e-3"));
        Assert.False(CellMode.IsTunedVariant(GridCell.FineTune));
        Assert.False(CellMode.IsTunedVariant(GridCell.Frozen));
        Assert.False(CellMode.IsTunedVariant(GridCell.Encoder));
    }

    [Fact]
    public void RunDirectoryNamesAvoidColons()
    {
        var cell = new GridCell("cgcnn", "std:ct-uae-mp+std:cgcnn92", "l2sp:1e-3", Profiles.Perov5, Profiles.HeatRef, 100, 0);
        string name = cell.DirectoryName("0123456789abcdef");
        Assert.DoesNotContain(":", name);
        Assert.Equal("cgcnn_perov5_heat_ref_n100_std_ct-uae-mp+std_cgcnn92_l2sp_1e-3_s0_0123456789", name);
        var plain = new GridCell("cgcnn", "cgcnn92", GridCell.Frozen, Profiles.Perov5, Profiles.HeatRef, null, 2);
        Assert.Equal("cgcnn_perov5_heat_ref_nall_cgcnn92_frozen_s2_0123456789", plain.DirectoryName("0123456789abcdef"));
    }

    [Fact]
    public void ProfilesAreFoundByName()
    {
        Assert.Same(Profiles.Transfer, Profiles.Get("transfer"));
        Assert.Same(Profiles.TransferWide, Profiles.Get("transfer-wide"));
        Assert.Same(Profiles.Quick, Profiles.Get("Quick"));
        var e = Assert.Throws<InputError>(() => Profiles.Get("huge"));
        Assert.Contains("transfer", e.Message);
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
        var e = Assert.Throws<UsageError>(() => GridFilter.Parse([term]));
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
    public void ShardRejectsBadSpecs(string text) => Assert.Throws<UsageError>(() => Shard.Parse(text));

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

    [Fact]
    public void AStandardisedRawScaleTableIsPartOfTheIdentityAndOtherCellsKeepTheirHashes()
    {
        var cell = new GridCell("cgcnn", "magpie", "frozen", "perov5", "heat_ref", 200, 0);
        var plain = new CellConfiguration(cell, "full", 100, 64, "t", "d");
        Assert.False(plain.ToJson().ContainsKey("table_standardized")); // hashes of stores written before the rule still match
        var standardized = plain with { TableStandardized = true };
        Assert.NotEqual(plain.Hash, standardized.Hash);
        Assert.Equal(standardized, CellConfiguration.FromJson(standardized.ToJson()));
        Assert.Equal(plain, CellConfiguration.FromJson(plain.ToJson()));
    }
}
