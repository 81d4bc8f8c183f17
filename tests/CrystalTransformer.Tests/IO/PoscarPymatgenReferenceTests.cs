using System.Text.Json;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.Structures;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// The 70 sample POSCARs (data/samples/alignn_poscar) read as pymatgen reads them: formula, reduced formula, sites,
/// lattice parameters, volume, species order and fractional coordinates. Fixture: Fixtures/Poscar/generate.py.
/// </summary>
public class PoscarPymatgenReferenceTests
{
    private sealed record Reference(string file, string formula, string reduced_formula, int n_sites,
        double a, double b, double c, double alpha, double beta, double gamma, double volume,
        string[] species, double[][] frac);

    private static readonly Lazy<Reference[]> References = new(() =>
        JsonSerializer.Deserialize<Reference[]>(File.ReadAllText(FixturePath("Poscar", "pymatgen_reference.json")))!);

    public static TheoryData<string> Files() => new(References.Value.Select(r => r.file));

    [Fact]
    public void FixtureCoversEverySamplePoscar()
    {
        var onDisk = Directory.GetFiles(BuiltInData.PathOf("samples", "alignn_poscar"), "*.vasp").Select(Path.GetFileName).Order();
        Assert.Equal(onDisk, References.Value.Select(r => r.file).Order());
        Assert.Equal(70, References.Value.Length);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MatchesPymatgen(string file)
    {
        var r = References.Value.Single(x => x.file == file);
        var path = BuiltInData.PathOf("samples", "alignn_poscar", file);
        using var reader = File.OpenText(path);
        var s = Assert.Single(PoscarFormat.Instance.Read(reader, path, ReadOptions.Default));

        Assert.Equal(r.formula, s.Composition.Formula);
        Assert.Equal(r.reduced_formula, s.Composition.ReducedFormula);
        Assert.Equal(r.n_sites, s.Count);
        var l = s.Lattice;
        Assert.Equal(r.a, l.LengthA, 1e-10);
        Assert.Equal(r.b, l.LengthB, 1e-10);
        Assert.Equal(r.c, l.LengthC, 1e-10);
        Assert.Equal(r.alpha, l.Alpha, 1e-9);
        Assert.Equal(r.beta, l.Beta, 1e-9);
        Assert.Equal(r.gamma, l.Gamma, 1e-9);
        Assert.Equal(r.volume, s.Volume, r.volume * 1e-12);
        Assert.Equal(r.species, s.Sites.Select(x => x.Element.Symbol));
        for (int i = 0; i < s.Count; i++)
            AssertClose(new Vec3(r.frac[i][0], r.frac[i][1], r.frac[i][2]), s.Sites[i].Frac, 1e-12);
    }
}
