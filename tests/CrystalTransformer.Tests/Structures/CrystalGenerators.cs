using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Fluent;

namespace CrystalTransformer.Tests.Structures;

/// <summary>FsCheck generators for lattices and crystals, shared by geometry and format property tests.</summary>
public static class CrystalGenerators
{
    /// <summary>A double in [min, max] at a resolution of about 1e-12 of the range (built from two integers).</summary>
    public static Gen<double> Real(double min, double max) =>
        Gen.Choose(0, 1_000_000).SelectMany(hi => Gen.Choose(0, 1_000_000), (hi, lo) => min + (max - min) * (hi + lo * 1e-6) / (1_000_000 + 1));

    public static Gen<Vec3> Vector(double min, double max) =>
        Real(min, max).SelectMany(x => Real(min, max), (x, y) => (x, y)).SelectMany(_ => Real(min, max), (xy, z) => new Vec3(xy.x, xy.y, z));

    /// <summary>
    /// Any lattice: three random vectors (so skewed, left- or right-handed, arbitrarily oriented), kept when no
    /// vector is shorter than 1 Å and the cell is not nearly flat (volume ≥ 0.05·|a||b||c|).
    /// </summary>
    public static Gen<Lattice> AnyLattice() =>
        Vector(-12, 12).Three().Where(v =>
        {
            var (a, b, c) = v;
            if (a.Norm < 1 || b.Norm < 1 || c.Norm < 1) return false;
            double volume = Math.Abs(a.Dot(b.Cross(c)));
            return volume >= 0.05 * a.Norm * b.Norm * c.Norm;
        }).Select(v => new Lattice(v.Item1, v.Item2, v.Item3));

    /// <summary>Valid cell parameters: lengths 1–30 Å and angles 20–160° that form a cell with non-vanishing volume.</summary>
    public static Gen<(double A, double B, double C, double Alpha, double Beta, double Gamma)> CellParameters() =>
        Real(1, 30).Three().SelectMany(_ => Real(20, 160).Three(), (l, ang) => (l.Item1, l.Item2, l.Item3, ang.Item1, ang.Item2, ang.Item3))
            .Where(p =>
            {
                double ca = Math.Cos(p.Item4 * Math.PI / 180), cb = Math.Cos(p.Item5 * Math.PI / 180), cg = Math.Cos(p.Item6 * Math.PI / 180);
                double volumeFactor = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg; // (V / abc)²
                return volumeFactor > 0.01;
            });

    public static Gen<Element> AnyElement() => Gen.Choose(1, 94).Select(PeriodicTable.Get);

    /// <summary>An ordered crystal of 1–12 sites with coordinates in [-0.5, 1.5) (not wrapped, as files may hold them).</summary>
    public static Gen<Structure> AnyCrystal() =>
        from lattice in AnyLattice()
        from n in Gen.Choose(1, 12)
        from elements in AnyElement().ArrayOf(n)
        from coords in Vector(-0.5, 1.5).ArrayOf(n)
        select new Structure(lattice, elements.Zip(coords, (e, f) => new Site(e, f)).ToArray());
}
