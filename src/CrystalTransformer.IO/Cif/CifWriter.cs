using System.Globalization;
using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// Writes structures as P1 CIF in pymatgen's CifWriter layout (8 decimals, one data block per structure, oxidation
/// states in an _atom_type loop when every species has one, one row per species of a disordered site).
/// </summary>
public static class CifWriter
{
    private const string F8 = "F8";

    public static void Write(TextWriter w, IReadOnlyList<Structure> structures)
    {
        w.Write("# generated using CrystalTransformer\n");
        var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in structures) WriteBlock(w, s, usedNames);
    }

    public static string ToText(Structure structure)
    {
        var sw = new StringWriter { NewLine = "\n" };
        Write(sw, [structure]);
        return sw.ToString();
    }

    private static void WriteBlock(TextWriter w, Structure s, HashSet<string> usedNames)
    {
        var comp = s.Composition;
        string reduced = comp.ReducedFormula;
        string name = BlockName(s.Id.Length > 0 ? s.Id : reduced);
        for (int k = 2; !usedNames.Add(name); k++) name = BlockName(s.Id.Length > 0 ? s.Id : reduced) + "_" + k;
        var lat = s.Lattice;
        var (_, factor) = comp.ReducedFormulaAndFactor();
        var sb = new StringBuilder();
        sb.Append("data_").Append(name).Append('\n');
        sb.Append("_symmetry_space_group_name_H-M   'P 1'\n");
        Item(sb, "_cell_length_a", lat.LengthA);
        Item(sb, "_cell_length_b", lat.LengthB);
        Item(sb, "_cell_length_c", lat.LengthC);
        Item(sb, "_cell_angle_alpha", lat.Alpha);
        Item(sb, "_cell_angle_beta", lat.Beta);
        Item(sb, "_cell_angle_gamma", lat.Gamma);
        sb.Append("_symmetry_Int_Tables_number   1\n");
        sb.Append("_chemical_formula_structural   ").Append(reduced).Append('\n');
        sb.Append("_chemical_formula_sum   '").Append(comp.Formula).Append("'\n");
        Item(sb, "_cell_volume", lat.Volume);
        sb.Append("_cell_formula_units_Z   ").Append(((long)Math.Max(1, Math.Round(factor))).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("loop_\n _symmetry_equiv_pos_site_id\n _symmetry_equiv_pos_as_xyz\n  1  'x, y, z'\n");

        var allOccupants = s.Sites.SelectMany(site => site.Occupants).ToList();
        bool withOxidation = allOccupants.Count > 0 && allOccupants.All(o => o.OxidationState is not null);
        if (withOxidation)
        {
            sb.Append("loop_\n _atom_type_symbol\n _atom_type_oxidation_number\n");
            foreach (var (symbol, ox) in allOccupants
                         .Select(o => (Symbol: CifSpecies.SpeciesString(o.Element, o.OxidationState), Ox: o.OxidationState!.Value))
                         .Distinct())
                sb.Append("  ").Append(symbol).Append("  ").Append(ox.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        sb.Append("loop_\n _atom_site_type_symbol\n _atom_site_label\n _atom_site_symmetry_multiplicity\n")
          .Append(" _atom_site_fract_x\n _atom_site_fract_y\n _atom_site_fract_z\n _atom_site_occupancy\n");
        int count = 0;
        foreach (var site in s.Sites)
        foreach (var o in site.Occupants)
        {
            string type = withOxidation ? CifSpecies.SpeciesString(o.Element, o.OxidationState) : o.Element.Symbol;
            sb.Append("  ").Append(type).Append("  ").Append(o.Element.Symbol).Append(count.ToString(CultureInfo.InvariantCulture))
              .Append("  1  ").Append(Num(site.Frac.X)).Append("  ").Append(Num(site.Frac.Y)).Append("  ").Append(Num(site.Frac.Z))
              .Append("  ").Append(o.Occupancy.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            count++;
        }
        w.Write(sb.ToString());
    }

    private static void Item(StringBuilder sb, string tag, double value) => sb.Append(tag).Append("   ").Append(Num(value)).Append('\n');

    private static string Num(double v)
    {
        string s = v.ToString(F8, CultureInfo.InvariantCulture);
        return s == "-0.00000000" ? "0.00000000" : s;
    }

    /// <summary>Block names are single CIF words: white space and quotes become '_' (names are limited to 74 characters, as pymatgen does).</summary>
    private static string BlockName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(char.IsWhiteSpace(c) || c is '\'' or '"' || c < ' ' ? '_' : c);
        string n = sb.Length == 0 ? "structure" : sb.ToString();
        return n.Length > 74 ? n[..74] : n;
    }
}
