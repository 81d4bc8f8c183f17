using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.ExtXyz;

/// <summary>
/// Writes frames as ASE writes extended XYZ: Lattice, Properties=species:S:1:pos:R:3, id, every label and info
/// entry, pbc="T T T"; Cartesian positions in Å. Numbers are written at full precision (shortest text that reads
/// back to the same double), so a write/read round trip keeps every bit of the cell and labels.
/// </summary>
internal static class ExtXyzWriter
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "Lattice", "Properties", "pbc", "id" };

    public static void Write(TextWriter writer, IReadOnlyList<Structure> structures)
    {
        foreach (var s in structures) WriteFrame(writer, s);
    }

    private static void WriteFrame(TextWriter w, Structure s)
    {
        if (s.Count == 0) throw new InputError($"cannot write extxyz: structure {Name(s)} has no sites");
        for (int i = 0; i < s.Count; i++)
            if (!s.Sites[i].IsOrdered)
                throw new InputError($"cannot write extxyz: structure {Name(s)} is disordered at site {i + 1} ({s.Sites[i].OccupancyString()}); extxyz holds one species per site");

        w.Write(s.Count.ToString(CultureInfo.InvariantCulture));
        w.Write('\n');
        var m = s.Lattice.Matrix;
        w.Write("Lattice=\"");
        w.Write(string.Join(" ", new[] { m.M00, m.M01, m.M02, m.M10, m.M11, m.M12, m.M20, m.M21, m.M22 }.Select(ExtXyzHeader.Format)));
        w.Write("\" Properties=species:S:1:pos:R:3");
        if (s.Id.Length > 0) w.Write($" id={ExtXyzHeader.Quote(s.Id)}");
        foreach (var (key, value) in s.Labels)
            w.Write($" {Key(key, s)}={ExtXyzHeader.Format(value)}");
        foreach (var (key, value) in s.Info)
        {
            // An empty value cannot be written: ASE's parser would join the next pair to it.
            if (value.Length == 0 || s.Labels.ContainsKey(key)) continue;
            w.Write($" {Key(key, s)}={ExtXyzHeader.Quote(value)}");
        }
        w.Write(" pbc=\"T T T\"\n");

        var cart = s.CartesianCoordinates;
        for (int i = 0; i < s.Count; i++)
        {
            var p = cart[i];
            w.Write(string.Format(CultureInfo.InvariantCulture, "{0,-2} {1,24} {2,24} {3,24}\n",
                s.Sites[i].Occupants[0].Element.Symbol, ExtXyzHeader.Format(p.X), ExtXyzHeader.Format(p.Y), ExtXyzHeader.Format(p.Z)));
        }
    }

    private static string Key(string key, Structure s)
    {
        if (Reserved.Contains(key))
            throw new InputError($"cannot write extxyz: structure {Name(s)} has a label or info entry named '{key}', which extxyz reserves");
        if (!ExtXyzHeader.IsPlainKey(key))
            throw new InputError($"cannot write extxyz: structure {Name(s)} has a label or info name '{key.ReplaceLineEndings(" ")}' with spaces, quotes, brackets or '='");
        return key;
    }

    private static string Name(Structure s) => s.Id.Length > 0 ? s.Id : s.Composition.ReducedFormula;
}
