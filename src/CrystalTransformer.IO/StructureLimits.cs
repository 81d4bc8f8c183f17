using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// Geometry that every reader refuses, the same for every format: structures larger than
/// <see cref="ReadOptions.MaxSites"/>, cells or positions beyond <see cref="MaxCoordinate"/> Å, cells thinner than
/// <see cref="MinCellWidth"/> Å in some direction or smaller than <see cref="MinVolume"/> Å³. No real crystal comes near
/// these bounds; inside them every neighbour search and graph stays finite and bounded.
/// </summary>
public static class StructureLimits
{
    /// <summary>Largest |x|, |y|, |z| of a site and largest cell-vector length, in Å.</summary>
    public const double MaxCoordinate = 1e6;

    /// <summary>Smallest distance between opposite faces of the cell, in Å (a neighbour search visits about cutoff / width images per direction).</summary>
    public const double MinCellWidth = 0.1;

    /// <summary>Smallest cell volume, in Å³.</summary>
    public const double MinVolume = 1e-3;

    /// <summary>Default of <see cref="ReadOptions.MaxSites"/>.</summary>
    public const int DefaultMaxSites = 1_000_000;

    /// <summary>Refuses a structure outside the bounds with a one-line <see cref="InputError"/> naming <paramref name="source"/>.</summary>
    public static void Check(Structure s, ReadOptions options, string? source)
    {
        string who = s.Id.Length > 0 && s.Id != StructureIO.IdFromPath(source ?? "") ? $"structure {s.Id}: " : "";
        if (s.Count > options.MaxSites)
            throw new InputError($"{who}{s.Count:N0} sites, more than the limit of {options.MaxSites:N0} (ReadOptions.MaxSites)", source);
        CheckLattice(s.Lattice, source, who);
        var m = s.Lattice.Matrix;
        for (int i = 0; i < s.Count; i++)
        {
            var c = s.Sites[i].Frac * m;
            double far = Math.Max(Math.Abs(c.X), Math.Max(Math.Abs(c.Y), Math.Abs(c.Z)));
            if (!(far <= MaxCoordinate))
                throw new InputError($"{who}site {i + 1} lies {Show(far)} Å from the origin, beyond the limit of {Show(MaxCoordinate)} Å", source);
        }
    }

    /// <summary>Refuses a cell outside the bounds (see the class summary).</summary>
    public static void CheckLattice(Lattice lattice, string? source, string prefix = "")
    {
        var (a, b, c) = lattice.Lengths;
        double longest = Math.Max(a, Math.Max(b, c));
        if (!(longest <= MaxCoordinate))
            throw new InputError($"{prefix}cell vector of length {Show(longest)} Å, beyond the limit of {Show(MaxCoordinate)} Å", source);
        if (!(lattice.Volume >= MinVolume))
            throw new InputError($"{prefix}cell volume {Show(lattice.Volume)} Å³ is too small to be a crystal (limit {Show(MinVolume)} Å³)", source);
        var w = lattice.PerpendicularWidths;
        double thinnest = Math.Min(w.X, Math.Min(w.Y, w.Z));
        if (!(thinnest >= MinCellWidth))
            throw new InputError($"{prefix}cell is only {Show(thinnest)} Å thick in one direction (limit {Show(MinCellWidth)} Å)", source);
    }

    private static string Show(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
