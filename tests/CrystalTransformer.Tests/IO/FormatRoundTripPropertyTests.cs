using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.Structures;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CrystalTransformer.Tests.Structures.CrystalGenerators;

namespace CrystalTransformer.Tests.IO;

/// <summary>Random crystals written by each writer and read back by its reader come back unchanged.</summary>
public class FormatRoundTripPropertyTests
{
    private static Structure RoundTrip(IStructureFormat format, Structure s)
    {
        var text = FormatTestHelpers.WriteAll(format, s);
        return Assert.Single(format.Read(new StringReader(text), "roundtrip", ReadOptions.Default));
    }

    private static bool SameCrystal(Structure expected, Structure actual, double coordinateTolerance)
    {
        if (expected.Count != actual.Count) return false;
        var (m, n) = (expected.Lattice.Matrix, actual.Lattice.Matrix);
        for (int r = 0; r < 3; r++)
            if ((m.Row(r) - n.Row(r)).Norm > 1e-8) return false;
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected.Sites[i].Element != actual.Sites[i].Element) return false;
            if ((expected.Sites[i].Frac - actual.Sites[i].Frac).Norm > coordinateTolerance) return false;
        }
        return true;
    }

    [Property(MaxTest = 200)]
    public Property PoscarRoundTrip() =>
        Prop.ForAll(AnyCrystal().ToArbitrary(), s => SameCrystal(s, RoundTrip(PoscarFormat.Instance, s), 0)); // Direct, full precision: exact

    [Property(MaxTest = 200)]
    public Property PoscarRoundTripKeepsSelectiveDynamics() =>
        Prop.ForAll(AnyCrystal().SelectMany(s => Gen.Elements(true, false).ArrayOf(3 * s.Count), (s, f) => (s, f)).ToArbitrary(), t =>
        {
            var (s, f) = t;
            var flagged = s.WithSites(s.Sites.Select((x, i) => new Site(x.Element, x.Frac) { SelectiveDynamics = (f[3 * i], f[3 * i + 1], f[3 * i + 2]) }).ToArray());
            var back = RoundTrip(PoscarFormat.Instance, flagged);
            return back.Sites.Select(x => x.SelectiveDynamics).SequenceEqual(flagged.Sites.Select(x => x.SelectiveDynamics));
        });

    [Property(MaxTest = 200)]
    public Property ExtXyzRoundTrip() =>
        // Positions travel as Cartesian Å, so fractional coordinates come back to within rounding (~1e-15).
        Prop.ForAll(AnyCrystal().ToArbitrary(), s => SameCrystal(s, RoundTrip(ExtXyzFormat.Instance, s), 1e-12));

    [Property(MaxTest = 200)]
    public Property ExtXyzRoundTripKeepsLabelsExactly() =>
        Prop.ForAll(AnyCrystal().SelectMany(_ => Real(-1e3, 1e3).ArrayOf(3), (s, v) => (s, v)).ToArbitrary(), t =>
        {
            var (s, v) = t;
            var labelled = s.WithId("x").WithLabels(new Dictionary<string, double> { ["e"] = v[0], ["gap"] = v[1] * 1e-7, ["big"] = v[2] * 1e200 });
            var back = RoundTrip(ExtXyzFormat.Instance, labelled);
            return back.Labels.Count == 3 && back.Labels.All(kv => labelled.Labels[kv.Key] == kv.Value);
        });
}
