using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// The cell of a CIF block from _cell_length_a/b/c and _cell_angle_alpha/beta/gamma, oriented as pymatgen's
/// Lattice.from_parameters. Parameters that the crystal system fixes may be left out when the system is known
/// (_symmetry_cell_setting, _space_group_crystal_system, or the space-group number), as pymatgen allows.
/// </summary>
internal sealed class CifLattice
{
    public required Lattice Lattice { get; init; }
    public double A { get; init; }
    public double B { get; init; }
    public double C { get; init; }
    public double Alpha { get; init; }
    public double Beta { get; init; }
    public double Gamma { get; init; }

    private static readonly string[] Names = ["a", "b", "c", "alpha", "beta", "gamma"];

    public static CifLattice Read(CifBlock block, string source, Action<string>? warn)
    {
        var values = new double?[6];
        var lines = new int[6];
        for (int i = 0; i < 6; i++)
        {
            string tag = (i < 3 ? "_cell_length_" : "_cell_angle_") + Names[i];
            lines[i] = block.Line;
            if (!block.TryGet(tag, out var v) || v.IsMissing) continue;
            lines[i] = v.Line;
            if (!CifNumber.TryParse(v, out double d))
                throw new InputError($"{tag} is not a number ('{v.Text}')", source, v.Line);
            values[i] = d;
        }
        if (values.Any(v => v is null)) Complete(values, block, source, lines);

        double a = values[0]!.Value, b = values[1]!.Value, c = values[2]!.Value;
        double alpha = values[3]!.Value, beta = values[4]!.Value, gamma = values[5]!.Value;
        for (int i = 0; i < 3; i++)
            if (!(values[i] > 0))
                throw new InputError($"cell length {Names[i]} must be positive, got {values[i]:G6}", source, lines[i]);
        for (int i = 3; i < 6; i++)
            if (!(values[i] > 0 && values[i] < 180))
                throw new InputError($"cell angle {Names[i]} must be between 0 and 180 degrees, got {values[i]:G6}", source, lines[i]);
        Lattice lattice;
        try
        {
            lattice = Lattice.FromParameters(a, b, c, alpha, beta, gamma);
        }
        catch (InputError e)
        {
            throw e.At(source, lines[3]);
        }
        if (lattice.Volume < 1e-3)
            throw new InputError($"cell volume {lattice.Volume:G4} Å³ is too small to be a crystal", source, lines[0]);
        return new CifLattice { Lattice = lattice, A = a, B = b, C = c, Alpha = alpha, Beta = beta, Gamma = gamma };
    }

    /// <summary>Fills parameters fixed by the crystal system; an error naming the first missing one otherwise.</summary>
    private static void Complete(double?[] v, CifBlock block, string source, int[] lines)
    {
        string? system = CrystalSystem(block);
        int firstMissing = Array.FindIndex(v, x => x is null);
        string MissingMessage(int i) =>
            $"_cell_{(i < 3 ? "length" : "angle")}_{Names[i]} is missing" + (system is null ? "" : $" (not fixed by the {system} system)");
        if (system is null) throw new InputError(MissingMessage(firstMissing), source, block.Line);

        bool rhombohedralAxes = system == "rhombohedral" || (system == "trigonal" && v[3] is double al && Math.Abs(al - 90) > 1e-6 && v[5] is null);
        switch (system)
        {
            case "cubic":
                Equal(v, 0, 1, 2); Default(v, 90, 90, 90);
                break;
            case "tetragonal":
                Equal(v, 0, 1); Default(v, 90, 90, 90);
                break;
            case "orthorhombic":
                Default(v, 90, 90, 90);
                break;
            case "monoclinic":
                Default(v, 90, null, 90); // unique axis b, the standard setting
                break;
            case "trigonal" or "rhombohedral" when rhombohedralAxes:
                Equal(v, 0, 1, 2); Equal(v, 3, 4, 5);
                break;
            case "hexagonal" or "trigonal":
                Equal(v, 0, 1); Default(v, 90, 90, 120);
                break;
        }
        int still = Array.FindIndex(v, x => x is null);
        if (still >= 0) throw new InputError(MissingMessage(still), source, block.Line);
    }

    /// <summary>Parameters the system makes equal take the value of whichever of them the file gives.</summary>
    private static void Equal(double?[] v, params int[] same)
    {
        double? given = same.Select(i => v[i]).FirstOrDefault(x => x is not null);
        foreach (int i in same) v[i] ??= given;
    }

    /// <summary>Angles the system fixes (null: not fixed).</summary>
    private static void Default(double?[] v, double? alpha, double? beta, double? gamma)
    {
        v[3] ??= alpha; v[4] ??= beta; v[5] ??= gamma;
    }

    private static string? CrystalSystem(CifBlock block)
    {
        if (block.TryGetAny(out var v, out _, "_symmetry_cell_setting", "_space_group_crystal_system"))
        {
            string s = v.Text.Trim().ToLowerInvariant();
            if (s is "cubic" or "tetragonal" or "orthorhombic" or "monoclinic" or "hexagonal" or "trigonal" or "rhombohedral")
                return s;
        }
        if (block.TryGetAny(out var n, out _, "_space_group_IT_number", "_symmetry_Int_Tables_number")
            && CifNumber.TryParse(n, out double num) && num is >= 1 and <= 230)
        {
            return (int)num switch
            {
                <= 2 => null, // triclinic: every parameter is needed
                <= 15 => "monoclinic",
                <= 74 => "orthorhombic",
                <= 142 => "tetragonal",
                <= 167 => "trigonal",
                <= 194 => "hexagonal",
                _ => "cubic",
            };
        }
        return null;
    }

    /// <summary>
    /// Maps Cartesian CIF coordinates (_atom_site_Cartn_x) to fractional ones: with _atom_sites_Cartn_tran_matrix when
    /// given, else the CIF default frame (x along a, y in the a-b plane, z along c*).
    /// </summary>
    public static Func<Vec3, Vec3> CartesianToFractional(CifBlock block, CifLattice cell, string source)
    {
        Mat3 m; // columns are a, b, c in the Cartesian frame of the file
        Vec3 shift = Vec3.Zero;
        var given = new double[9];
        bool haveMatrix = true;
        for (int r = 0; r < 3 && haveMatrix; r++)
        for (int c = 0; c < 3 && haveMatrix; c++)
            haveMatrix = block.TryGet($"_atom_sites_Cartn_tran_matrix_{r + 1}{c + 1}", out var v) && CifNumber.TryParse(v, out given[r * 3 + c]);
        if (haveMatrix)
        {
            m = new Mat3(given[0], given[1], given[2], given[3], given[4], given[5], given[6], given[7], given[8]);
            var t = new double[3];
            for (int i = 0; i < 3; i++)
                if (block.TryGet($"_atom_sites_Cartn_tran_vector_{i + 1}", out var tv) && CifNumber.TryParse(tv, out double d)) t[i] = d;
            shift = new Vec3(t[0], t[1], t[2]);
        }
        else
        {
            double ca = Math.Cos(cell.Alpha * Math.PI / 180), cb = Math.Cos(cell.Beta * Math.PI / 180);
            double cg = Math.Cos(cell.Gamma * Math.PI / 180), sg = Math.Sin(cell.Gamma * Math.PI / 180);
            double volume = cell.Lattice.Volume;
            m = new Mat3(
                cell.A, cell.B * cg, cell.C * cb,
                0, cell.B * sg, cell.C * (ca - cb * cg) / sg,
                0, 0, volume / (cell.A * cell.B * sg));
        }
        if (Math.Abs(m.Determinant) < 1e-8)
            throw new InputError("_atom_sites_Cartn_tran_matrix is singular", source, block.Line);
        var inverse = m.Inverse();
        return cart => inverse * (cart - shift);
    }
}
