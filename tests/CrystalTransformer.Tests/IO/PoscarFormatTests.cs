using CrystalTransformer.IO;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.Structures;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

public class PoscarFormatTests
{
    private static readonly PoscarFormat Poscar = PoscarFormat.Instance;

    private const string RockSalt = """
        NaCl rock salt
        1.0
        5.64 0.0 0.0
        0.0 5.64 0.0
        0.0 0.0 5.64
        Na Cl
        1 1
        Direct
        0.0 0.0 0.0
        0.5 0.5 0.5
        """;

    [Fact]
    public void ReadsVasp5Direct()
    {
        var s = ReadOne(Poscar, RockSalt, "dir/POSCAR-NaCl.vasp");
        Assert.Equal("POSCAR-NaCl", s.Id);
        Assert.Equal("NaCl rock salt", s.Info["comment"]);
        Assert.Equal("Na1 Cl1", s.Composition.Formula);
        Assert.Equal(5.64 * 5.64 * 5.64, s.Volume, 10);
        Assert.Equal(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac);
        Assert.Null(s.Sites[0].SelectiveDynamics);
    }

    [Theory]
    [InlineData("Cartesian")]
    [InlineData("cartesian")]
    [InlineData("C")]
    [InlineData("Kartesisch")]
    [InlineData("k")]
    public void CartesianPositionsAreScaledByTheScaleFactor(string mode)
    {
        var text = $"""
            scaled
            2.0
            2.82 0 0
            0 2.82 0
            0 0 2.82
            Na Cl
            1 1
            {mode}
            0 0 0
            1.41 1.41 1.41
            """;
        var s = ReadOne(Poscar, text);
        Assert.Equal(5.64, s.Lattice.LengthA, 12);
        AssertClose(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac, 1e-12);
    }

    [Theory]
    [InlineData("Direct")]
    [InlineData("direct")]
    [InlineData("D")]
    public void DirectIsRecognisedByItsFirstLetter(string mode)
    {
        var s = ReadOne(Poscar, RockSalt.Replace("Direct", mode));
        Assert.Equal(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac);
    }

    [Fact]
    public void NegativeScaleIsTheTargetVolume()
    {
        var s = ReadOne(Poscar, RockSalt.Replace("\n1.0\n", "\n-1000\n").Replace("5.64", "2.0"));
        Assert.Equal(1000, s.Volume, 9);
        Assert.Equal(10, s.Lattice.LengthA, 12);
        Assert.Equal(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac);
    }

    [Fact]
    public void NegativeScaleAlsoScalesCartesianPositions()
    {
        var text = RockSalt.Replace("\n1.0\n", "\n-1000\n").Replace("5.64", "2.0").Replace("Direct", "Cartesian").Replace("0.5 0.5 0.5", "1 1 1");
        var s = ReadOne(Poscar, text);
        AssertClose(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac, 1e-12);
    }

    [Fact]
    public void ThreeScaleFactorsScaleTheCartesianAxes()
    {
        var text = """
            per-axis scale (VASP 6)
            1.0 2.0 3.0
            1 1 0
            0 1 1
            1 0 1
            Si
            2
            Cartesian
            0 0 0
            1 1 1
            """;
        var s = ReadOne(Poscar, text);
        var expected = new Mat3(1, 2, 0, 0, 2, 3, 1, 0, 3);
        AssertClose(expected, s.Lattice.Matrix, 1e-14);
        // Cartesian positions are scaled the same way: (1,1,1) → (1,2,3) = ½(a+b+c).
        AssertClose(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac, 1e-12);
    }

    [Fact]
    public void SelectiveDynamicsFlagsAreKept()
    {
        var text = RockSalt.Replace("Direct", "Selective dynamics\nDirect")
            .Replace("0.0 0.0 0.0\n", "0.0 0.0 0.0 F F F\n").Replace("0.5 0.5 0.5", "0.5 0.5 0.5 T .FALSE. t");
        var s = ReadOne(Poscar, text);
        Assert.Equal((false, false, false), s.Sites[0].SelectiveDynamics);
        Assert.Equal((true, false, true), s.Sites[1].SelectiveDynamics);
    }

    [Fact]
    public void VelocitiesAndPredictorCorrectorBlocksAreIgnored()
    {
        var text = RockSalt + """

            
              0.00100000E+00  0.00000000E+00 -0.00200000E+00
              0.00000000E+00  0.00300000E+00  0.00000000E+00

             t
               0.00000000E+00
             0.1 0.2 0.3 0.4
            garbage that is not read
            """;
        var s = ReadOne(Poscar, text);
        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void CommentsAndSiteLabelsAfterCoordinatesAreIgnored()
    {
        var text = RockSalt.Replace("0.0 0.0 0.0\n", "0.0 0.0 0.0 Na1 ! the cation\n").Replace("0.5 0.5 0.5", "0.5 0.5 0.5 # anion");
        var s = ReadOne(Poscar, text);
        Assert.Equal(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac);
        Assert.Equal("NaCl", s.Composition.ReducedFormula);
    }

    [Fact]
    public void WindowsLineEndingsAndTabsAreAccepted()
    {
        var text = RockSalt.Replace("\n", "\r\n").Replace(' ', '\t');
        var s = ReadOne(Poscar, text);
        Assert.Equal(new Vec3(0.5, 0.5, 0.5), s.Sites[1].Frac);
        Assert.Equal("NaCl\trock\tsalt", s.Info["comment"]);
    }

    [Fact]
    public void OldMacLineEndingsAreAccepted()
    {
        var s = ReadOne(Poscar, RockSalt.Replace("\n", "\r"));
        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void PotcarStyleSpeciesNamesGiveTheirElements()
    {
        var text = """
            POTCAR names
            1.0
            4 0 0
            0 4 0
            0 0 4
            Fe_pv O_h/a1b2c3 Mn_sv_GW H.75
            1 1 1 1
            Direct
            0 0 0
            0.5 0 0
            0 0.5 0
            0 0 0.5
            """;
        var s = ReadOne(Poscar, text);
        Assert.Equal(["Fe", "O", "Mn", "H"], s.Sites.Select(x => x.Element.Symbol));
    }

    [Fact]
    public void SpeciesAndCountsMayWrapOverSeveralLines()
    {
        // VASP writes more than 20 species groups over several lines.
        var names = Enumerable.Range(0, 23).Select(i => i % 2 == 0 ? "Fe" : "Cr").ToArray();
        var text = "wrapped\n1.0\n9 0 0\n0 9 0\n0 0 9\n"
            + string.Join(" ", names[..20]) + "\n" + string.Join(" ", names[20..]) + "\n"
            + string.Join(" ", Enumerable.Repeat("1", 20)) + "\n" + "1 1 1\n"
            + "Direct\n" + string.Concat(Enumerable.Range(0, 23).Select(i => $"{i / 23.0} 0 0\n"));
        var s = ReadOne(Poscar, text);
        Assert.Equal(23, s.Count);
        Assert.Equal(names, s.Sites.Select(x => x.Element.Symbol));
    }

    private const string Vasp4 = """
        Ga As
        1.0
        5.65 0 0
        0 5.65 0
        0 0 5.65
        1 1
        Direct
        0 0 0
        0.25 0.25 0.25
        """;

    [Fact]
    public void Vasp4TakesTheGivenSpecies()
    {
        var s = ReadOne(Poscar, Vasp4.Replace("Ga As", "my comment"), options: new ReadOptions { Species = ["In", "P"] });
        Assert.Equal("InP", s.Composition.ReducedFormula);
    }

    [Fact]
    public void Vasp4GivenSpeciesWinOverTheCommentLine()
    {
        var s = ReadOne(Poscar, Vasp4, options: new ReadOptions { Species = ["In", "P"] });
        Assert.Equal("InP", s.Composition.ReducedFormula);
    }

    [Fact]
    public void Vasp4TakesSymbolsFromTheCommentLine()
    {
        var s = ReadOne(Poscar, Vasp4);
        Assert.Equal(["Ga", "As"], s.Sites.Select(x => x.Element.Symbol));
    }

    [Fact]
    public void Vasp4TakesSymbolsWrittenAfterThePositions()
    {
        var text = Vasp4.Replace("Ga As", "no symbols here").Replace("0 0 0\n", "0 0 0 Ga\n").Replace("0.25 0.25 0.25", "0.25 0.25 0.25 As");
        var s = ReadOne(Poscar, text);
        Assert.Equal(["Ga", "As"], s.Sites.Select(x => x.Element.Symbol));
    }

    [Fact]
    public void Vasp4WithoutAnySpeciesIsAClearError()
    {
        var e = ReadFails(Poscar, Vasp4.Replace("Ga As", "relaxed structure"), "POSCAR");
        Assert.Equal(6, e.Line);
        Assert.Contains("no species names", e.Message);
    }

    [Fact]
    public void Vasp4WithTooFewGivenSpeciesIsAnError()
    {
        var e = ReadFails(Poscar, Vasp4, "POSCAR", new ReadOptions { Species = ["Ga"] });
        Assert.Contains("2 species groups", e.Message);
    }

    [Theory]
    [InlineData("5.64 0.0 0.0", "5.6x 0.0 0.0", 3, "'5.6x' is not a finite number")]
    [InlineData("0.0 0.0 5.64", "0.0 0.0", 5, "expected 3 numbers, found 2 tokens")]
    [InlineData("0.0 0.0 5.64", "0.0 0.0 NaN", 5, "'NaN' is not a finite number")]
    [InlineData("1.0\n", "abc\n", 2, "scale factor 'abc' is not a number")]
    [InlineData("1.0\n", "0\n", 2, "scale factor is zero")]
    [InlineData("1.0\n", "1.0 2.0\n", 2, "found two")]
    [InlineData("1.0\n", "1.0 -2.0 1.0\n", 2, "per-axis scale factors must all be positive")]
    [InlineData("1.0\n", "1e300\n", 3, "lattice volume overflows")]
    [InlineData("1 1\n", "1 1 1\n", 7, "2 species names but 3 atom counts")]
    [InlineData("1 1\n", "1\nDirect\n", 8, "2 species names but 1 atom counts")]
    [InlineData("1 1\n", "1 -1\n", 7, "atom count -1 is negative")]
    [InlineData("1 1\n", "1 1.5\n", 7, "atom count '1.5' is not a whole number")]
    [InlineData("1 1\n", "0 0\n", 7, "no atoms")]
    [InlineData("Na Cl", "Na Xq", 6, "'Xq' is not an element symbol")]
    [InlineData("Direct", "Fractional", 8, "expected 'Direct' or 'Cartesian', found 'Fractional'")]
    [InlineData("0.5 0.5 0.5", "0.5 0.5 zz", 10, "atom position 2: 'zz' is not a finite number")]
    [InlineData("0.5 0.5 0.5", "0.5 0.5", 10, "atom position 2 of 2: expected 3 coordinates")]
    [InlineData("0.0 0.0 5.64", "0.0 0.0 0.0", 3, "lattice volume is zero")]
    [InlineData("5.64 0.0 0.0\n0.0 5.64 0.0", "5.64 0.0 0.0\n11.28 0.0 0.0", 3, "lattice volume is zero")]
    public void BadInputNamesFileLineAndReason(string find, string replace, int line, string reason)
    {
        Assert.Contains(find, RockSalt + "\n");
        var e = ReadFails(Poscar, (RockSalt + "\n").Replace(find, replace), "bad.vasp");
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith($"bad.vasp:{line}: ", e.Message);
    }

    [Fact]
    public void TruncatedPositionsAreReported()
    {
        var text = string.Join('\n', RockSalt.Split('\n')[..9]);
        var e = ReadFails(Poscar, text, "CONTCAR");
        Assert.Equal("CONTCAR:10: file ends after 1 of 2 atom positions (truncated?)", e.Message);
    }

    [Theory]
    [InlineData(1, "file is empty")]
    [InlineData(2, "file ends before the scale factor")]
    [InlineData(4, "file ends before lattice vector b")]
    [InlineData(6, "file ends before the species names or atom counts")]
    [InlineData(7, "file ends before the atom counts")]
    [InlineData(8, "file ends before the coordinate mode line")]
    public void TruncatedHeaderIsReported(int keptLines, string reason)
    {
        var text = string.Join('\n', RockSalt.Split('\n')[..(keptLines - 1)]);
        var e = ReadFails(Poscar, text, "POSCAR");
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void SelectiveDynamicsWithoutFlagsIsAnError()
    {
        var text = RockSalt.Replace("Direct", "Selective dynamics\nDirect");
        var e = ReadFails(Poscar, text, "POSCAR");
        Assert.Equal(10, e.Line);
        Assert.Contains("three T/F flags", e.Message);
    }

    [Fact]
    public void BadSelectiveDynamicsFlagIsAnError()
    {
        var text = RockSalt.Replace("Direct", "Selective dynamics\nDirect").Replace("0.0 0.0 0.0\n", "0.0 0.0 0.0 T T X\n").Replace("0.5 0.5 0.5", "0.5 0.5 0.5 T T T");
        var e = ReadFails(Poscar, text, "POSCAR");
        Assert.Contains("flag 'X' is not T or F", e.Message);
    }

    [Fact]
    public void HugeAtomCountInATruncatedFileFailsQuickly()
    {
        var e = ReadFails(Poscar, RockSalt.Replace("1 1\n", "2000000000 1\n"), "POSCAR");
        Assert.Contains("more than the limit of", e.Message);
        e = ReadFails(Poscar, RockSalt.Replace("1 1\n", "2000000000 1\n"), "POSCAR", ReadOptions.Default with { MaxSites = int.MaxValue });
        Assert.Contains("file ends after 2 of 2000000001 atom positions", e.Message);
    }

    [Fact]
    public void OverlongLineIsAnError()
    {
        var e = ReadFails(Poscar, "x" + new string('7', 3_000_000), "POSCAR");
        Assert.Contains("longer than", e.Message);
    }

    [Fact]
    public void WriterRoundTripsExactly()
    {
        var lattice = new Lattice(new Vec3(3.1, 0.2, -0.1), new Vec3(-1.3, 4.7, 0.05), new Vec3(0.3, 0.1, 6.9));
        var s = new Structure(lattice, [
            new Site(PeriodicTable.Get("Fe"), new Vec3(0.1, 0.2, 0.3)),
            new Site(PeriodicTable.Get("O"), new Vec3(1.0 / 3, 2.0 / 3, 0.999999999999)),
            new Site(PeriodicTable.Get("Fe"), new Vec3(-0.25, 1e-17, 0.5)) { SelectiveDynamics = (true, false, true) },
        ], "my-id");
        var text = WriteAll(Poscar, s);
        var back = ReadOne(Poscar, text, "x.vasp");
        Assert.Equal(s.Lattice.Matrix, back.Lattice.Matrix);
        Assert.Equal(s.Sites.Select(x => x.Frac), back.Sites.Select(x => x.Frac));
        Assert.Equal(s.Sites.Select(x => x.Element), back.Sites.Select(x => x.Element));
        Assert.Equal([(true, true, true), (true, true, true), (true, false, true)], back.Sites.Select(x => x.SelectiveDynamics!.Value));
        Assert.Equal("my-id", back.Info["comment"]);
        Assert.Contains("Fe O Fe", string.Join(" ", text.Split('\n')[5].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void WriterRefusesDisorderedSites()
    {
        var site = new Site([new Occupant(PeriodicTable.Get("Fe"), 0.5), new Occupant(PeriodicTable.Get("Ni"), 0.5)], Vec3.Zero, "M1");
        var s = new Structure(Lattice.Cubic(3), [site]);
        var e = Assert.Throws<InputError>(() => WriteAll(Poscar, s));
        Assert.Contains("site 1 (M1: Fe:0.5 Ni:0.5) is disordered", e.Message);
    }

    [Fact]
    public void WriterRefusesSeveralStructures()
    {
        var s = ReadOne(Poscar, RockSalt);
        Assert.Throws<InputError>(() => WriteAll(Poscar, s, s));
    }

    [Fact]
    public void SniffRecognisesPoscarsAndNotOtherFormats()
    {
        Assert.True(Poscar.Sniff(RockSalt));
        Assert.True(Poscar.Sniff(Vasp4));
        Assert.False(Poscar.Sniff("data_x\n_cell_length_a 5\n"));
        Assert.False(Poscar.Sniff("2\nLattice=\"5 0 0 0 5 0 0 0 5\"\nNa 0 0 0\nCl 1 1 1\n"));
        Assert.True(PoscarFormat.IsPoscarFileName("/a/b/CONTCAR"));
        Assert.True(PoscarFormat.IsPoscarFileName("POSCAR-JVASP-10.vasp"));
        Assert.False(PoscarFormat.IsPoscarFileName("x.cif"));
    }
}
