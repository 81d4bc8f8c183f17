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
    private sealed record Reference(string file, string[] species, double[][] frac);

    private static readonly Lazy<(Reference[] Rows, PymatgenSummary[] Summaries)> Fixture = new(() =>
    {
        string json = File.ReadAllText(FixturePath("Poscar", "pymatgen_reference.json"));
        return (JsonSerializer.Deserialize<Reference[]>(json)!, JsonSerializer.Deserialize<PymatgenSummary[]>(json)!);
    });

    private static Reference[] References => Fixture.Value.Rows;

    public static TheoryData<string> Files() => new(References.Select(r => r.file));

    [Fact]
    public void FixtureCoversEverySamplePoscar()
    {
        var onDisk = Directory.GetFiles(BuiltInData.PathOf("samples", "alignn_poscar"), "*.vasp").Select(Path.GetFileName).Order();
        Assert.Equal(onDisk, References.Select(r => r.file).Order());
        Assert.Equal(70, References.Length);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MatchesPymatgen(string file)
    {
        int k = Array.FindIndex(References, x => x.file == file);
        var r = References[k];
        var path = BuiltInData.PathOf("samples", "alignn_poscar", file);
        using var reader = File.OpenText(path);
        var s = Assert.Single(PoscarFormat.Instance.Read(reader, path, ReadOptions.Default));

        Fixture.Value.Summaries[k].AssertMatches(s, file);
        Assert.Equal(r.species, s.Sites.Select(x => x.Element.Symbol));
        for (int i = 0; i < s.Count; i++)
            AssertClose(new Vec3(r.frac[i][0], r.frac[i][1], r.frac[i][2]), s.Sites[i].Frac, 1e-12);
    }
}
