using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.Structures;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

public class ExtXyzFormatTests
{
    private static readonly ExtXyzFormat ExtXyz = ExtXyzFormat.Instance;

    private const string TwoFrames = """
        2
        Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R:3 id=nacl energy=-3.5 spacegroup=225 pbc="T T T"
        Na 0 0 0
        Cl 2.82 2.82 2.82
        1
        Lattice="0 2 2 2 0 2 2 2 0" Properties=species:S:1:pos:R:3 name="face centred copper" relaxed=T
        Cu 0 0 0
        """;

    [Fact]
    public void ReadsFramesWithLabelsInfoAndIds()
    {
        var frames = ReadAll(ExtXyz, TwoFrames, "set.extxyz");
        Assert.Equal(2, frames.Count);
        var nacl = frames[0];
        Assert.Equal("nacl", nacl.Id);
        Assert.Equal(-3.5, nacl.Labels["energy"]);
        Assert.Equal(225, nacl.Labels["spacegroup"]);
        Assert.Empty(nacl.Info);
        AssertClose(new Vec3(0.5, 0.5, 0.5), nacl.Sites[1].Frac, 1e-15);

        var cu = frames[1];
        Assert.Equal("set-2", cu.Id); // no id: file stem and frame number
        Assert.Equal("face centred copper", cu.Info["name"]);
        Assert.Equal("T", cu.Info["relaxed"]);
        Assert.Empty(cu.Labels);
        Assert.Equal(16, cu.Volume, 12);
        // Lattice rows are consecutive triples: a = (0, 2, 2).
        Assert.Equal(new Vec3(0, 2, 2), cu.Lattice.A);
    }

    [Fact]
    public void SkipsOtherColumnsByTheirDeclaredTypesAndCounts()
    {
        var text = """
            2
            Properties=tags:I:1:species:S:1:label:S:1:pos:R:3:forces:R:3:fixed:L:2:magmom:R:1 Lattice="4 0 0 0 4 0 0 0 4"
            7 Fe site_a 0 0 0 0.1 0.2 0.3 T F 2.2
            8 Fe site_b 2 2 2 -0.1 -0.2 -0.3 F F -2.2
            """;
        var s = ReadOne(ExtXyz, text);
        Assert.Equal(["Fe", "Fe"], s.Sites.Select(x => x.Element.Symbol));
        AssertClose(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac, 1e-15);
    }

    [Fact]
    public void AtomicNumbersMayReplaceSpecies()
    {
        var s = ReadOne(ExtXyz, "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=Z:I:1:pos:R:3\n26 0 0 0\n");
        Assert.Equal("Fe", s.Sites[0].Element.Symbol);
    }

    [Fact]
    public void MissingPropertiesMeansSpeciesAndPositions()
    {
        var s = ReadOne(ExtXyz, "1\nLattice=\"3 0 0 0 3 0 0 0 3\"\nFe 1.5 0 0\n");
        Assert.Equal(new Vec3(0.5, 0, 0), s.Sites[0].Frac);
    }

    [Theory]
    [InlineData("key=value", "key", "value")]
    [InlineData("key = value", "key", "value")]
    [InlineData("key=\"two words\"", "key", "two words")]
    [InlineData("key='single quoted'", "key", "single quoted")]
    [InlineData("key={1 2 3}", "key", "1 2 3")]
    [InlineData("key=[1, 2, 3]", "key", "1, 2, 3")]
    [InlineData("key=\"say \\\"hi\\\"\"", "key", "say \"hi\"")]
    [InlineData("flag", "flag", "T")]
    [InlineData("key=a=b", "key", "a=b")]
    [InlineData("key=\"\"", "key", "")]
    public void HeaderValuesAreSplitAsAseDoes(string pair, string key, string value)
    {
        var parsed = ExtXyzHeader.Parse($"Lattice=\"1 0 0 0 1 0 0 0 1\" {pair} last=1");
        Assert.Equal(value, Assert.Single(parsed, kv => kv.Key == key).Value);
        Assert.Equal("1", Assert.Single(parsed, kv => kv.Key == "last").Value);
    }

    [Theory]
    [InlineData("e=1", 1.0)]
    [InlineData("e=-2.5e-3", -2.5e-3)]
    [InlineData("e=\"7\"", 7.0)]
    [InlineData("e=nan", double.NaN)]
    [InlineData("e=inf", double.PositiveInfinity)]
    public void SingleNumbersBecomeLabels(string pair, double expected)
    {
        var s = ReadOne(ExtXyz, $"1\nLattice=\"3 0 0 0 3 0 0 0 3\" {pair}\nFe 0 0 0\n");
        Assert.Equal(expected, s.Labels["e"]);
    }

    [Theory]
    [InlineData("e=F", "F")]
    [InlineData("e=\"1 2 3\"", "1 2 3")]
    [InlineData("e=abc", "abc")]
    [InlineData("uid=123", "123")]
    public void OtherValuesBecomeInfo(string pair, string expected)
    {
        var s = ReadOne(ExtXyz, $"1\nLattice=\"3 0 0 0 3 0 0 0 3\" {pair}\nFe 0 0 0\n");
        Assert.Equal(expected, s.Info[pair.Split('=')[0]]);
    }

    [Fact]
    public void WindowsLineEndingsTabsAndBlankLinesBetweenFramesAreAccepted()
    {
        var text = TwoFrames.Replace("\nNa 0 0 0", "\nNa\t0\t0\t0").Replace("\n1\n", "\n\n1\n").Replace("\n", "\r\n") + "\r\n\r\n";
        Assert.Equal(2, ReadAll(ExtXyz, text).Count);
    }

    [Fact]
    public void NonPeriodicFrameIsAnError()
    {
        var e = ReadFails(ExtXyz, "1\nmolecule energy=-1\nH 0 0 0\n", "mol.xyz");
        Assert.Equal("mol.xyz:2: frame 1 has no Lattice=\"...\": it is a non-periodic molecule, and crystal structures need a cell", e.Message);
    }

    [Fact]
    public void PartlyPeriodicFrameIsReadWithAWarning()
    {
        var warnings = new List<string>();
        var s = ReadOne(ExtXyz, "1\nLattice=\"3 0 0 0 3 0 0 0 20\" pbc=\"T T F\"\nFe 0 0 0\n", "slab.xyz", new ReadOptions { Warning = warnings.Add });
        Assert.Equal(1, s.Count);
        Assert.Contains("slab.xyz:2: frame 1 has pbc=\"T T F\"", Assert.Single(warnings));
    }

    [Theory]
    [InlineData("2\n", "x\n", 1, "frame 1: expected the number of atoms, found 'x'")]
    [InlineData("\n1\n", "\n1 atom\n", 5, "frame 2: expected the number of atoms, found '1 atom'")]
    [InlineData("2\n", "-3\n", 1, "frame 1 declares -3 atoms")]
    [InlineData("5.64 0 0 0 5.64 0 0 0 5.64", "5.64 0 0 0 5.64 0 0 0", 2, "Lattice must hold 9 numbers (a, b, c vectors), found 8 values")]
    [InlineData("5.64 0 0 0 5.64 0 0 0 5.64", "5.64 0 0 0 5.64 0 0 0 zz", 2, "Lattice value 'zz' is not a finite number")]
    [InlineData("5.64 0 0 0 5.64 0 0 0 5.64", "5.64 0 0 0 5.64 0 0 0 0", 2, "lattice volume is zero")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=species:S:1:pos:R:2 id", 2, "pos must be R:3, found R:2")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=species:S:1:pos:R id", 2, "not a list of name:type:count triples")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=species:S:1:pos:R:3:q:X:1 id", 2, "type 'X'; expected S, R, I or L")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=species:S:1:pos:R:3:q:R:-1 id", 2, "count '-1'")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=pos:R:3 id", 2, "no species:S:1 (or Z:I:1) column")]
    [InlineData("Properties=species:S:1:pos:R:3 id", "Properties=species:S:1 id", 2, "no pos:R:3 column")]
    [InlineData("pbc=\"T T T\"", "pbc=\"T T Q\"", 2, "pbc value 'Q' is not T or F")]
    [InlineData("Cl 2.82 2.82 2.82", "Cl 2.82 2.82", 4, "frame 1, atom 2: expected 4 columns as Properties declares, found 3")]
    [InlineData("Cl 2.82 2.82 2.82", "Cl 2.82 2.82 2.82 9", 4, "expected 4 columns as Properties declares, found 5")]
    [InlineData("Cl 2.82 2.82 2.82", "Cl 2.82 2,82 2.82", 4, "frame 1, atom 2: coordinate '2,82' is not a finite number")]
    [InlineData("Cl 2.82 2.82 2.82", "Cl 2.82 1e999 2.82", 4, "coordinate '1e999' is not a finite number")]
    [InlineData("Cl 2.82 2.82 2.82", "Qq 2.82 2.82 2.82", 4, "'Qq' is not an element symbol")]
    [InlineData("Cu 0 0 0", "", 7, "frame 2 ends after 0 of 1 atoms (truncated?)")]
    public void BadInputNamesFileLineAndReason(string find, string replace, int line, string reason)
    {
        Assert.Contains(find, TwoFrames);
        var e = ReadFails(ExtXyz, ReplaceFirst(TwoFrames, find, replace), "bad.extxyz");
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith($"bad.extxyz:{line}: ", e.Message);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        int i = text.IndexOf(find, StringComparison.Ordinal);
        return text[..i] + replace + text[(i + find.Length)..];
    }

    [Fact]
    public void TruncatedAfterTheCountIsAnError()
    {
        var e = ReadFails(ExtXyz, "3\n", "t.xyz");
        Assert.Equal("t.xyz:2: file ends before the comment line of frame 1 (truncated?)", e.Message);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var e = ReadFails(ExtXyz, "\n\n", "empty.xyz");
        Assert.Contains("holds no frames", e.Message);
    }

    [Fact]
    public void ErrorInALaterFrameComesAfterTheGoodFrames()
    {
        var text = TwoFrames.Replace("Cu 0 0 0", "Cu 0 0 x");
        var read = new List<Structure>();
        var e = Assert.Throws<InputError>(() => { foreach (var s in ExtXyz.Read(new StringReader(text), "f.xyz", ReadOptions.Default)) read.Add(s); });
        Assert.Single(read);
        Assert.Equal(7, e.Line);
    }

    [Fact]
    public void WriterRoundTripsEveryBitOfCellsPositionsLabelsAndInfo()
    {
        var lattice = new Lattice(new Vec3(3.1, 0.2, -0.1), new Vec3(-1.3, 4.7, 0.05), new Vec3(0.3, 0.1, 6.9));
        var s = new Structure(lattice,
            [new Site(PeriodicTable.Get("Ga"), new Vec3(0.1, 0.2, 0.3)), new Site(PeriodicTable.Get("O"), new Vec3(1.0 / 3, 2.0 / 3, 0.75))],
            "id with space",
            new Dictionary<string, double> { ["formation_energy"] = 0.1 + 0.2, ["gap"] = double.NaN, ["n"] = 12 },
            new Dictionary<string, string> { ["source"] = "say \"hi\" = {x}", ["phase"] = "beta" });
        var text = WriteAll(ExtXyz, s, s.WithId("second"));
        var back = ReadAll(ExtXyz, text);
        Assert.Equal(2, back.Count);
        var r = back[0];
        Assert.Equal("id with space", r.Id);
        Assert.Equal("second", back[1].Id);
        Assert.Equal(s.Lattice.Matrix, r.Lattice.Matrix);
        for (int i = 0; i < s.Count; i++) AssertClose(s.Sites[i].Frac, r.Sites[i].Frac, 1e-15);
        Assert.Equal(0.1 + 0.2, r.Labels["formation_energy"]);
        Assert.True(double.IsNaN(r.Labels["gap"]));
        Assert.Equal(12, r.Labels["n"]);
        Assert.Equal("say \"hi\" = {x}", r.Info["source"]);
        Assert.Equal("beta", r.Info["phase"]);
    }

    [Fact]
    public void WriterRefusesReservedAndUnwritableNames()
    {
        var s = new Structure(Lattice.Cubic(3), [new Site(PeriodicTable.Get("Fe"), Vec3.Zero)]);
        Assert.Contains("reserves", Assert.Throws<InputError>(() => WriteAll(ExtXyz, s.WithLabels(new Dictionary<string, double> { ["pbc"] = 1 }))).Message);
        Assert.Contains("spaces", Assert.Throws<InputError>(() => WriteAll(ExtXyz, s.WithInfo(new Dictionary<string, string> { ["a b"] = "x" }))).Message);
    }

    [Fact]
    public void SniffRecognisesExtendedXyzOnly()
    {
        Assert.True(ExtXyz.Sniff(TwoFrames));
        Assert.True(ExtXyz.Sniff("\n  2\nProperties=species:S:1:pos:R:3 Lattice=\"1 0 0 0 1 0 0 0 1\"\n"));
        Assert.False(ExtXyz.Sniff("2\nwater\nO 0 0 0\nH 1 0 0\n"));
        Assert.False(ExtXyz.Sniff("data_x\n"));
    }
}
