using System.Text.Json.Nodes;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;

namespace CrystalTransformer.Tests.Reproduce;

public class TableProvenanceTests
{
    private static readonly string[] HeldOut = ["Cs", "Fe", "Mo", "Pt", "Sn", "Zr"];

    /// <summary>A provenance.json as <c>ct pretrain</c> writes it.</summary>
    internal static JsonObject Provenance(string dataset, string[] parts, string[] elements, string? sha256 = null, int? trainCount = 6397) => new()
    {
        ["format"] = UaeProvenance.Format,
        ["sources"] = new JsonArray(new JsonObject
        {
            ["dataset"] = dataset, ["sha256"] = sha256 ?? "f00d", ["targets"] = new JsonArray("heat_ref"), ["split"] = "column 'split' of the data",
            ["parts"] = new JsonArray(parts.Select(p => (JsonNode)p).ToArray()), ["train_count"] = trainCount, ["train_subset"] = null,
            ["elements"] = new JsonArray(elements.Select(e => (JsonNode)e).ToArray()),
        }),
    };

    private static IReadOnlyList<ProvenanceSource> Sources(JsonObject p) => UaeProvenance.Parse(p, "test");

    private static readonly IReadOnlyList<ProvenanceSource> Perov5TrainVal = Sources(Provenance("perov5", ["train", "validation"], ["Ag", "Al", "Fe", "O", "N"]));
    private static readonly IReadOnlyList<ProvenanceSource> Mp = Sources(Provenance("mp-compositions", ["train", "validation"], ["Fe", "O", "Cs", "Zr"], trainCount: 67436));

    [Fact]
    public void ATablePretrainedOnTheTrainingLabelsIsNotCleanOnSubsetsOfThem()
    {
        var e = Cleanliness.Judge(Perov5TrainVal, pretrained: true, Profiles.Perov5, subset: true, []);
        Assert.False(e.Clean);
        Assert.StartsWith("not clean: pretrained on the labels of perov5's training part (6,397 crystals)", e.Label);
        // The whole training part: the same labels the back-end trains on, nothing more: clean.
        Assert.True(Cleanliness.Judge(Perov5TrainVal, true, Profiles.Perov5, subset: false, []).Clean);
    }

    [Fact]
    public void OnPerov5OodASourceThatSawAHeldOutElementIsNotClean()
    {
        var e = Cleanliness.Judge(Perov5TrainVal, true, Profiles.Perov5Ood, subset: false, HeldOut);
        Assert.False(e.Clean);
        Assert.Contains("held-out element Fe", e.Label);
        var without = Sources(Provenance("perov5", ["train", "validation"], ["Ag", "Al", "O"]));
        Assert.True(Cleanliness.Judge(without, true, Profiles.Perov5Ood, false, HeldOut).Clean);
    }

    [Fact]
    public void UsingTheTestPartIsNeverClean()
    {
        var sources = Sources(Provenance("perov5", ["train", "validation", "test"], ["O"]));
        var e = Cleanliness.Judge(sources, true, Profiles.Perov5, subset: false, []);
        Assert.False(e.Clean);
        Assert.Contains("test part", e.Label);
    }

    [Fact]
    public void OtherDataSetsAreCleanUnknownIsNotAndPublishedTablesAre()
    {
        // MP compositions contain held-out elements, but they are another data set.
        Assert.Equal(Eligibility.CleanPretrained, Cleanliness.Judge(Mp, true, Profiles.Perov5Ood, false, HeldOut));
        Assert.Equal(Eligibility.CleanPretrained, Cleanliness.Judge(Mp, true, Profiles.Perov5, true, []));
        Assert.Equal(Eligibility.Unknown, Cleanliness.Judge(null, true, Profiles.Perov5, true, []));
        Assert.False(Eligibility.Unknown.Clean);
        Assert.Equal(Eligibility.Published, Cleanliness.Judge(null, pretrained: false, Profiles.Perov5, true, []));
        Assert.True(Eligibility.Published.Clean);
        Assert.Equal("published table (not pretrained here)", Eligibility.Published.Label);
    }

    [Fact]
    public void NomadRowsAreSanityRowsWhateverTheTable()
    {
        Assert.Equal(Eligibility.Sanity, Cleanliness.Judge(Mp, true, Profiles.Nomad, true, []));
        Assert.Equal(Eligibility.Sanity, Cleanliness.Judge(null, false, Profiles.Nomad, false, []));
        Assert.False(Eligibility.Sanity.Clean);
        Assert.Contains("4 elements", Eligibility.Sanity.Label);
    }

    [Fact]
    public void AUserFileWithTheSameBytesIsTheSameDataSet()
    {
        var file = Sources(Provenance("file:my-perovskites.csv", ["train"], ["O"], sha256: "AB12"));
        Assert.True(Cleanliness.Judge(file, true, Profiles.Perov5, true, []).Clean);
        Assert.False(Cleanliness.Judge(file, true, Profiles.Perov5, true, [], underlyingSha256: "ab12").Clean);
    }

    [Fact]
    public void ProvenanceIsFoundInTheTableFolderOrTheRunAboveIt()
    {
        string run = TinyData.TempDir();
        string folder = Path.Combine(run, "embedding");
        Directory.CreateDirectory(folder);
        Assert.Null(UaeProvenance.Find(folder));
        File.WriteAllText(Path.Combine(run, UaeProvenance.FileName), Provenance("perov5", ["train"], ["O"]).ToJsonString());
        Assert.NotNull(UaeProvenance.Find(folder));
        File.WriteAllText(Path.Combine(folder, UaeProvenance.FileName), Provenance("mp-compositions", ["train"], ["O"]).ToJsonString());
        Assert.Equal("mp-compositions", (string?)UaeProvenance.Find(folder)!["sources"]![0]!["dataset"]);
    }

    [Theory]
    [InlineData("{\"format\":\"other/1\",\"sources\":[]}", "format")]
    [InlineData("{\"format\":\"ct-uae-provenance/1\",\"sources\":[]}", "no sources")]
    [InlineData("{\"format\":\"ct-uae-provenance/1\",\"sources\":[{\"dataset\":\"perov5\",\"elements\":[]}]}", "no parts")]
    [InlineData("not json", "not valid JSON")]
    public void MalformedProvenanceIsAnErrorNamingTheFile(string text, string message)
    {
        string folder = TinyData.TempDir();
        File.WriteAllText(Path.Combine(folder, UaeProvenance.FileName), text);
        var e = Assert.Throws<InputError>(() => UaeProvenance.Find(folder));
        Assert.Contains(message, e.Message);
        Assert.Contains(UaeProvenance.FileName, e.Message);
    }

    [Theory]
    [InlineData("ct-uae-mp", new[] { "ct-uae-mp" })]
    [InlineData("std:ct-uae-mp+std:cgcnn92", new[] { "ct-uae-mp" })]
    [InlineData("pca:8:ct-uae-perov5-mt+ct-uae-mp+ct-uae-mp", new[] { "ct-uae-perov5-mt", "ct-uae-mp" })]
    [InlineData("std:magpie", new string[0])]
    [InlineData("runs/uae/ct-uae-mp-0123abcd/embedding", new string[0])]
    [InlineData("ct-uae-mp.csv", new string[0])]
    public void CtUaeNamesAreFoundInsideTableSpecifications(string spec, string[] names) =>
        Assert.Equal(names, UaeCatalog.NamesIn(spec));

    [Fact]
    public void NamesInASpecificationCanBeReplacedByTheirFolders() =>
        Assert.Equal("std:/u/mp/embedding+std:cgcnn92", UaeCatalog.Substitute("std:ct-uae-mp+std:cgcnn92", n => "/u/mp/embedding"));
}
