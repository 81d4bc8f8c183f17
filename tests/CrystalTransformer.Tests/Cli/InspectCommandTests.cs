using System.Text.Json;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Cli;

/// <summary><c>ct inspect</c>: one JSON object per structure, errors per file without stopping, exit codes, neighbours.</summary>
public sealed class InspectCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-inspect-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Keys =
        ["file", "formula", "reduced_formula", "n_sites", "a", "b", "c", "alpha", "beta", "gamma", "volume", "density", "is_ordered"];

    private static (int Code, List<JsonElement> Lines) Run(IEnumerable<string> files, double? neighbours = null, bool allBlocks = false, long maxBytes = 256 << 20)
    {
        var output = new StringWriter();
        int code = InspectCommand.Run(files, new InspectCommand.Settings(true, neighbours, null, maxBytes,
            ReadOptions.Default with { AllBlocks = allBlocks }), output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return (code, lines);
    }

    private static string Sample(string name) => BuiltInData.PathOf("samples", "cgcnn_cif", name);

    [Fact]
    public void EverySampleGivesOneObjectWithExactlyTheDocumentedKeys()
    {
        var files = Directory.GetFiles(BuiltInData.PathOf("samples", "cgcnn_cif"), "*.cif").Order().ToArray();
        var (code, lines) = Run(files);
        Assert.Equal(0, code);
        Assert.Equal(files.Length, lines.Count);
        foreach (var line in lines) Assert.Equal(Keys, line.EnumerateObject().Select(p => p.Name));
        var nacl = lines[0];
        Assert.Equal("Na4 Cl4", nacl.GetProperty("formula").GetString());
        Assert.Equal("NaCl", nacl.GetProperty("reduced_formula").GetString());
        Assert.Equal(8, nacl.GetProperty("n_sites").GetInt32());
        Assert.Equal(5.62, nacl.GetProperty("a").GetDouble(), 1e-9);
        Assert.Equal(177.504328, nacl.GetProperty("volume").GetDouble(), 1e-5);
        Assert.Equal(2.1868, nacl.GetProperty("density").GetDouble(), 1e-3);
        Assert.True(nacl.GetProperty("is_ordered").GetBoolean());
    }

    [Fact]
    public void ABadFileIsReportedAndTheOthersStillRead()
    {
        string bad = Path.Combine(_dir, "bad.cif");
        File.WriteAllText(bad, "data_x\n_cell_length_a 5\nloop_\n_atom_site_label\n_atom_site_fract_x\n");
        string binary = Path.Combine(_dir, "noise.cif");
        File.WriteAllBytes(binary, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var (code, lines) = Run([Sample("1000041.cif"), bad, Path.Combine(_dir, "missing.cif"), binary, Sample("1000050.cif")]);
        Assert.Equal(1, code);
        Assert.Equal(5, lines.Count);
        Assert.Equal("Na4 Cl4", lines[0].GetProperty("formula").GetString());
        foreach (var i in new[] { 1, 2, 3 })
        {
            Assert.Equal(["file", "error"], lines[i].EnumerateObject().Select(p => p.Name));
            Assert.DoesNotContain('\n', lines[i].GetProperty("error").GetString()!);
        }
        Assert.Contains("bad.cif", lines[1].GetProperty("error").GetString());
        Assert.Contains("file not found", lines[2].GetProperty("error").GetString());
        Assert.Contains("binary", lines[3].GetProperty("error").GetString());
        Assert.Equal("K1 Cl1", lines[4].GetProperty("formula").GetString());
    }

    [Fact]
    public void NeighboursMatchABruteForceCount()
    {
        const double r = 4.0;
        var (code, lines) = Run([Sample("7206075.cif")], neighbours: r);
        Assert.Equal(0, code);
        var line = Assert.Single(lines);
        var counts = line.GetProperty("neighbor_counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var nearest = line.GetProperty("nearest_distances").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var s = StructureIO.ReadOne(Sample("7206075.cif"));
        Assert.Equal(s.Count, counts.Length);
        for (int i = 0; i < s.Count; i++)
        {
            var (count, min) = BruteForce(s, i, r);
            Assert.Equal(count, counts[i]);
            Assert.Equal(min, nearest[i], 1e-9);
        }
    }

    private static (int Count, double Nearest) BruteForce(Structure s, int i, double r)
    {
        int count = 0;
        double nearest = double.MaxValue;
        var ci = s.Cartesian(i);
        for (int j = 0; j < s.Count; j++)
        for (int a = -3; a <= 3; a++)
        for (int b = -3; b <= 3; b++)
        for (int c = -3; c <= 3; c++)
        {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            double d = (s.Lattice.ToCartesian(s.Sites[j].Frac + new Vec3(a, b, c)) - ci).Norm;
            if (d <= r) { count++; nearest = Math.Min(nearest, d); }
        }
        return (count, nearest);
    }

    [Fact]
    public void SitesWithoutNeighboursWithinRHaveNullNearestDistance()
    {
        var (_, lines) = Run([Sample("1000041.cif")], neighbours: 1.0);
        var line = Assert.Single(lines);
        Assert.All(line.GetProperty("neighbor_counts").EnumerateArray(), e => Assert.Equal(0, e.GetInt32()));
        Assert.All(line.GetProperty("nearest_distances").EnumerateArray(), e => Assert.Equal(JsonValueKind.Null, e.ValueKind));
    }

    [Fact]
    public void MultiBlockCifsAndExtxyzGiveOneObjectPerStructure()
    {
        string multi = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cif", "synthetic", "multiblock_rutile_wurtzite.cif");
        Assert.Single(Run([multi]).Lines);
        var (code, lines) = Run([multi], allBlocks: true);
        Assert.Equal(0, code);
        Assert.Equal(["Ti2 O4", "Zn2 O2"], lines.Select(l => l.GetProperty("formula").GetString()));
        Assert.Equal(2400, Run([BuiltInData.PathOf("nomad2018", "train.extxyz.gz")]).Lines.Count);
    }

    [Fact]
    public void FilesAboveTheSizeLimitAreRefusedWithoutReading()
    {
        string big = Path.Combine(_dir, "big.cif");
        File.WriteAllText(big, File.ReadAllText(Sample("1000041.cif")) + new string('#', 3 << 20));
        var (code, lines) = Run([big], maxBytes: 1 << 20);
        Assert.Equal(1, code);
        Assert.Contains("larger than the --max-size limit", Assert.Single(lines).GetProperty("error").GetString());
    }

    [Fact]
    public void TheCommandIsRegisteredWithHelp()
    {
        var command = InspectCommand.Create();
        Assert.Equal("inspect", command.Name);
        Assert.Contains(command.Options, o => o.Name == "--json");
        Assert.Contains(command.Options, o => o.Name == "--neighbors");
        Assert.False(string.IsNullOrWhiteSpace(command.Description));
    }

    [Fact]
    public void FoldersAndUnexpandedPatternsStandForTheCrystalFilesInThem()
    {
        string plain = Path.Combine(_dir, "plain");
        Directory.CreateDirectory(Path.Combine(plain, "sub"));
        File.Copy(Sample("1000041.cif"), Path.Combine(plain, "b.cif"));
        File.Copy(Sample("1000050.cif"), Path.Combine(plain, "sub", "a.cif"));
        File.WriteAllText(Path.Combine(plain, "notes.txt"), "not a crystal");
        var expanded = InspectCommand.Expand([plain, Path.Combine(plain, "*.cif"), Path.Combine(_dir, "none", "*.cif")]).ToList();
        Assert.Equal([Path.Combine(plain, "b.cif"), Path.Combine(plain, "sub", "a.cif"), Path.Combine(plain, "b.cif"),
                      Path.Combine(_dir, "none", "*.cif")], expanded);
        var (code, lines) = Run([plain]);
        Assert.Equal(0, code);
        Assert.Equal(2, lines.Count);
        // A CGCNN folder stays one entry: its reader follows id_prop.csv.
        string cgcnn = Path.Combine(_dir, "cgcnn");
        Directory.CreateDirectory(cgcnn);
        File.WriteAllText(Path.Combine(cgcnn, "id_prop.csv"), "x,1.0\n");
        Assert.Equal([cgcnn], InspectCommand.Expand([cgcnn]));
    }

    [Fact]
    public void OverfilledSitesAreRefusedUnlessTheOccupancyToleranceAllowsRescaling()
    {
        string file = Path.Combine(_dir, "over.cif");
        File.WriteAllText(file, "data_o\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n" +
                                "_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n" +
                                "_atom_site_occupancy\nFe1 0 0 0 0.6\nNi1 0 0 0 0.5\n");
        var (code, lines) = Run([file]);
        Assert.Equal(1, code);
        Assert.Contains("total occupancy 1.1 (Fe 0.6 + Ni 0.5), more than 1", lines[0].GetProperty("error").GetString());
        var output = new StringWriter();
        Assert.Equal(0, InspectCommand.Run([file], new InspectCommand.Settings(true, null, null, 256 << 20,
            ReadOptions.Default with { OccupancyTolerance = 1.2 }), output));
        Assert.Contains("\"is_ordered\":false", output.ToString());
    }
}
