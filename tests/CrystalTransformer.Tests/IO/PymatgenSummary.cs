using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// What the reference fixtures record about each structure as pymatgen describes it (JSON names as the generators
/// write them), and the one comparison every reference test makes.
/// </summary>
internal sealed record PymatgenSummary(string formula, string reduced_formula, int n_sites,
    double a, double b, double c, double alpha, double beta, double gamma, double volume)
{
    /// <summary>Formula strings equal; lattice parameters to 1e-10 Å / 1e-9°; volume to 1e-12 relative.</summary>
    public void AssertMatches(Structure s, string where)
    {
        Assert.True(formula == s.Composition.Formula, $"{where}: formula {s.Composition.Formula}, pymatgen {formula}");
        Assert.True(reduced_formula == s.Composition.ReducedFormula, $"{where}: reduced formula {s.Composition.ReducedFormula}, pymatgen {reduced_formula}");
        Assert.True(n_sites == s.Count, $"{where}: {s.Count} sites, pymatgen {n_sites}");
        var l = s.Lattice;
        Near(a, l.LengthA, 1e-10, "a"); Near(b, l.LengthB, 1e-10, "b"); Near(c, l.LengthC, 1e-10, "c");
        Near(alpha, l.Alpha, 1e-9, "alpha"); Near(beta, l.Beta, 1e-9, "beta"); Near(gamma, l.Gamma, 1e-9, "gamma");
        Near(volume, s.Volume, volume * 1e-12, "volume");

        void Near(double expected, double actual, double tolerance, string what) =>
            Assert.True(Math.Abs(expected - actual) <= tolerance, $"{where}: {what} {actual:R}, pymatgen {expected:R}");
    }
}
