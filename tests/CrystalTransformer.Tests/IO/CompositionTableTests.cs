using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

public sealed class CompositionTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-comp-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "analysis", "compounds.csv");

    [Fact]
    public void FindsTheFormulaColumnAndKeepsOnlyNumericColumns()
    {
        var t = CompositionTable.Read(Fixture);
        Assert.Equal("formula", t.FormulaColumn);
        Assert.Equal(["energy", "gap"], t.ValueColumns);
        Assert.Equal(10, t.Rows.Count);
        Assert.Equal("5", t.Rows[4].Id);
        Assert.Equal(2, t.Rows[4].Composition[PeriodicTable.Get("Fe")]);
        Assert.True(double.IsNaN(t.Rows[8].Values[1]));
    }

    [Fact]
    public void ReadsTheBuiltInDataSetsWithTheirColumns()
    {
        var perov = CompositionTable.Read(CrystalTransformer.IO.BuiltInData.PathOf("perov5", "perov5.csv.gz"), "formula", ["heat_ref", "ind_gap"]);
        Assert.Equal(7996, perov.Rows.Count);
        Assert.All(perov.Rows, r => Assert.Equal(5.0, r.Composition.TotalAmount, 9));
    }

    [Fact]
    public void BadFormulaOrValueNamesTheLine()
    {
        string path = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(path, "formula,y\nNaCl,1\nXqCl,2\n");
        Assert.Equal($"{path}:3: unknown element 'Xq' in formula 'XqCl'", Assert.Throws<InputError>(() => CompositionTable.Read(path)).Message);
        File.WriteAllText(path, "formula,y\nNaCl,1\nKCl,abc\n");
        Assert.Equal($"{path}:3: column 'y': 'abc' is not a number", Assert.Throws<InputError>(() => CompositionTable.Read(path, valueColumns: ["y"])).Message);
        File.WriteAllText(path, "name,y\nNaCl,1\n");
        Assert.Contains("no formula column", Assert.Throws<InputError>(() => CompositionTable.Read(path)).Message);
    }
}
