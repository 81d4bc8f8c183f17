using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>The CGCNN folder layout (id_prop.csv + &lt;id&gt;.cif) and ALIGNN's variant with file names.</summary>
public sealed class CgcnnFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-cgcnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Cif = File.ReadAllText(BuiltInData.PathOf("samples", "cgcnn_cif", "1000050.cif"));

    private string Folder(string idProp, params string[] cifIds)
    {
        File.WriteAllText(Path.Combine(_dir, "id_prop.csv"), idProp);
        foreach (var id in cifIds) File.WriteAllText(Path.Combine(_dir, id + ".cif"), Cif);
        return _dir;
    }

    [Fact]
    public void CgcnnSampleHasTenCrystalsWithTargets()
    {
        var all = StructureIO.Read(BuiltInData.PathOf("samples", "cgcnn_cif"));
        Assert.Equal(["1000041", "1000050", "1101051", "1507756", "7206075", "9000046", "9009743", "9011050", "9011998", "9012304"],
            all.Select(s => s.Id));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (double)i), all.Select(s => s.Labels["target"]));
    }

    [Fact]
    public void AlignnSampleUsesFileNamesAsIds()
    {
        var all = StructureIO.Read(BuiltInData.PathOf("samples", "alignn_poscar"));
        Assert.Equal(50, all.Count);
        Assert.Equal("POSCAR-JVASP-90856.vasp", all[0].Id);
        Assert.All(all, s => Assert.False(double.IsNaN(s.Labels["target"])));
    }

    [Fact]
    public void SeveralValueColumnsAreNumberedTargets()
    {
        var all = StructureIO.Read(Folder("a,1.5,-2\nb,3,nan\n", "a", "b"));
        Assert.Equal(1.5, all[0].Labels["target0"]);
        Assert.Equal(-2, all[0].Labels["target1"]);
        Assert.True(double.IsNaN(all[1].Labels["target1"]));
    }

    [Fact]
    public void AHeaderRowNamesTheLabels()
    {
        var all = StructureIO.Read(Folder("id,band_gap\na,1.25\n", "a"));
        Assert.Single(all);
        Assert.Equal(1.25, all[0].Labels["band_gap"]);
    }

    [Theory]
    [InlineData("a,1\nb,oops\n", "id_prop.csv:2: row 2 (id b): value 'oops' is not a number")]
    [InlineData("a,1\nc,2\n", "id_prop.csv:2: row 2: no structure file for id 'c'")]
    [InlineData("a,1\nb,2,3\n", "id_prop.csv:2: row 2 (id b): 2 values, earlier rows have 1")]
    [InlineData("a\n", "id_prop.csv:1: row 1: expected 'id,value'")]
    [InlineData("../a,1\n", "id_prop.csv:1: row 1: no structure file for id '../a'")]
    public void BadRowsAreOneLineErrorsNamingTheRow(string idProp, string expected)
    {
        var folder = Folder(idProp, "a", "b");
        var e = Assert.Throws<InputError>(() => StructureIO.Read(folder));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AFolderWithoutIdPropIsAnError()
    {
        var e = Assert.Throws<InputError>(() => StructureIO.Read(_dir));
        Assert.Contains("id_prop.csv", e.Message);
    }

    [Fact]
    public void ABrokenCifIsNamedByItsFile()
    {
        File.WriteAllText(Path.Combine(_dir, "id_prop.csv"), "x,1\n");
        File.WriteAllText(Path.Combine(_dir, "x.cif"), "data_x\n_cell_length_a 1\n");
        var e = Assert.Throws<InputError>(() => StructureIO.Read(_dir));
        Assert.Contains("x.cif", e.Message);
    }
}
