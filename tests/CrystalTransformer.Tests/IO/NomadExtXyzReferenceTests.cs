using System.IO.Compression;
using System.Text.Json;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// All 2,400 NOMAD 2018 frames (data/nomad2018/train.extxyz.gz) read as ASE reads them and pymatgen describes them:
/// ids, labels, formula, sites, lattice parameters, volume, species order, first and last positions.
/// Fixture: Fixtures/ExtXyz/generate.py.
/// </summary>
public class NomadExtXyzReferenceTests
{
    private sealed record Reference(string id, Dictionary<string, double> labels, string symbols, double[] first_frac, double[] last_frac);

    private static (Reference[], PymatgenSummary[]) LoadReferences()
    {
        using var gz = new GZipStream(File.OpenRead(FixturePath("ExtXyz", "nomad_reference.json.gz")), CompressionMode.Decompress);
        string json = new StreamReader(gz).ReadToEnd();
        return (JsonSerializer.Deserialize<Reference[]>(json)!, JsonSerializer.Deserialize<PymatgenSummary[]>(json)!);
    }

    private static readonly Lazy<IReadOnlyList<Structure>> Nomad = new(() => StructureIO.Read(BuiltInData.PathOf("nomad2018", "train.extxyz.gz")));

    /// <summary>The 2,400 frames read once through StructureIO (structures are immutable, so tests share them).</summary>
    internal static IReadOnlyList<Structure> ReadNomad() => Nomad.Value;

    [Fact]
    public void AllFramesMatchAseAndPymatgen()
    {
        var (refs, summaries) = LoadReferences();
        var frames = ReadNomad();
        Assert.Equal(2400, refs.Length);
        Assert.Equal(refs.Length, frames.Count);
        Assert.Equal(148030, frames.Sum(f => f.Count));
        for (int k = 0; k < refs.Length; k++)
        {
            var r = refs[k];
            var s = frames[k];
            string where = $"frame {k + 1} (id {r.id})";
            Assert.True(r.id == s.Id, where);
            summaries[k].AssertMatches(s, where);
            Assert.True(r.symbols == string.Join(" ", s.Sites.Select(x => x.Element.Symbol)), where);
            Assert.True(r.labels.Count == s.Labels.Count, $"{where}: labels {string.Join(",", s.Labels.Keys)}");
            foreach (var (name, value) in r.labels) Assert.True(value == s.Labels[name], $"{where}: label {name}");
            Assert.Empty(s.Info);
            AssertClose(new Vec3(r.first_frac[0], r.first_frac[1], r.first_frac[2]), s.Sites[0].Frac, 1e-12);
            AssertClose(new Vec3(r.last_frac[0], r.last_frac[1], r.last_frac[2]), s.Sites[^1].Frac, 1e-12);
        }
    }
}
