using CrystalTransformer.IO;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>Individual CIF reading rules (syntax, cells, species, symmetry, blocks) on small hand-written files.</summary>
public class CifReaderTests
{
    private static IReadOnlyList<Structure> ReadAll(string text, ReadOptions? options = null) =>
        CifFormat.ReadText(text, "t.cif", options ?? ReadOptions.Default, "t").ToList();

    private static Structure Read(string text, ReadOptions? options = null) => ReadAll(text, options)[0];

    private static string Atoms(params string[] rows) =>
        "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n" + string.Join("\n", rows) + "\n";

    private const string Cubic4 = "_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n";

    [Fact]
    public void MissingParametersFollowTheCrystalSystem()
    {
        var cubic = Read("data_c\n_cell_length_a 5.43(1)\n_symmetry_cell_setting cubic\n" + Atoms("Si1 Si 0 0 0"));
        Assert.Equal((5.43, 5.43, 5.43), cubic.Lattice.Lengths);
        Assert.Equal(90, cubic.Lattice.Gamma, 1e-9);
        var hexagonal = Read("data_h\n_cell_length_a 3\n_cell_length_c 5\n_space_group_IT_number 194\n" +
                             "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n" + Atoms("C1 C 0 0 0"));
        Assert.Equal(120, hexagonal.Lattice.Gamma, 1e-9);
        Assert.Equal(3, hexagonal.Lattice.LengthB, 1e-12);
        var e = Assert.Throws<InputError>(() => Read("data_t\n_cell_length_a 3\n_cell_length_c 5\n_space_group_IT_number 2\n" + Atoms("C1 C 0 0 0")));
        Assert.Contains("_cell_length_b is missing", e.Message);
    }

    [Fact]
    public void QuotedStringsTextFieldsAndCommentsAreSyntaxNotData()
    {
        var s = Read("data_q # comment\n_publ_author_name 'O'Brien, P.'\n_title \"a \"quoted\" word\"\n_publ_section_title\n;\ndata_fake\n_cell_length_a 99\n;\n"
                     + Cubic4 + Atoms("Na1 Na 0 0 0 # trailing comment", "Cl1 'Cl' 0.5 0.5 0.5"));
        Assert.Equal(4, s.Lattice.LengthA, 1e-12);
        Assert.Equal("NaCl", s.Composition.ReducedFormula);
        Assert.Equal("q", s.Info["block"]);
    }

    [Fact]
    public void SpeciesComeFromTypeSymbolsOrLabels()
    {
        var s = Read("data_s\n" + Cubic4 + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                     + "Fe1a 0 0 0\nO2 0.5 0 0\nD1 0 0.5 0\nOw3 0 0 0.5\nSI4 0.5 0.5 0\nCl5' 0.5 0 0.5\n");
        Assert.Equal(new[] { "Cl", "Fe", "H", "O", "O", "Si" }, s.Sites.Select(x => x.Element.Symbol).Order().ToArray());
    }

    [Fact]
    public void OxidationStatesComeFromTheAtomTypeTable()
    {
        var s = Read("data_o\n" + Cubic4 + "loop_\n_atom_type_symbol\n_atom_type_oxidation_number\nFe3+ 3\nO2- -2\n" + Atoms("Fe1 Fe3+ 0 0 0", "O1 O2- 0.5 0.5 0.5"));
        Assert.Equal([-2.0, 3.0], s.Sites.Select(x => x.Occupants[0].OxidationState!.Value).Order());
        var plain = Read("data_p\n" + Cubic4 + Atoms("Fe1 Fe3+ 0 0 0"));
        Assert.Null(plain.Sites[0].Occupants[0].OxidationState); // pymatgen: without the table, "Fe3+" only names the element
    }

    [Fact]
    public void SpeciesAtOnePositionMakeOneDisorderedSite()
    {
        var s = Read("data_d\n" + Cubic4 + "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
                     + "Ti1 Ti 0 0 0 0.6(1)\nZr1 Zr 0.00001 0 0 0.4\nO1 O 0.5 0.5 0.5 1\n");
        Assert.Equal(2, s.Count);
        Assert.False(s.IsOrdered);
        var mixed = s.Sites.Single(x => x.Occupants.Count == 2);
        Assert.Equal("Ti:0.6 Zr:0.4", mixed.OccupancyString());
        Assert.Equal("Zr0.4 Ti0.6 O1", s.Composition.Formula); // pymatgen orders by electronegativity
        var apart = Read("data_d\n" + Cubic4 + "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
                         + "Ti1 Ti 0 0 0 0.6\nZr1 Zr 0.00001 0 0 0.4\n", ReadOptions.Default with { SiteTolerance = 1e-6 });
        Assert.Equal(2, apart.Count); // a tighter site tolerance keeps them apart
    }

    [Fact]
    public void SymmetryIsExpandedAndWrapped()
    {
        var s = Read("data_nacl\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                     + "_symmetry_space_group_name_H-M 'F m -3 m'\n" + Atoms("Na1 Na 0 0 0", "Cl1 Cl 0.5 0.5 -0.5"));
        Assert.Equal(8, s.Count);
        Assert.All(s.Sites, x => Assert.True(x.Frac.X is >= 0 and < 1 && x.Frac.Y is >= 0 and < 1 && x.Frac.Z is >= 0 and < 1));
        Assert.Equal("F m -3 m", s.Info["spacegroup"]);
    }

    [Fact]
    public void CartesianCoordinatesAreConvertedWithTheCifFrame()
    {
        // Monoclinic cell: Cartesian x along a, z along c*; the atom at (0.25, 0.5, 0.5) fractional.
        var cell = "_cell_length_a 5\n_cell_length_b 6\n_cell_length_c 7\n_cell_angle_alpha 90\n_cell_angle_beta 100\n_cell_angle_gamma 90\n";
        double beta = 100 * Math.PI / 180;
        double x = 0.25 * 5 + 0.5 * 7 * Math.Cos(beta), y = 0.5 * 6, z = 0.5 * 7 * Math.Sin(beta);
        var s = Read(FormattableString.Invariant($"data_c\n{cell}loop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n_atom_site_Cartn_z\nO1 {x:R} {y:R} {z:R}\n"));
        Assert.Equal(0.25, s.Sites[0].Frac.X, 1e-9);
        Assert.Equal(0.5, s.Sites[0].Frac.Y, 1e-9);
        Assert.Equal(0.5, s.Sites[0].Frac.Z, 1e-9);
    }

    [Fact]
    public void TheFirstBlockWithAtomsIsReadUnlessAllAreAsked()
    {
        string text = "data_meta\n_journal_year 2001\n\ndata_one\n" + Cubic4 + Atoms("Na1 Na 0 0 0") + "data_two\n" + Cubic4 + Atoms("K1 K 0 0 0");
        var first = Read(text);
        Assert.Equal("Na", first.Sites[0].Element.Symbol);
        Assert.Equal("t", first.Id);
        var all = ReadAll(text, ReadOptions.Default with { AllBlocks = true });
        Assert.Equal(["one", "two"], all.Select(x => x.Id));
    }

    [Fact]
    public void ABrokenFirstBlockIsSkippedWithAWarningWhenALaterOneReads()
    {
        var warnings = new List<string>();
        string text = "data_bad\n_cell_length_a x\n" + Atoms("Na1 Na 0 0 0") + "data_good\n" + Cubic4 + Atoms("K1 K 0 0 0");
        var s = Read(text, ReadOptions.Default with { Warning = warnings.Add });
        Assert.Equal("K", s.Sites[0].Element.Symbol);
        Assert.Contains(warnings, w => w.Contains("data block bad skipped"));
    }

    [Theory]
    [InlineData("5.4307(2)", 5.4307)]
    [InlineData("5.4307(", 5.4307)]
    [InlineData("-.25", -0.25)]
    [InlineData("+1.5e-1", 0.15)]
    [InlineData("\u22120.125", -0.125)]
    [InlineData("2.", 2.0)]
    public void NumbersWithUncertaintiesAndOddSpellingsParse(string text, double expected)
    {
        Assert.True(CifNumber.TryParse(text, out double v));
        Assert.Equal(expected, v, 1e-15);
    }

    [Theory]
    [InlineData("?")]
    [InlineData(".")]
    [InlineData("nan")]
    [InlineData("1e999")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    [InlineData("")]
    public void NonNumbersAreRejected(string text) => Assert.False(CifNumber.TryParse(text, out _));

    [Fact]
    public void ThirdsWrittenWithFourDigitsAreExactThirds()
    {
        var s = Read("data_h\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
                     + "_symmetry_space_group_name_H-M 'P 63/m m c'\n" + Atoms("C1 C 0.3333 0.6667 0.25"));
        Assert.Equal(2, s.Count); // without snapping to 1/3 the images would not coincide and give 12 sites
    }

    [Fact]
    public void NotesInBracesAfterASpaceGroupSymbolAreDroppedAndTheCellDecidesTheAxes()
    {
        // As in a COD-derived LiNbO3 file: "{rhombohedral axes}" on a cell given in hexagonal axes.
        const string head = "data_l\n_cell_length_a 5.1483\n_cell_length_b 5.1483\n_cell_length_c 13.8631\n_cell_angle_alpha 90\n" +
                            "_cell_angle_beta 90\n_cell_angle_gamma 120\n_symmetry_space_group_name_H-M 'R 3 c {rhombohedral axes}'\n";
        var s = Read(head + Atoms("Nb1 Nb 0 0 0", "Li1 Li 0 0 0.2829", "O1 O 0.0492 0.3446 0.0647"));
        Assert.Equal("LiNbO3", s.Composition.ReducedFormula);
        Assert.Equal(30, s.Count);
    }
}
