using System.IO.Compression;
using System.Text.Json;
using CrystalTransformer.IO;
using CrystalTransformer.IO.AseDb;
using CrystalTransformer.IO.PymatgenJson;
using CrystalTransformer.Structures;
using Microsoft.Data.Sqlite;
using static CrystalTransformer.Tests.IO.FormatTestHelpers;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// pymatgen JSON (one Structure, a list, matbench's split layout, records) and ASE databases, written by pymatgen and
/// ASE themselves, read as they read them back: ids, lattices, coordinates, species with occupancies and oxidation
/// states, labels, splits, and the bad record of each file. Fixtures: Fixtures/UserFormats/generate.py.
/// </summary>
public class UserFormatsReferenceTests
{
    private sealed record RefRecord(string id, string formula, double[][] matrix, double[][] frac, JsonElement[][][] species,
        Dictionary<string, double> labels, string? split, double[][]? cartesian);

    private sealed record RefFile(RefRecord[] records, int? bad);

    private static readonly Lazy<Dictionary<string, RefFile>> Reference = new(() =>
        JsonSerializer.Deserialize<Dictionary<string, RefFile>>(File.ReadAllText(FixturePath("UserFormats", "reference.json")))!);

    internal static string Fixture(string name) => FixturePath("UserFormats", name);

    private static (List<Structure> Structures, List<InputError> Bad) ReadSkipping(string path)
    {
        var bad = new List<InputError>();
        var structures = StructureIO.Read(path, ReadOptions.Default with { BadRecord = bad.Add }).ToList();
        return (structures, bad);
    }

    [Theory]
    [InlineData("structure.json", "json")]
    [InlineData("structures.json", "json")]
    [InlineData("matbench_split.json.gz", "json")]
    [InlineData("records.json", "json")]
    [InlineData("structures.db", "ase-db")]
    public void EveryRecordMatchesWhatPymatgenAndAseReadBack(string file, string format)
    {
        var reference = Reference.Value[file];
        string path = Fixture(file);
        Assert.Equal(format, StructureIO.DetectFormat(path).Name);
        var (structures, bad) = ReadSkipping(path);
        Assert.Equal(reference.records.Length, structures.Count);
        Assert.Equal(reference.bad is null ? 0 : 1, bad.Count);
        for (int k = 0; k < structures.Count; k++)
        {
            var s = structures[k];
            var r = reference.records[k];
            Assert.Equal(r.id, s.Id);
            Assert.Equal(r.formula, s.Composition.Formula);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(r.matrix[i][j], s.Lattice.Matrix[i, j]);   // the file's float64 values, bit for bit
            Assert.Equal(r.frac.Length, s.Count);
            for (int a = 0; a < s.Count; a++)
            {
                // JSON holds the fractions themselves; ASE stores Cartesian positions, converted with the cell's inverse.
                double tolerance = format == "json" ? 0 : 1e-12;
                Assert.Equal(r.frac[a][0], s.Sites[a].Frac.X, tolerance);
                Assert.Equal(r.frac[a][1], s.Sites[a].Frac.Y, tolerance);
                Assert.Equal(r.frac[a][2], s.Sites[a].Frac.Z, tolerance);
                if (r.cartesian is not null)
                {
                    var c = s.Cartesian(a);
                    Assert.Equal(r.cartesian[a][0], c.X, 1e-12);
                    Assert.Equal(r.cartesian[a][1], c.Y, 1e-12);
                    Assert.Equal(r.cartesian[a][2], c.Z, 1e-12);
                }
                var occupants = s.Sites[a].Occupants;
                Assert.Equal(r.species[a].Length, occupants.Count);
                for (int o = 0; o < occupants.Count; o++)
                {
                    Assert.Equal(r.species[a][o][0].GetString(), occupants[o].Element.Symbol);
                    Assert.Equal(r.species[a][o][1].GetDouble(), occupants[o].Occupancy);
                    double? oxidation = r.species[a][o][2].ValueKind == JsonValueKind.Number ? r.species[a][o][2].GetDouble() : null;
                    Assert.Equal(oxidation, occupants[o].OxidationState);
                }
            }
            Assert.Equal(r.labels.OrderBy(kv => kv.Key), s.Labels.Where(kv => !double.IsNaN(kv.Value)).OrderBy(kv => kv.Key));
            if (r.split is not null) Assert.Equal(r.split, s.Info["split"]);
        }
    }

    [Fact]
    public void TheBadRecordIsNamedAndWithoutSkippingEndsTheReading()
    {
        var (_, bad) = ReadSkipping(Fixture("matbench_split.json.gz"));
        Assert.EndsWith("matbench_split.json.gz: record 5 (mb-test-00005): site 1: unknown element 'Xx'", bad.Single().Message);
        (_, bad) = ReadSkipping(Fixture("records.json"));
        Assert.EndsWith("records.json: record 4 (mp-1003): the structure has no 'lattice' (a Molecule, or not a pymatgen Structure)", bad.Single().Message);
        (_, bad) = ReadSkipping(Fixture("structures.db"));
        Assert.EndsWith("structures.db: row id 6: not periodic (pbc F F F): a molecule, and crystal structures need a cell", bad.Single().Message);

        // Without a BadRecord handler (as ct train reads), the bad record is the error, after the records before it.
        var read = new List<Structure>();
        var error = Assert.Throws<InputError>(() => { foreach (var s in StructureIO.ReadLazy(Fixture("structures.db"))) read.Add(s); });
        Assert.Equal(5, read.Count);
        Assert.Contains("row id 6", error.Message);
    }

    [Fact]
    public void AseLabelsIncludeTheCalculatedEnergyAndIdsFallBackToTheRowId()
    {
        var (structures, _) = ReadSkipping(Fixture("structures.db"));
        Assert.Equal(-12.345678, structures[1].Labels["energy"]);
        Assert.False(structures[0].Labels.ContainsKey("energy"));

        string copy = Path.Combine(Directory.CreateTempSubdirectory("ct-ase-").FullName, "renamed");   // no extension: found by content
        File.Copy(Fixture("structures.db"), copy);
        using (var c = new SqliteConnection($"Data Source={copy};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE systems SET key_value_pairs = '{\"e_form\": 1.5, \"flag\": true}' WHERE id = 3; DELETE FROM species WHERE id = 6; DELETE FROM keys WHERE id = 6; DELETE FROM text_key_values WHERE id = 6; DELETE FROM number_key_values WHERE id = 6; DELETE FROM systems WHERE id = 6";
            cmd.ExecuteNonQuery();
        }
        Assert.Equal("ase-db", StructureIO.DetectFormat(copy).Name);
        var all = StructureIO.Read(copy);
        Assert.Equal(7, all.Count);
        Assert.Equal("3", all[2].Id);
        Assert.Equal(1.5, all[2].Labels["e_form"]);
        Assert.Equal("True", all[2].Info["flag"]);

        // gzip-compressed databases are read through a temporary copy.
        string gz = copy + ".db.gz";
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
            output.Write(File.ReadAllBytes(copy));
        Assert.Equal(7, StructureIO.Read(gz).Count);

        // A database that inflates past the cap (a gzip bomb) is refused while it is being decompressed; no copy is left.
        var bomb = Assert.Throws<InputError>(() => StructureIO.Read(gz, ReadOptions.Default with { MaxBinaryBytes = 4096 }));
        Assert.Equal($"{gz}: decompresses to more than 4 kB (ReadOptions.MaxBinaryBytes)", bomb.Message);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"ct-{Environment.ProcessId}-*.db"));
    }

    [Fact]
    public void OtherSqliteFilesAndBrokenJsonAreOneLineErrors()
    {
        string dir = Directory.CreateTempSubdirectory("ct-formats-").FullName;
        string other = Path.Combine(dir, "other.db");
        using (var c = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE results (x REAL); INSERT INTO results VALUES (1)";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<InputError>(() => StructureIO.Read(other));
        Assert.Equal($"{other}: an SQLite database without ASE's 'systems' table: not an ASE database", e.Message);

        string broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, "{\n  \"lattice\": {\"matrix\": [[1, 0, 0], [0, 1, 0]\n");
        e = Assert.Throws<InputError>(() => StructureIO.Read(broken));
        Assert.StartsWith($"{broken}:", e.Message);
        Assert.Contains("not valid JSON", e.Message);

        string molecule = Path.Combine(dir, "molecule.json");
        File.WriteAllText(molecule, "{\"@module\": \"pymatgen.core.structure\", \"@class\": \"Molecule\", \"sites\": [{\"species\": [{\"element\": \"H\", \"occu\": 1}], \"xyz\": [0, 0, 0]}]}");
        e = Assert.Throws<InputError>(() => StructureIO.Read(molecule));
        Assert.Equal($"{molecule}: the structure has no 'lattice' (a Molecule, or not a pymatgen Structure)", e.Message);

        // A value of the wrong JSON type where an object belongs (found by fuzzing: a line swapped into a species list).
        string numberSpecies = Path.Combine(dir, "number-species.json");
        File.WriteAllText(numberSpecies, "{\"lattice\": {\"matrix\": [[4, 0, 0], [0, 4, 0], [0, 0, 4]]}, \"sites\": [{\"species\": [1], \"abc\": [0, 0, 0]}]}");
        e = Assert.Throws<InputError>(() => StructureIO.Read(numberSpecies));
        Assert.Equal($"{numberSpecies}: site 1: a species that is not an object (number)", e.Message);

        string aseJson = Path.Combine(dir, "ase.json");
        File.WriteAllText(aseJson, "{\"1\": {\"numbers\": [1]}, \"ids\": [1], \"nextid\": 2}");
        Assert.Contains("an ASE JSON database", Assert.Throws<InputError>(() => StructureIO.Read(aseJson)).Message);
    }

    [Fact]
    public void PythonNanAndInfinityAreMissingLabelsAndNotJsonErrors()
    {
        var structure = File.ReadAllText(Fixture("structure.json"));
        string text = $"[{{\"id\": \"a\", \"structure\": {structure}, \"e_form\": NaN, \"gap\": Infinity, \"note\": \"NaN stays text\"}}]";
        var s = StructureIO.ReadText(text, "json").Single();
        Assert.Equal("a", s.Id);
        Assert.True(double.IsNaN(s.Labels["e_form"]));
        Assert.True(double.IsNaN(s.Labels["gap"]));
        Assert.Equal("NaN stays text", s.Info["note"]);
        Assert.Equal("[1, null, \"NaN\", null]", PymatgenJsonReader.PythonLiteralsToNull("[1, NaN, \"NaN\", -Infinity]"));
    }

    [Fact]
    public void RecordsKeyedByIdAreRead()
    {
        var structure = File.ReadAllText(Fixture("structure.json"));
        var list = StructureIO.ReadText($"{{\"x-1\": {{\"structure\": {structure}, \"y\": 2.5}}, \"x-2\": {{\"structure\": {structure}, \"y\": null}}}}", "json");
        Assert.Equal(["x-1", "x-2"], list.Select(s => s.Id));
        Assert.Equal(2.5, list[0].Labels["y"]);
        Assert.True(double.IsNaN(list[1].Label("y")));
        Assert.False(AseDbFormat.Instance.CanWrite);
    }
}
