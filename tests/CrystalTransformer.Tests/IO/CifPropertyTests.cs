using System.Text;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CrystalTransformer.Tests.Structures.CrystalGenerators;

namespace CrystalTransformer.Tests.IO;

/// <summary>CIF writer → reader round trips and symmetry-operation parsing on random input.</summary>
public class CifPropertyTests
{
    /// <summary>Coordinates away from the thirds the reader snaps to (as pymatgen does), wrapped or not.</summary>
    private static Gen<Vec3> Coordinate() =>
        Vector(-0.5, 1.5).Where(v => new[] { v.X, v.Y, v.Z }.All(x =>
        {
            double w = x - Math.Floor(x);
            return Math.Abs(w - 1.0 / 3) > 2e-4 && Math.Abs(w - 2.0 / 3) > 2e-4;
        }));

    private static Gen<Occupant[]> Occupants(bool withOxidation) =>
        from n in Gen.Frequency((6, Gen.Constant(1)), (1, Gen.Constant(2)))
        from elements in AnyElement().ArrayOf(n)
        from partial in Gen.Elements(false, false, true)
        from ox in Gen.Choose(-3, 5).ArrayOf(n)
        where elements.Distinct().Count() == n
        // A position shared by O and H reads as water or hydroxide (its oxygen only), as pymatgen reads it.
        where !(elements.Any(e => e.Z == 1) && elements.Any(e => e.Z == 8))
        select elements.Select((e, i) => new Occupant(e, n == 2 ? 0.5 : partial ? 0.75 : 1.0, withOxidation ? ox[i] : null)).ToArray();

    private static Gen<Structure> Crystal(bool withOxidation) =>
        (from p in CellParameters()
         from n in Gen.Choose(1, 14)
         from occupants in Occupants(withOxidation).ArrayOf(n)
         from coords in Coordinate().ArrayOf(n)
         select new Structure(Lattice.FromParameters(p.A, p.B, p.C, p.Alpha, p.Beta, p.Gamma),
             occupants.Zip(coords, (o, f) => new Site(o, f)).ToArray(), "random"))
        .Where(s => FarApart(s.Sites.Select(x => x.Frac).ToArray()));

    /// <summary>No two sites within 2e-4 (fractional, periodic) of each other: those would be merged on reading.</summary>
    private static bool FarApart(Vec3[] f)
    {
        for (int i = 0; i < f.Length; i++)
        for (int j = i + 1; j < f.Length; j++)
        {
            var d = f[i] - f[j];
            if (Math.Abs(d.X - Math.Round(d.X)) < 2e-4 && Math.Abs(d.Y - Math.Round(d.Y)) < 2e-4 && Math.Abs(d.Z - Math.Round(d.Z)) < 2e-4)
                return false;
        }
        return true;
    }

    private static bool SameCrystal(Structure a, Structure b)
    {
        var (la, lb) = (a.Lattice, b.Lattice);
        double[] pa = [la.LengthA, la.LengthB, la.LengthC, la.Alpha, la.Beta, la.Gamma], pb = [lb.LengthA, lb.LengthB, lb.LengthC, lb.Alpha, lb.Beta, lb.Gamma];
        for (int i = 0; i < 6; i++) if (Math.Abs(pa[i] - pb[i]) > 1e-6 * Math.Max(1, pa[i])) return false;
        if (a.Count != b.Count || a.IsOrdered != b.IsOrdered) return false;
        // The reader sorts sites as pymatgen does; match them as a multiset.
        var unused = b.Sites.ToList();
        foreach (var s in a.Sites)
        {
            int k = unused.FindIndex(t => SameOccupants(s, t) && Periodic(s.Frac, t.Frac) < 1e-7);
            if (k < 0) return false;
            unused.RemoveAt(k);
        }
        return true;
    }

    private static bool SameOccupants(Site s, Site t) =>
        s.Occupants.Count == t.Occupants.Count && s.Occupants.All(o =>
            t.Occupants.Any(p => p.Element == o.Element && Math.Abs(p.Occupancy - o.Occupancy) < 1e-12 && p.OxidationState == o.OxidationState));

    private static double Periodic(Vec3 a, Vec3 b)
    {
        var d = a - b;
        return new Vec3(d.X - Math.Round(d.X), d.Y - Math.Round(d.Y), d.Z - Math.Round(d.Z)).Norm;
    }

    private static Structure RoundTrip(Structure s) =>
        CifFormat.ReadText(CifWriter.ToText(s), "roundtrip.cif", ReadOptions.Default, "x").Single();

    [Property(MaxTest = 300)]
    public Property WrittenCifsReadBackUnchanged() =>
        Prop.ForAll(Crystal(withOxidation: false).ToArbitrary(), s => SameCrystal(s, RoundTrip(s)));

    [Property(MaxTest = 150)]
    public Property OxidationStatesAndDisorderSurviveTheRoundTrip() =>
        Prop.ForAll(Crystal(withOxidation: true).ToArbitrary(), s => SameCrystal(s, RoundTrip(s)));

    [Property(MaxTest = 200)]
    public Property ReadingTwiceGivesTheSameStructure() =>
        Prop.ForAll(Crystal(withOxidation: false).ToArbitrary(), s =>
        {
            var once = RoundTrip(s);
            var twice = RoundTrip(once);
            return SameCrystal(once, twice) && once.Composition.Formula == twice.Composition.Formula;
        });

    // --- symmetry operations -------------------------------------------------------------------------------

    private static Gen<SymmetryOperation> TableOperation() =>
        from i in Gen.Choose(0, SpaceGroupTable.Settings.Count - 1)
        from j in Gen.Choose(0, 191)
        let ops = SpaceGroupTable.Settings[i].Operations
        select ops[j % ops.Count];

    /// <summary>The spellings files use: "-y,x-y,z+1/2", "X-Y,...", "1/2+z", "+x", spaces, decimals, running numbers.</summary>
    private static string Render(SymmetryOperation op, int style, int number)
    {
        var parts = new string[3];
        for (int i = 0; i < 3; i++)
        {
            var sb = new StringBuilder();
            double t = op.Translation[i];
            bool exactDecimal = Math.Abs(t * 8 - Math.Round(t * 8)) < 1e-12; // 0.5, 0.25, 0.125 ... are written exactly
            string trans = t == 0 ? "" : style == 3 && exactDecimal ? t.ToString("0.0####", System.Globalization.CultureInfo.InvariantCulture) : Fraction(t);
            if (style == 2 && trans.Length > 0) sb.Append(trans);
            for (int j = 0; j < 3; j++)
            {
                double c = op.Rotation[i, j];
                if (c == 0) continue;
                bool first = sb.Length == 0;
                sb.Append(c < 0 ? "-" : first && style != 4 ? "" : "+").Append((char)('x' + j));
            }
            if (style != 2 && trans.Length > 0) sb.Append(t < 0 ? "" : "+").Append(trans);
            parts[i] = style == 1 ? sb.ToString().ToUpperInvariant() : sb.ToString();
        }
        string text = string.Join(style == 5 ? " , " : style == 0 ? ", " : ",", parts);
        return style == 6 ? $"{number} {text}" : text;
    }

    private static string Fraction(double t)
    {
        for (int den = 1; den <= 12; den++)
        {
            double num = t * den;
            if (Math.Abs(num - Math.Round(num)) < 1e-9) return den == 1 ? $"{Math.Round(num)}" : $"{Math.Round(num)}/{den}";
        }
        return t.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Property(MaxTest = 500)]
    public Property OperationsParseInEverySpelling() =>
        Prop.ForAll(TableOperation().SelectMany(op => Gen.Choose(0, 6), (op, style) => (op, style)).ToArbitrary(), t =>
        {
            var (op, style) = t;
            string text = Render(op, style, 7);
            var parsed = SymmetryOperation.Parse(text);
            return (parsed.Rotation == op.Rotation && (parsed.Translation - op.Translation).Norm < 1e-9).Label(text);
        });

    [Property(MaxTest = 300)]
    public Property CanonicalFormRoundTrips() =>
        Prop.ForAll(TableOperation().ToArbitrary(), op =>
        {
            var back = SymmetryOperation.Parse(op.ToXyz());
            return back.Rotation == op.Rotation && (back.Translation - op.Translation).Norm < 1e-9;
        });

    [Fact]
    public void EverySettingMapsAGeneralPointToOneImagePerOperation()
    {
        var p = new Vec3(0.1234, 0.3577, 0.7911);
        foreach (var setting in SpaceGroupTable.Settings)
        {
            var images = setting.Operations.Select(op => op.Apply(p).Wrap()).ToList();
            int distinct = 0;
            for (int i = 0; i < images.Count; i++)
                if (!images.Take(i).Any(q => Periodic(q, images[i]) < 1e-6)) distinct++;
            Assert.True(distinct == setting.Operations.Count, $"{setting}: {distinct} distinct images");
        }
    }

    [Fact]
    public void EverySettingIsClosedUnderComposition()
    {
        foreach (var setting in SpaceGroupTable.Settings.Where(s => s.Operations.Count <= 48))
        {
            var ops = setting.Operations;
            foreach (var a in ops)
            foreach (var b in ops)
            {
                var rot = a.Rotation * b.Rotation;
                var trans = a.Rotation * b.Translation + a.Translation;
                Assert.True(ops.Any(c => c.Rotation == rot && Periodic(c.Translation, trans) < 1e-9), $"{setting} is not closed");
            }
        }
    }
}
