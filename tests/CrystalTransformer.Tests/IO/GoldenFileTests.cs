using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.Structures;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// Each writer's output for one fixed structure, compared byte for byte (after normalising line endings) with a
/// committed file, so any change to a written format is deliberate. After an intended change, regenerate with
/// CT_UPDATE_GOLDEN=1 set for one test run and review the diff; Fixtures/Golden/verify_with_python.py checks that
/// pymatgen and ASE read the files.
/// </summary>
public class GoldenFileTests
{
    /// <summary>Wurtzite GaN in a slightly skewed cell, with interleaved species, flags, labels and info.</summary>
    internal static Structure GoldenStructure()
    {
        var lattice = new Lattice(new Vec3(3.189, 0, 0), new Vec3(-1.5945, 2.7617442, 0), new Vec3(0.01, -0.02, 5.185));
        Element ga = PeriodicTable.Get("Ga"), n = PeriodicTable.Get("N");
        var sites = new Site[]
        {
            new(ga, new Vec3(1.0 / 3, 2.0 / 3, 0)),
            new(n, new Vec3(1.0 / 3, 2.0 / 3, 0.377)) { SelectiveDynamics = (false, false, true) },
            new(ga, new Vec3(2.0 / 3, 1.0 / 3, 0.5)),
            new(n, new Vec3(2.0 / 3, 1.0 / 3, 0.877)),
        };
        return new Structure(lattice, sites, "golden-GaN",
            new Dictionary<string, double> { ["formation_energy_ev_natom"] = -0.6543, ["band_gap"] = 3.4 },
            new Dictionary<string, string> { ["spacegroup_symbol"] = "P6_3mc", ["note"] = "fixed structure for golden files" });
    }

    [Theory]
    [InlineData("poscar", "GaN.vasp")]
    [InlineData("extxyz", "GaN.extxyz")]
    [InlineData("cif", "GaN.cif")]
    public void WriterOutputMatchesTheGoldenFile(string formatName, string file)
    {
        var format = StructureIO.GetFormat(formatName);
        string written = WriteAll(format, GoldenStructure()).ReplaceLineEndings("\n");
        string path = FixturePath("Golden", file);
        if (Environment.GetEnvironmentVariable("CT_UPDATE_GOLDEN") == "1")
        {
            string sourceDir = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "tests", "CrystalTransformer.Tests", "Fixtures", "Golden");
            File.WriteAllText(Path.Combine(sourceDir, file), written);
            File.WriteAllText(path, written);
        }
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), written);
    }

    [Fact]
    public void GoldenFilesReadBackToTheGoldenStructure()
    {
        var expected = GoldenStructure();
        var poscar = ReadOne(PoscarFormat.Instance, File.ReadAllText(FixturePath("Golden", "GaN.vasp")), "GaN.vasp");
        var extxyz = ReadOne(ExtXyzFormat.Instance, File.ReadAllText(FixturePath("Golden", "GaN.extxyz")), "GaN.extxyz");
        foreach (var s in new[] { poscar, extxyz })
        {
            Assert.Equal(expected.Lattice.Matrix, s.Lattice.Matrix);
            Assert.Equal(expected.Sites.Select(x => x.Element), s.Sites.Select(x => x.Element));
            for (int i = 0; i < expected.Count; i++) AssertClose(expected.Sites[i].Frac, s.Sites[i].Frac, 1e-15);
        }
        // CIF holds cell parameters (8 decimals, as pymatgen writes them), not vectors: the same cell up to orientation.
        var cif = StructureIO.ReadText(File.ReadAllText(FixturePath("Golden", "GaN.cif")), "cif", source: "GaN.cif").Single();
        Assert.Equal(expected.Volume, cif.Volume, 1e-6);
        Assert.Equal(expected.Lattice.Gamma, cif.Lattice.Gamma, 1e-7);
        Assert.Equal(expected.Composition.Formula, cif.Composition.Formula);
        // The CIF reader orders sites as pymatgen does (grouped by species), so match them as a set.
        Assert.Equal(expected.Count, cif.Count);
        Assert.All(expected.Sites, e => Assert.Contains(cif.Sites, c => c.Element == e.Element && (c.Frac - e.Frac).Norm < 1e-8));
        Assert.Equal(expected.Sites.Select(x => x.SelectiveDynamics ?? (true, true, true)), poscar.Sites.Select(x => x.SelectiveDynamics!.Value));
        Assert.Equal("golden-GaN", extxyz.Id);
        Assert.Equal(expected.Labels, extxyz.Labels);
        Assert.Equal(expected.Info, extxyz.Info);
    }
}
