using System.Globalization;
using System.Text.Json;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// Every CIF of Fixtures/cif (real files of many programs and synthetic ones in their styles) reads to the values in
/// reference.json: pymatgen's (formula strings exactly) unless the entry notes why pymatgen fails or is wrong, in which
/// case the structure the file describes (amounts compared as numbers).
/// </summary>
public class CifReferenceTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cif");
    private static readonly Lazy<Dictionary<string, JsonElement>> Reference = new(() =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(Folder, "reference.json")))!);

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var name in Reference.Value.Keys.Order(StringComparer.Ordinal)) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadsLikeTheReference(string file)
    {
        var entry = Reference.Value[file];
        var expected = entry.GetProperty("expected");
        bool pymatgenParity = !entry.TryGetProperty("note", out _);
        string path = Path.Combine(Folder, file);
        if (expected.TryGetProperty("error", out _))
        {
            Assert.Throws<InputError>(() => StructureIO.ReadOne(path));
            return;
        }
        var s = StructureIO.ReadOne(path);
        Assert.Equal(expected.GetProperty("n_sites").GetInt32(), s.Count);
        Assert.Equal(expected.GetProperty("is_ordered").GetBoolean(), s.IsOrdered);
        var l = s.Lattice;
        AssertClose(expected, "a", l.LengthA, 1e-6);
        AssertClose(expected, "b", l.LengthB, 1e-6);
        AssertClose(expected, "c", l.LengthC, 1e-6);
        AssertClose(expected, "alpha", l.Alpha, 1e-6);
        AssertClose(expected, "beta", l.Beta, 1e-6);
        AssertClose(expected, "gamma", l.Gamma, 1e-6);
        AssertClose(expected, "volume", l.Volume, 1e-6);
        if (pymatgenParity)
        {
            Assert.Equal(expected.GetProperty("formula").GetString(), s.Composition.Formula);
            Assert.Equal(expected.GetProperty("reduced_formula").GetString(), s.Composition.ReducedFormula);
        }
        else
        {
            var want = Amounts(expected.GetProperty("formula").GetString()!);
            var got = Amounts(s.Composition.Formula);
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            foreach (var (el, amount) in want) Assert.True(Math.Abs(amount - got[el]) < 1e-6, $"{el}: {amount} vs {got[el]}");
        }
    }

    [Fact]
    public void CorpusHasManyFilesAndPymatgenParityForMost()
    {
        var entries = Reference.Value;
        Assert.True(entries.Count >= 150, $"only {entries.Count} fixture files");
        int parity = entries.Values.Count(e => !e.TryGetProperty("note", out _));
        Assert.True(parity >= entries.Count / 2, $"pymatgen parity expected for most files, got {parity}");
    }

    private static void AssertClose(JsonElement expected, string key, double actual, double relative)
    {
        double want = expected.GetProperty(key).GetDouble();
        Assert.True(Math.Abs(want - actual) <= relative * Math.Max(1, Math.Abs(want)), $"{key}: expected {want}, got {actual}");
    }

    /// <summary>"Ca4 Nb2.0 Al2 O12" → element → amount.</summary>
    private static Dictionary<string, double> Amounts(string formula)
    {
        var d = new Dictionary<string, double>();
        foreach (var part in formula.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int i = 0;
            while (i < part.Length && char.IsLetter(part[i])) i++;
            d[part[..i]] = double.Parse(part[i..], CultureInfo.InvariantCulture);
        }
        return d;
    }
}
