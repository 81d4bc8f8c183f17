using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CrystalTransformer.Tests.Structures.CrystalGenerators;

namespace CrystalTransformer.Tests.Structures;

/// <summary>Geometry of <see cref="Lattice"/> on random (including skewed and left-handed) cells.</summary>
public class LatticePropertyTests
{
    [Property(MaxTest = 300)]
    public Property FractionalAndCartesianAreInverse() =>
        Prop.ForAll(AnyLattice().SelectMany(l => Vector(-3, 3), (l, f) => (l, f)).ToArbitrary(), t =>
        {
            var (lattice, frac) = t;
            var back = lattice.ToFractional(lattice.ToCartesian(frac));
            var cart = lattice.ToCartesian(frac);
            var again = lattice.ToCartesian(lattice.ToFractional(cart));
            return (back - frac).Norm < 1e-12 && (again - cart).Norm < 1e-11;
        });

    [Property(MaxTest = 300)]
    public Property VolumeIsTheAbsoluteTripleProduct() =>
        Prop.ForAll(AnyLattice().ToArbitrary(), l =>
        {
            double triple = l.A.Dot(l.B.Cross(l.C));
            return Math.Abs(l.Volume - Math.Abs(triple)) <= 1e-12 * Math.Abs(triple) && l.Volume > 0;
        });

    [Property(MaxTest = 300)]
    public Property ReciprocalTimesDirectIsTwoPiIdentity() =>
        Prop.ForAll(AnyLattice().ToArbitrary(), l =>
        {
            var r = l.Reciprocal;
            var direct = new[] { l.A, l.B, l.C };
            var recip = new[] { r.A, r.B, r.C };
            for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double expected = i == j ? 2 * Math.PI : 0;
                if (Math.Abs(direct[i].Dot(recip[j]) - expected) > 1e-10) return false;
            }
            return true;
        });

    [Property(MaxTest = 300)]
    public Property FromParametersReproducesLengthsAndAngles() =>
        Prop.ForAll(CellParameters().ToArbitrary(), p =>
        {
            var l = Lattice.FromParameters(p.A, p.B, p.C, p.Alpha, p.Beta, p.Gamma);
            return Math.Abs(l.LengthA - p.A) < 1e-10 && Math.Abs(l.LengthB - p.B) < 1e-10 && Math.Abs(l.LengthC - p.C) < 1e-10
                && Math.Abs(l.Alpha - p.Alpha) < 1e-8 && Math.Abs(l.Beta - p.Beta) < 1e-8 && Math.Abs(l.Gamma - p.Gamma) < 1e-8
                && l.C.X == 0 && l.C.Y == 0 && l.A.Y == 0; // pymatgen's orientation: c along z, a in the xz plane
        });

    [Property(MaxTest = 300)]
    public Property LengthsAndAnglesOfAnyLatticeRebuildTheSameMetric() =>
        Prop.ForAll(AnyLattice().ToArbitrary(), l =>
        {
            var rebuilt = Lattice.FromParameters(l.LengthA, l.LengthB, l.LengthC, l.Alpha, l.Beta, l.Gamma);
            return Math.Abs(rebuilt.Volume - l.Volume) <= 1e-9 * l.Volume;
        });

    [Theory]
    [InlineData(1e200, 1e200, 1e200, "overflows")]
    [InlineData(1e200, 1e200, 1e-310, "cannot be inverted")]
    [InlineData(1, 1, 0, "zero or degenerate")]
    public void UnusableCellsAreInputErrors(double a, double b, double c, string reason)
    {
        var e = Assert.Throws<InputError>(() => new Lattice(new Mat3(a, 0, 0, 0, b, 0, 0, 0, c)));
        Assert.Contains(reason, e.Message);
    }
}
