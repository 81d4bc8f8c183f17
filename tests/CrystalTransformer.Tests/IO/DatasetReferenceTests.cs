using System.Globalization;
using System.IO.Compression;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// The built-in crystals read through <see cref="StructureIO"/> equal pymatgen's reading of them: all 7,996 perov5
/// CIFs, the CGCNN and ALIGNN samples, and all 2,400 NOMAD frames (formula, reduced formula, site count, lattice
/// parameters, volume). Fixtures: Fixtures/Datasets/generate.py and Fixtures/ExtXyz/generate.py.
/// </summary>
public class DatasetReferenceTests
{
    private sealed record Row(string Id, string Formula, string ReducedFormula, int Sites, double[] Lattice, bool Ordered);

    private static List<Row> Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new StreamReader(path.EndsWith(".gz") ? new GZipStream(stream, CompressionMode.Decompress) : stream);
        reader.ReadLine();
        var rows = new List<Row>();
        string? line;
        while ((line = reader.ReadLine()) is { Length: > 0 })
        {
            var f = line.Split('\t');
            rows.Add(new Row(f[0], f[1], f[2], int.Parse(f[3], CultureInfo.InvariantCulture),
                f[4..11].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray(), f[11] == "True"));
        }
        return rows;
    }

    private static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    private static void AssertEqual(Row r, Structure s)
    {
        string where = $"{r.Id}";
        Assert.True(r.Formula == s.Composition.Formula, $"{where}: formula {s.Composition.Formula} vs pymatgen {r.Formula}");
        Assert.True(r.ReducedFormula == s.Composition.ReducedFormula, $"{where}: reduced formula {s.Composition.ReducedFormula} vs {r.ReducedFormula}");
        Assert.True(r.Sites == s.Count, $"{where}: {s.Count} sites vs {r.Sites}");
        Assert.True(r.Ordered == s.IsOrdered, $"{where}: ordered");
        var l = s.Lattice;
        double[] ours = [l.LengthA, l.LengthB, l.LengthC, l.Alpha, l.Beta, l.Gamma, l.Volume];
        for (int i = 0; i < 7; i++)
            Assert.True(Math.Abs(ours[i] - r.Lattice[i]) <= 1e-9 * Math.Max(1, Math.Abs(r.Lattice[i])), $"{where}: lattice value {i}: {ours[i]} vs {r.Lattice[i]}");
    }

    [Fact]
    public void AllPerov5CrystalsEqualPymatgen()
    {
        var refs = Load(FixturePath("Datasets", "perov5_reference.tsv.gz"));
        var ours = StructureIO.Read(BuiltInData.PathOf("perov5", "perov5.csv.gz"));
        Assert.Equal(7996, refs.Count);
        Assert.Equal(refs.Count, ours.Count);
        for (int i = 0; i < refs.Count; i++)
        {
            Assert.Equal(refs[i].Id, ours[i].Id);
            AssertEqual(refs[i], ours[i]);
        }
    }

    [Fact]
    public void SampleCifsAndPoscarsEqualPymatgen()
    {
        var refs = Load(FixturePath("Datasets", "samples_reference.tsv"));
        Assert.Equal(80, refs.Count);
        foreach (var r in refs) AssertEqual(r, StructureIO.ReadOne(BuiltInData.PathOf("samples", r.Id)));
    }

    [Fact]
    public void NomadThroughStructureIOEqualsPymatgen()
    {
        using var gz = new GZipStream(File.OpenRead(FixturePath("ExtXyz", "nomad_reference.json.gz")), CompressionMode.Decompress);
        var refs = System.Text.Json.JsonDocument.Parse(gz).RootElement.EnumerateArray().ToList();
        var ours = StructureIO.Read(BuiltInData.PathOf("nomad2018", "train.extxyz.gz"));
        Assert.Equal(2400, ours.Count);
        for (int i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var row = new Row(r.GetProperty("id").GetString()!, r.GetProperty("formula").GetString()!, r.GetProperty("reduced_formula").GetString()!,
                r.GetProperty("n_sites").GetInt32(),
                new[] { "a", "b", "c", "alpha", "beta", "gamma", "volume" }.Select(k => r.GetProperty(k).GetDouble()).ToArray(), true);
            Assert.Equal(row.Id, ours[i].Id);
            AssertEqual(row, ours[i]);
        }
    }
}
