using System.Text;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>Broken CIFs fail with one line naming the file, the line and the reason; suspicious ones warn.</summary>
public class CifBadInputTests
{
    private const string Good = """
        data_test
        _cell_length_a 4.0
        _cell_length_b 4.0
        _cell_length_c 4.0
        _cell_angle_alpha 90
        _cell_angle_beta 90
        _cell_angle_gamma 90
        _symmetry_space_group_name_H-M 'P 1'
        loop_
        _atom_site_label
        _atom_site_type_symbol
        _atom_site_fract_x
        _atom_site_fract_y
        _atom_site_fract_z
        Na1 Na 0 0 0
        Cl1 Cl 0.5 0.5 0.5
        """;

    private static Structure Read(string text, ReadOptions? options = null) =>
        CifFormat.ReadText(text, "test.cif", options ?? ReadOptions.Default, "test").First();

    private static InputError Fails(string text, string expected, ReadOptions? options = null)
    {
        var e = Assert.Throws<InputError>(() => Read(text, options));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("test.cif", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void TheBaseFileReads() => Assert.Equal("NaCl", Read(Good).Composition.ReducedFormula);

    [Theory]
    [InlineData("_cell_length_a 4.0", "_cell_length_a 4.0x", "test.cif:2: _cell_length_a is not a number ('4.0x')")]
    [InlineData("_cell_length_a 4.0", "_cell_length_a 1e400", "test.cif:2: _cell_length_a is not a number ('1e400')")]
    [InlineData("_cell_length_b 4.0\n", "", "test.cif:1: _cell_length_b is missing")]
    [InlineData("_cell_length_c 4.0", "_cell_length_c -4", "test.cif:4: cell length c must be positive")]
    [InlineData("_cell_length_c 4.0", "_cell_length_c ?", "test.cif:1: _cell_length_c is missing")]
    [InlineData("_cell_angle_gamma 90", "_cell_angle_gamma 200", "test.cif:7: cell angle gamma must be between 0 and 180 degrees")]
    [InlineData("_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90", "_cell_angle_alpha 120\n_cell_angle_beta 120\n_cell_angle_gamma 120", "do not form a valid cell")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl 0.5.5 0.5 0.5", "test.cif:16: _atom_site_fract_x is not a number ('0.5.5')")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl nan 0.5 0.5", "test.cif:16: _atom_site_fract_x is not a number ('nan')")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl 0.5 ? 0.5", "test.cif:16: _atom_site_fract_y is unknown ('?')")]
    [InlineData("Na1 Na 0 0 0", "Xx1 Xx 0 0 0", "test.cif:15: unknown element 'Xx' in atom site Xx1")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl 0.5", "test.cif:9: loop of _atom_site_label has 8 values, not a multiple of its 5 tags (truncated or misaligned)")]
    [InlineData("_symmetry_space_group_name_H-M 'P 1'", "_symmetry_space_group_name_H-M 'Q 9 z'", "test.cif:8: space group 'Q 9 z' is not known")]
    [InlineData("_symmetry_space_group_name_H-M 'P 1'", "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y'", "test.cif:10: _symmetry_equiv_pos_as_xyz: cannot read symmetry operation 'x,y': expected 3 comma-separated components")]
    [InlineData("_symmetry_space_group_name_H-M 'P 1'", "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,q'", "unexpected 'q'")]
    [InlineData("_symmetry_space_group_name_H-M 'P 1'", "loop_\n_symmetry_equiv_pos_as_xyz\n'x,x,z'", "determinant")]
    public void BrokenValuesAreNamedWithTheirLine(string find, string replace, string expected)
    {
        Assert.Contains(find, Good);
        Fails(Good.Replace(find, replace), expected);
    }

    [Theory]
    [InlineData("loop_\n_publ_author_name\n_publ_author_address\n'A. Author'\n", "test.cif:17: loop of _publ_author_name has 1 values, not a multiple of its 2 tags")]
    [InlineData("loop_\n_publ_author_name\n", "test.cif:17: loop of _publ_author_name has no values")]
    [InlineData("loop_\nloop_\n_publ_author_name\n'A. Author'\n", "test.cif:17: loop_ has no tags")]
    public void IncompleteLoopsAnywhereAreErrors(string loop, string expected) =>
        // pymatgen refuses such a file whichever loop is broken; a partial row leaves the meaning of every value unknown
        Fails(Good + "\n" + loop, expected);

    private static readonly string Overfilled = Good.Replace("_atom_site_fract_z", "_atom_site_fract_z\n_atom_site_occupancy")
        .Replace("Na1 Na 0 0 0", "Co1 Co 0 0 0 0.778\nAl1 Al 0 0 0 0.778").Replace("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl 0.5 0.5 0.5 1.02");

    [Fact]
    public void AnOverfilledSiteIsRefusedNamingTheSiteUnlessRescalingIsAllowed()
    {
        // pymatgen's default (occupancy_tolerance 1) refuses the file; its option scales the site down to 1.
        Fails(Overfilled, "test.cif:16: site Co1 at (0, 0, 0) has total occupancy 1.556 (Co 0.778 + Al 0.778), more than 1");
        Fails(Overfilled, "site Co1", ReadOptions.Default with { OccupancyTolerance = 1.5 });
        var s = Read(Overfilled, ReadOptions.Default with { OccupancyTolerance = 1.6 });
        Assert.Equal("Al0.5 Co0.5 Cl1", s.Composition.Formula);
        Assert.All(s.Sites, site => Assert.True(site.TotalOccupancy <= 1 + 1e-12));
        Assert.Throws<InputError>(() => Read(Good, ReadOptions.Default with { OccupancyTolerance = 0.5 }));
    }

    [Fact]
    public void ImpliedHydrogensOfWaterLabelsOverfillASharedSite()
    {
        // "Wat" (2 H) and "O-H" (1 H) imply hydrogens: alone at a point the site is the oxygen; sharing the point with
        // another element the hydrogens count as whole atoms (pymatgen), so the site is overfilled.
        string water = Good.Replace("_atom_site_fract_z", "_atom_site_fract_z\n_atom_site_occupancy")
            .Replace("Na1 Na 0 0 0", "Na1 Na 0 0 0 1").Replace("Cl1 Cl 0.5 0.5 0.5", "Wat1 Wat 0.5 0.5 0.5 0.75");
        var s = Read(water);
        Assert.Equal("Na1 O0.75", s.Composition.Formula);
        Fails(water + "\nPb1 Pb 0.5 0.5 0.5 0.25", "site Wat1 at (0.5, 0.5, 0.5) has total occupancy 3 (O 0.75 + H 2 + Pb 0.25)");
        Fails(water.Replace("Wat1 Wat", "OH1 O-H") + "\nF1 F 0.5 0.5 0.5 0.25", "total occupancy 2 (O 0.75 + H 1 + F 0.25)");
    }

    [Fact]
    public void HydrogenAndOxygenRowsAtOnePointAreTheOxygen()
    {
        string mixed = Good.Replace("_atom_site_fract_z", "_atom_site_fract_z\n_atom_site_occupancy")
            .Replace("Na1 Na 0 0 0", "Na1 Na 0 0 0 1").Replace("Cl1 Cl 0.5 0.5 0.5", "O1 O 0.5 0.5 0.5 0.6\nH1 H 0.5 0.5 0.5 0.4");
        var s = Read(mixed);
        Assert.Equal("Na1 O0.6", s.Composition.Formula);
        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void ModulatedStructuresAreRefusedRatherThanReadAsTheirAverageCell() =>
        // Superspace operations (x1,x2,x3,x4) are not read; the average-cell atoms alone are not the structure.
        Fails(Good.Replace("_cell_angle_gamma 90", "_cell_angle_gamma 90\n_cell_modulation_dimension 1"),
            "test.cif:8: incommensurately modulated structure (_cell_modulation_dimension 1)");

    [Fact]
    public void AnUnclosedTextFieldNamesWhereItStarts() =>
        Fails(Good + "\n_publ_section_title\n;\nnever closed", "text field opened with ';' at line 18 is never closed");

    [Fact]
    public void TruncatedFilesFailCleanly()
    {
        for (int cut = 0; cut < Good.Length; cut += 7)
        {
            try { Read(Good[..cut]); }
            catch (InputError e) { Assert.DoesNotContain('\n', e.Message); }
        }
    }

    [Fact]
    public void BinaryGarbageIsRecognised()
    {
        var rng = new Random(5);
        var bytes = new byte[3000];
        rng.NextBytes(bytes);
        Fails(Encoding.Latin1.GetString(bytes), "binary data");
    }

    [Fact]
    public void EmptyAndAtomlessFilesAreErrors()
    {
        Fails("", "not a CIF file: no data_ block found");
        Fails("# only a comment\n", "not a CIF file");
        Fails("data_x\n_cell_length_a 4\n", "no data block with atom sites");
    }

    [Fact]
    public void ZeroOccupancyEverywhereIsAnEmptyStructure() =>
        Fails(Good.Replace("_atom_site_fract_z", "_atom_site_fract_z\n_atom_site_occupancy").Replace("0 0 0", "0 0 0 0").Replace("0.5 0.5 0.5", "0.5 0.5 0.5 0"),
            "no atom site with positive occupancy");

    [Fact]
    public void OverlappingAtomsAreAWarningNotAnError()
    {
        var warnings = new List<string>();
        var s = Read(Good.Replace("Cl1 Cl 0.5 0.5 0.5", "Cl1 Cl 0.01 0 0"), ReadOptions.Default with { Warning = warnings.Add });
        Assert.Equal(2, s.Count);
        var w = Assert.Single(warnings);
        Assert.Contains("test.cif", w);
        Assert.Contains("0.04 Å apart (overlapping sites)", w);
    }

    [Fact]
    public void TooLargeTextIsRefusedBeforeParsing()
    {
        var e = Assert.Throws<InputError>(() =>
            new CifFormat().Read(new StringReader(Good), "test.cif", ReadOptions.Default with { MaxTextLength = 100 }).ToList());
        Assert.Contains("test.cif: file is larger than the limit", e.Message);
    }

    [Fact]
    public void AnExpansionTooLargeToBuildIsRefusedQuickly()
    {
        var sb = new StringBuilder(Good.Replace("'P 1'", "'F m -3 m'"));
        for (int i = 0; i < 30_000; i++) sb.Append("\nO").Append(i).Append(" O 0.1 0.2 0.3");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Fails(sb.ToString(), "could generate more than the limit of");
        Assert.True(clock.Elapsed.TotalSeconds < 30);
    }

    [Fact]
    public void SiteToleranceMustBeSensible() =>
        Fails(Good, "site tolerance must be between 0 and 0.5", ReadOptions.Default with { SiteTolerance = -1 });

    [Fact]
    public void CsvRowsWithBrokenCifNameFileRowAndCifLine()
    {
        string csv = "id,heat,cif\n7,1.5,\"" + Good.Replace("0.5 0.5 0.5", "0.5 oops 0.5") + "\"\n";
        var e = Assert.Throws<InputError>(() => new CsvCifFormat().Read(new StringReader(csv), "set.csv", ReadOptions.Default).ToList());
        Assert.Equal("set.csv:2: row 1 (id 7): _atom_site_fract_y is not a number ('oops') (CIF line 16)", e.Message);
    }

    [Fact]
    public void CsvRowsWithTextInANumberColumnAreErrors()
    {
        string csv = "id,heat,cif\n1,1.5,\"" + Good + "\"\n2,hot,\"" + Good + "\"\n";
        var e = Assert.Throws<InputError>(() => new CsvCifFormat().Read(new StringReader(csv), "set.csv", ReadOptions.Default).ToList());
        Assert.Contains("set.csv:18: row 2 (id 2): column 'heat' is not a number ('hot')", e.Message);
    }
}
