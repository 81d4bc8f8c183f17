using System.Globalization;
using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Poscar;

/// <summary>
/// Writes a POSCAR in VASP 5 layout with Direct coordinates, scale 1 and every number at full precision (shortest
/// text that reads back to the same double). Sites keep their order: runs of the same element form one species
/// group, so an interleaved structure gives repeated names ("Fe O Fe"), which VASP and pymatgen accept.
/// </summary>
internal static class PoscarWriter
{
    public static void Write(TextWriter writer, Structure structure)
    {
        var groups = new List<(Element Element, int Count)>();
        for (int i = 0; i < structure.Count; i++)
        {
            var site = structure.Sites[i];
            if (!site.IsOrdered)
                throw new InputError($"cannot write POSCAR: site {i + 1} ({site.Describe()}: {site.OccupancyString()}) is disordered; a POSCAR holds one species per site");
            var e = site.Occupants[0].Element;
            if (groups.Count > 0 && groups[^1].Element == e) groups[^1] = (e, groups[^1].Count + 1);
            else groups.Add((e, 1));
        }
        if (groups.Count == 0) throw new InputError("cannot write POSCAR: the structure has no sites");

        writer.Write(OneLine(Comment(structure)));
        writer.Write('\n');
        writer.Write("1.0\n");
        var m = structure.Lattice.Matrix;
        for (int r = 0; r < 3; r++) WriteTriple(writer, m.Row(r));
        foreach (var (e, _) in groups) writer.Write(string.Format(CultureInfo.InvariantCulture, " {0,4}", e.Symbol));
        writer.Write('\n');
        foreach (var (_, n) in groups) writer.Write(string.Format(CultureInfo.InvariantCulture, " {0,4}", n));
        writer.Write('\n');
        bool selective = structure.Sites.Any(s => s.SelectiveDynamics is not null);
        if (selective) writer.Write("Selective dynamics\n");
        writer.Write("Direct\n");
        foreach (var site in structure.Sites)
        {
            WriteTriple(writer, site.Frac, newline: false);
            if (selective)
            {
                var (x, y, z) = site.SelectiveDynamics ?? (true, true, true);
                writer.Write($" {Flag(x)} {Flag(y)} {Flag(z)}");
            }
            writer.Write(' ');
            writer.Write(site.Occupants[0].Element.Symbol);
            writer.Write('\n');
        }
    }

    private static string Comment(Structure s)
    {
        if (s.Info.TryGetValue("comment", out var c) && !string.IsNullOrWhiteSpace(c)) return c;
        if (s.Id.Length > 0) return s.Id;
        return s.Composition.Formula;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static char Flag(bool free) => free ? 'T' : 'F';

    private static void WriteTriple(TextWriter w, Vec3 v, bool newline = true)
    {
        w.Write(string.Format(CultureInfo.InvariantCulture, " {0,24} {1,24} {2,24}", Tokens.Exact(v.X), Tokens.Exact(v.Y), Tokens.Exact(v.Z)));
        if (newline) w.Write('\n');
    }
}
