using System.IO.Compression;
using System.Text;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>POSCAR and extxyz through the one entry point: detection by name and content, gzip, writing.</summary>
public sealed class StructureIOPoscarExtXyzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-io-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string SamplePoscar = File.ReadAllText(BuiltInData.PathOf("samples", "alignn_poscar", "POSCAR-JVASP-10.vasp"));
    private static readonly string SampleExtXyz = File.ReadAllText(FormatTestHelpers.FixturePath("Golden", "GaN.extxyz"));

    private string Put(string name, string text, bool gzip = false)
    {
        string path = Path.Combine(_dir, name);
        if (gzip)
        {
            using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
            gz.Write(Encoding.UTF8.GetBytes(text));
        }
        else File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("POSCAR", "poscar")]
    [InlineData("CONTCAR", "poscar")]
    [InlineData("CONTCAR.relax2", "poscar")]
    [InlineData("POSCAR_initial", "poscar")]
    [InlineData("VSe2.vasp", "poscar")]
    [InlineData("VSe2.poscar", "poscar")]
    [InlineData("POSCAR.gz", "poscar")]
    [InlineData("frames.xyz", "extxyz")]
    [InlineData("frames.extxyz", "extxyz")]
    [InlineData("frames.extxyz.gz", "extxyz")]
    public void FileNamesSelectTheFormat(string name, string format)
    {
        string text = format == "poscar" ? SamplePoscar : SampleExtXyz;
        string path = Put(name, text, gzip: name.EndsWith(".gz"));
        Assert.Equal(format, StructureIO.DetectFormat(path).Name);
        var s = StructureIO.ReadOne(path);
        Assert.Equal(format == "poscar" ? "VSe2" : "GaN", s.Composition.ReducedFormula);
    }

    [Theory]
    [InlineData("poscar")]
    [InlineData("extxyz")]
    public void ContentDecidesWhenTheNameDoesNot(string format)
    {
        string path = Put("structure.dat", format == "poscar" ? SamplePoscar : SampleExtXyz);
        Assert.Equal(format, StructureIO.DetectFormat(path).Name);
        Assert.Single(StructureIO.Read(path));
        string gz = Put("structure.dat.gz", format == "poscar" ? SamplePoscar : SampleExtXyz, gzip: true);
        Assert.Equal(format, StructureIO.DetectFormat(gz).Name);
    }

    [Fact]
    public void AlignnSampleFolderReadsTheLabelledPoscars()
    {
        var all = StructureIO.Read(BuiltInData.PathOf("samples", "alignn_poscar"));
        Assert.Equal(50, all.Count);
        Assert.Equal("POSCAR-JVASP-90856.vasp", all[0].Id);
        Assert.Equal(0.0, all[0].Labels["target"]);
        Assert.All(all, s => Assert.True(s.Count > 0));
    }

    [Theory]
    [InlineData("out/POSCAR")]
    [InlineData("out/GaN.vasp")]
    [InlineData("out/GaN.extxyz")]
    [InlineData("out/GaN.extxyz.gz")]
    public void WritesByNameAndReadsBack(string name)
    {
        var s = GoldenFileTests.GoldenStructure();
        string path = Path.Combine(_dir, name);
        StructureIO.Write(path, s);
        var back = StructureIO.ReadOne(path);
        Assert.Equal(s.Lattice.Matrix, back.Lattice.Matrix);
        Assert.Equal(s.Sites.Select(x => x.Element), back.Sites.Select(x => x.Element));
    }

    [Fact]
    public void ErrorsNameTheFile()
    {
        string path = Put("POSCAR", SamplePoscar.Replace("direct", "fractional"));
        var e = Assert.Throws<InputError>(() => StructureIO.Read(path));
        Assert.Equal($"{path}:8: expected 'Direct' or 'Cartesian', found 'fractional'", e.Message);
    }
}
