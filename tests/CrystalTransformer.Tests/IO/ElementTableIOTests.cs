using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.IO;

public sealed class ElementTableIOTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-tables-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static Element E(string s) => PeriodicTable.Get(s);

    // Element counts and dimensions documented in data/embeddings/README.md.
    [Theory]
    [InlineData("cgcnn92", 100, 92)]
    [InlineData("megnet16", 94, 16)]
    [InlineData("mat2vec", 118, 200)]
    [InlineData("magpie", 97, 22)]
    [InlineData("magpie_sc", 97, 22)]
    [InlineData("oliynyk", 85, 44)]
    [InlineData("oliynyk_sc", 85, 44)]
    [InlineData("skipatom", 86, 200)]
    [InlineData("matscholar", 103, 200)]
    [InlineData("cgnf", 100, 90)]
    [InlineData("xenonpy", 94, 58)]
    [InlineData("random_200", 118, 200)]
    public void BuiltInTablesLoadWithTheDocumentedSize(string name, int elements, int dimension)
    {
        var t = ElementTableIO.Load(name);
        Assert.Equal(name, t.Name);
        Assert.Equal(elements, t.Elements.Count);
        Assert.Equal(dimension, t.Dimension);
        Assert.Empty(t.Untrained);
        Assert.Empty(t.FilledValues);
        Assert.Equal(t.Elements, t.Elements.OrderBy(e => e.Z));
    }

    [Fact]
    public void BuiltInNamesCoverTheDocumentedSetsAndSomeKnownValues()
    {
        Assert.False(ElementTableIO.Load("oliynyk").Covers(E("Pu")));
        Assert.True(ElementTableIO.Load("random_200").Covers(E("Og")));
        // magpie f0 is the atomic number, f1 the Mendeleev number.
        var magpie = ElementTableIO.Load("MAGPIE");
        Assert.All(magpie.Elements, e => Assert.Equal(e.Z, magpie[e][0]));
    }

    [Fact]
    public void CgcnnAtomInitJsonEqualsTheSymbolKeyedCsv()
    {
        var json = ElementTableIO.Read(BuiltInData.PathOf("embeddings", "cgcnn92.json.gz"));
        var csv = ElementTableIO.Load("cgcnn92");
        Assert.Equal(csv.Elements, json.Elements);
        foreach (var e in csv.Elements) Assert.Equal(csv.Vector(e), json.Vector(e));
    }

    [Fact]
    public void OneHotAndRandomSpecifications()
    {
        Assert.Equal(100, ElementTableIO.Load("onehot").Dimension);
        Assert.Equal(20, ElementTableIO.Load("onehot:20").Elements.Count);
        var r = ElementTableIO.Load("random", seed: 3);
        Assert.Equal(128, r.Dimension);
        Assert.Equal(ElementTable.Random(128, 3).Vector(E("O")), r.Vector(E("O")));
        Assert.Equal(ElementTable.Random(16, 9).Vector(E("O")), ElementTableIO.Load("random:16:9", seed: 3).Vector(E("O")));
        Assert.Contains("'x' is not an integer", Assert.Throws<InputError>(() => ElementTableIO.Load("random:x")).Message);
        Assert.Contains("unknown embedding 'nosuch'", Assert.Throws<InputError>(() => ElementTableIO.Load("nosuch")).Message);
    }

    [Fact]
    public void CsvWithEmptyCellsFillsThemWithTheColumnMean()
    {
        string path = Write("t.csv", "element,a,b\nH,1,\nHe,3,4\nLi,,8\n");
        var t = ElementTableIO.Read(path);
        Assert.Equal("t", t.Name);
        Assert.Equal(["a", "b"], t.ColumnNames);
        Assert.Equal([1.0, 6.0], t.Vector(E("H")));
        Assert.Equal([2.0, 8.0], t.Vector(E("Li")));
        Assert.Equal(2, t.FilledValues.Count);
    }

    [Theory]
    [InlineData("element,f0,f1\nH,1,2\nHe,1,zz\n", "t.csv:3: column 'f1' of He: 'zz' is not a finite number")]
    [InlineData("element,f0,f1\nH,1,2\nHe,1\n", "t.csv:3: row has 2 fields, the header has 3")]
    [InlineData("element,f0\nH,1\nXx,2\n", "t.csv:3: unknown element symbol 'Xx'")]
    [InlineData("element,f0\nH,1\nHe,2\nH,3\n", "t.csv:4: element H appears twice (first on line 2)")]
    [InlineData("element,f0\nH,inf\n", "t.csv:2: column 'f0' of H: 'inf' is not a finite number")]
    [InlineData("", "t.csv: file is empty")]
    [InlineData("element,f0\n", "t.csv: no element rows after the header")]
    [InlineData("element\nH\n", "t.csv:1: header must be 'element,f0,...' with at least one value column")]
    public void CsvErrorsAreOneLineWithFileAndRow(string text, string expected)
    {
        string path = Write("t.csv", text);
        var ex = Assert.Throws<InputError>(() => ElementTableIO.Read(path));
        Assert.Equal(expected, ex.Message.Replace(path, "t.csv"));
    }

    [Fact]
    public void ElementEmbeddingsJsonSkipsTheNullPaddingRowAndReadsNullAsMissing()
    {
        string path = Write("megnet_like.json", """{"Null": [0, 0], "O": [1.5, null], "H": [0.5, 2], "Fe": [1, 4]}""");
        var t = ElementTableIO.Read(path);
        Assert.Equal([E("H"), E("O"), E("Fe")], t.Elements);
        Assert.Equal([1.5, 3.0], t.Vector(E("O")));
    }

    [Fact]
    public void ScalarElementEmbeddingsJsonBecomesOneHotAsThePackageDoes()
    {
        string path = Write("petti.json", """{"H": 2, "He": 0, "Li": 1}""");
        var t = ElementTableIO.Read(path);
        Assert.Equal([0.0, 0.0, 1.0], t.Vector(E("H")));
        Assert.Equal([1.0, 0.0, 0.0], t.Vector(E("He")));
        Assert.Contains("integer positions 0..2", Assert.Throws<InputError>(() =>
            ElementTableIO.Read(Write("bad.json", """{"H": 2.5, "He": 0, "Li": 1}"""))).Message);
    }

    [Theory]
    [InlineData("""{"H": [1, 2], "He": [1]}""", "key \"He\" has 1 values, \"H\" has 2")]
    [InlineData("""{"H": [1, "a"]}""", "key \"H\", entry 1: '\"a\"' is not a number")]
    [InlineData("""{"Hx": [1]}""", "key \"Hx\" is not an element symbol")]
    [InlineData("""{"1": [1], "119": [2]}""", "key \"119\" is not an atomic number 1..118")]
    [InlineData("""[1, 2]""", "expected a JSON object keyed by element")]
    [InlineData("""{"H": [1], "H": [2]}""", "element H appears twice")]
    [InlineData("{\"H\": [1,\n 2", "t.json:2: not valid JSON")]
    public void JsonErrorsAreOneLine(string text, string expectedPart)
    {
        string path = Write("t.json", text);
        var ex = Assert.Throws<InputError>(() => ElementTableIO.Read(path));
        Assert.Contains(expectedPart, ex.Message.Replace(path, "t.json"));
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void WritersRoundTripExactly()
    {
        var t = ElementTable.Random(7, 5, maxZ: 100);
        string csv = Path.Combine(_dir, "r.csv.gz"), atomInit = Path.Combine(_dir, "atom_init.json"), ee = Path.Combine(_dir, "ee.json");
        ElementTableIO.WriteCsv(t, csv);
        ElementTableIO.WriteAtomInit(t, atomInit);
        ElementTableIO.WriteElementEmbeddingsJson(t, ee);
        Assert.StartsWith("{\"1\":[", File.ReadAllText(atomInit));
        Assert.StartsWith("{\"H\":[", File.ReadAllText(ee));
        foreach (var back in new[] { ElementTableIO.Read(csv), ElementTableIO.Read(atomInit), ElementTableIO.Read(ee) })
        {
            Assert.Equal(t.Elements, back.Elements);
            Assert.Equal(t.ToDenseSingle(), back.ToDenseSingle());
            foreach (var e in t.Elements) Assert.Equal(t.Vector(e), back.Vector(e));
        }
    }

    [Property(MaxTest = 30)]
    public bool CsvRoundTripPreservesEveryValue(int seed, bool gz)
    {
        var rng = new Random(seed);
        var elements = PeriodicTable.Elements.Where(_ => rng.NextDouble() < 0.3).DefaultIfEmpty(PeriodicTable.Get(1)).ToList();
        int dim = 1 + rng.Next(5);
        var t = ElementTable.FromRows("p", elements.Select(e =>
            (e, (IReadOnlyList<double>)Enumerable.Range(0, dim).Select(_ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30))).ToArray())));
        string path = Path.Combine(_dir, $"p{seed}.csv" + (gz ? ".gz" : ""));
        ElementTableIO.WriteCsv(t, path);
        var back = ElementTableIO.Read(path);
        return back.Elements.SequenceEqual(t.Elements) && t.Elements.All(e => back.Vector(e).SequenceEqual(t.Vector(e)));
    }

    [Fact]
    public void UaeFolderRoundTripFlagsUntrainedRowsAndRunDirectoriesWork()
    {
        var rows = ElementTable.Random(4, 1, maxZ: 100);
        var uae = ElementTable.FromRows("uae", rows.Elements.Select(e => (e, (IReadOnlyList<double>)rows.Vector(e))),
            untrained: [E("He"), E("Ne"), E("Fm")]);
        string run = Path.Combine(_dir, "myrun");
        ElementTableIO.WriteUaeFolder(uae, Path.Combine(run, "embedding"));
        Assert.Equal("He\nNe\nFm\n", File.ReadAllText(Path.Combine(run, "embedding", "untrained.txt")));
        Assert.Equal(98, File.ReadAllLines(Path.Combine(run, "embedding", "uae.csv")).Length);   // header + 97 trained

        foreach (string path in new[] { run, Path.Combine(run, "embedding") })
        {
            var back = ElementTableIO.Load(path);
            Assert.Equal("myrun", back.Name);
            Assert.Equal(100, back.Elements.Count);
            Assert.Equal([E("He"), E("Ne"), E("Fm")], back.Untrained);
            Assert.Equal(uae.Vector(E("Ne")), back.Vector(E("Ne")));
            Assert.Equal(uae.Vector(E("U")), back.Vector(E("U")));
        }
        // Without atom_init.json only the trained rows exist (a folder whose SHA256SUMS lists it is incomplete instead).
        File.Delete(Path.Combine(run, "embedding", "atom_init.json"));
        Assert.Contains("lists atom_init.json, which is missing", Assert.Throws<InputError>(() => ElementTableIO.Load(run)).Message);
        File.Delete(Path.Combine(run, "embedding", "SHA256SUMS"));
        var trainedOnly = ElementTableIO.Load(run);
        Assert.Equal(97, trainedOnly.Elements.Count);
        Assert.False(trainedOnly.Covers(E("He")));
    }

    [Fact]
    public void WritingAUaeFolderRemovesTheTemporaryFilesOfAKilledWriter()
    {
        // Found by the kill campaign: ct pretrain killed while writing embedding/ left a temporary file behind for good.
        string dir = Path.Combine(_dir, "uae-killed");
        Directory.CreateDirectory(dir);
        string stale = Path.Combine(dir, ".atom_init.json.999999999.5327ef5ae8ab43a39da9e39d392e0896.tmp");
        File.WriteAllText(stale, "{ half");
        ElementTableIO.WriteUaeFolder(ElementTable.Random(3, 2, maxZ: 10), dir);
        Assert.False(File.Exists(stale));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void UaeFolderWhoseFilesDisagreeIsRejected()
    {
        var t = ElementTable.Random(3, 2, maxZ: 10);
        string dir = Path.Combine(_dir, "uae");
        ElementTableIO.WriteUaeFolder(t, dir);
        File.WriteAllText(Path.Combine(dir, "untrained.txt"), "O\n");
        Assert.Contains("untrained.txt: content does not match its sha256", Assert.Throws<InputError>(() => ElementTableIO.Load(dir)).Message);
        // A list that repeats a file (a damaged SHA256SUMS; fuzzing found 50,000 repeats) is refused at the repeat, not hashed per line.
        string sums = Path.Combine(dir, "SHA256SUMS");
        string original = File.ReadAllText(sums);
        string uaeLine = original.Split('\n').First(l => l.EndsWith("  uae.csv", StringComparison.Ordinal));
        File.WriteAllText(sums, uaeLine + "\n" + string.Concat(Enumerable.Repeat(uaeLine + "\n", 50_000)));
        Assert.EndsWith("SHA256SUMS:2: lists uae.csv twice (lines 1 and 2): damaged file", Assert.Throws<InputError>(() => ElementTableIO.Load(dir)).Message);
        File.Delete(sums); // edited by hand: what the files say is checked next
        Assert.Contains("which atom_init.json lacks or untrained.txt marks untrained",
            Assert.Throws<InputError>(() => ElementTableIO.Load(dir)).Message);
        File.WriteAllText(Path.Combine(dir, "untrained.txt"), "Qq\n");
        Assert.EndsWith("untrained.txt:1: unknown element symbol 'Qq'", Assert.Throws<InputError>(() => ElementTableIO.Load(dir)).Message);
        Assert.Contains("not a ct embed folder", Assert.Throws<InputError>(() => ElementTableIO.Load(_dir)).Message);
    }
}
