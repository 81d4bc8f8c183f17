using CrystalTransformer.IO;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// Content that contradicts itself, or geometry no graph can be built from, is refused with one line naming the file,
/// the line where known and the reason; it is never silently changed. The bounds are the same for every format.
/// </summary>
public class ContradictoryInputTests
{
    private const string Cif = """
        data_test
        _cell_length_a 4.0
        _cell_length_b 4.0
        _cell_length_c 4.0
        _cell_angle_alpha 90
        _cell_angle_beta 90
        _cell_angle_gamma 90
        _symmetry_space_group_name_H-M 'P m -3 m'
        loop_
        _atom_site_label
        _atom_site_type_symbol
        _atom_site_fract_x
        _atom_site_fract_y
        _atom_site_fract_z
        _atom_site_occupancy
        Na1 Na 0 0 0 1
        Cl1 Cl 0.5 0.5 0.5 1
        """;

    private static Structure ReadCif(string text) => CifFormat.ReadText(text, "c.cif", ReadOptions.Default, "c").First();

    private static void CifFails(string find, string replace, string expected)
    {
        Assert.Contains(find, Cif);
        var e = Assert.Throws<InputError>(() => ReadCif(Cif.Replace(find, replace)));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("c.cif:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TheBaseCifReads() => Assert.Equal("NaCl", ReadCif(Cif).Composition.ReducedFormula);

    [Theory]
    [InlineData("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 -1", "c.cif:17: atom site Cl1: occupancy -1 is negative")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 nan", "c.cif:17: atom site Cl1: occupancy 'nan' is not a number")]
    [InlineData("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 abc", "occupancy 'abc' is not a number")]
    [InlineData("_cell_length_a 4.0", "_cell_length_a 4.0\n_cell_length_a 5.0", "c.cif:3: tag _cell_length_a is given twice with different values ('4.0' at line 2, '5.0' here)")]
    [InlineData("_symmetry_space_group_name_H-M 'P m -3 m'", "_symmetry_space_group_name_H-M 'P m -3 m'\nloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'x, y, z+1/0'", "bad fraction")]
    [InlineData("_symmetry_space_group_name_H-M 'P m -3 m'", "_symmetry_space_group_name_H-M 'P m -3 m'\nloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'x, x, x'", "determinant")]
    [InlineData("_cell_angle_gamma 90", "_cell_angle_gamma 90\nloop_\n_cell_length_a\n4.0", "given both as a single item (line 2) and in a loop")]
    public void ContradictoryCifContentIsRefused(string find, string replace, string expected) => CifFails(find, replace, expected);

    [Fact]
    public void ARepeatedTagWithTheSameValueIsHarmless() =>
        Assert.Equal("NaCl", ReadCif(Cif.Replace("_cell_length_a 4.0", "_cell_length_a 4.0\n_cell_length_a 4.0")).Composition.ReducedFormula);

    [Fact]
    public void ZeroOccupancyStillMeansAVacantSite() =>
        Assert.Equal("Na", ReadCif(Cif.Replace("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 0")).Composition.ReducedFormula);

    private const string Poscar = """
        tiny
        1.0
        4 0 0
        0 4 0
        0 0 4
        Na Cl
        1 1
        Cartesian
        0 0 0
        2 2 2
        """;

    private static InputError ReadFails(string text, string name)
    {
        string dir = Directory.CreateTempSubdirectory("ct-limits-").FullName;
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        var e = Assert.Throws<InputError>(() => StructureIO.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void ATinyCellIsRefusedInEveryFormatAlike()
    {
        // 1e-6 Å³ (POSCAR) and 1.25e-4 Å³ (CIF): both below the one limit of 1e-3 Å³.
        var e = ReadFails(Poscar.Replace("4 0 0\n0 4 0\n0 0 4", "0.01 0 0\n0 0.01 0\n0 0 0.01").Replace("2 2 2", "0.005 0.005 0.005"), "POSCAR");
        Assert.Contains("too small to be a crystal", e.Message);
        e = ReadFails(Cif.Replace("4.0", "0.05"), "tiny.cif");
        Assert.Contains("too small to be a crystal", e.Message);
    }

    [Fact]
    public void CoordinatesBeyondTheBoundsAreRefusedAtReading()
    {
        var e = ReadFails(Poscar.Replace("0 0 0\n2 2 2", "1e308 1e308 1e308\n2 2 2"), "huge.vasp");
        Assert.Contains("huge.vasp:9: atom position 1 lies more than 1e6 Å from the origin", e.Message);
        e = ReadFails(Poscar.Replace("4 0 0\n", "4e7 0 0\n"), "long.vasp");
        Assert.Contains("beyond the limit of 1E+06 Å", e.Message.Replace("1e+06", "1E+06"));
        string xyz = "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\nNa 3e6 0 0\n";
        e = ReadFails(xyz, "far.extxyz");
        Assert.Contains("site 1 lies 3E+06 Å from the origin", e.Message.Replace("3e+06", "3E+06"));
    }

    [Fact]
    public void AThinCellIsRefused()
    {
        var e = ReadFails(Poscar.Replace("0 0 4", "0 0 0.01").Replace("2 2 2", "2 2 0.005"), "thin.vasp");
        Assert.Contains("thick in one direction", e.Message);
    }

    [Fact]
    public void StructuresAboveTheSiteLimitAreRefusedBeforeTheirSitesAreRead()
    {
        var e = ReadFails(Poscar.Replace("1 1\n", "2000000 1\n"), "big.vasp");
        Assert.Contains("more than the limit of", e.Message);
        e = ReadFails("2000001\nLattice=\"4 0 0 0 4 0 0 0 4\"\nNa 0 0 0\n", "big.extxyz");
        Assert.Contains("more than the limit of", e.Message);
    }
}
