using System.IO.Compression;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Models;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

/// <summary>
/// Model and table files carry checksums of their content that are checked on load: a damaged copy is refused with one
/// line, never read into different numbers; sizes a file declares are checked before anything is allocated.
/// </summary>
[Collection("torch")]
public class DamagedFileTests
{
    private static string SavedModel(string kind = "cgcnn")
    {
        using var model = TinyGraphModels.Create(kind);
        string path = Path.Combine(TinyData.TempDir(), "model.ct");
        ModelFile.Save(path, model, new ModelInfo
        {
            Kind = model.Kind, Config = model.Config, Targets = ["a", "b"], TargetMean = [0, 0], TargetStd = [1, 1],
        });
        return path;
    }

    private static float[] Weights(string path)
    {
        var (model, _) = ModelFile.Load(path);
        using (model) return model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
    }

    [Fact]
    public void AFlippedBitAnywhereIsRefusedOrChangesNothing()
    {
        string path = SavedModel();
        var original = File.ReadAllBytes(path);
        var expected = Weights(path);
        string damaged = Path.Combine(TinyData.TempDir(), "damaged.ct");
        int refused = 0, harmless = 0;
        for (int at = 0; at < original.Length; at += Math.Max(1, original.Length / 400))
        {
            var bytes = (byte[])original.Clone();
            bytes[at] ^= (byte)(1 << (at % 8));
            File.WriteAllBytes(damaged, bytes);
            try
            {
                Assert.Equal(expected, Weights(damaged)); // a flip outside the content (a time stamp) may be harmless
                harmless++;
            }
            catch (InputError e)
            {
                Assert.DoesNotContain('\n', e.Message);
                refused++;
            }
        }
        Assert.True(refused > 10 * harmless, $"{refused} refused, {harmless} harmless");
    }

    private static string WithEntry(string path, string name, Action<Stream> write)
    {
        string copy = Path.Combine(TinyData.TempDir(), "edited.ct");
        File.Copy(path, copy);
        using (var zip = ZipFile.Open(copy, ZipArchiveMode.Update))
        {
            zip.GetEntry(name)?.Delete();
            using var s = zip.CreateEntry(name).Open();
            write(s);
        }
        return copy;
    }

    [Theory]
    [InlineData("atom_features", 1000, "describes")]
    [InlineData("atom_features", 200000, "larger than any architecture")]
    [InlineData("atom_features", -5, "cannot be built")]
    [InlineData("convolutions", 1000000, "larger than any architecture")]
    [InlineData("max_neighbors", 2000000000, "larger than any architecture")]
    public void AnArchitectureTheWeightsCannotHoldIsRefusedWithoutAllocatingIt(string setting, int value, string expected)
    {
        string path = SavedModel();
        var info = ModelFile.ReadInfo(path);
        var config = (JsonObject)info.Config.DeepClone();
        config[setting] = value;
        string edited = WithEntry(path, "model.json", s => System.Text.Json.JsonSerializer.Serialize(s, info with { Config = config }, TrainingOptions.Json));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<InputError>(() => ModelFile.Load(edited));
        Assert.Contains(expected, e.Message);
        Assert.True(clock.Elapsed.TotalSeconds < 20, $"{clock.Elapsed.TotalSeconds:0} s");
    }

    [Fact]
    public void AnEntryThatInflatesBeyondTheLimitIsRefused()
    {
        string path = SavedModel();
        string bomb = WithEntry(path, "optimizer.bin", s =>
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 1100; i++) s.Write(zeros); // 1.1 GB of zeros: about 1 MB compressed
        });
        Assert.True(new FileInfo(bomb).Length < 20_000_000);
        var e = Assert.Throws<InputError>(() => ModelFile.Load(bomb));
        Assert.Contains("inflates", e.Message);
    }

    [Fact]
    public void ATableFolderIsCheckedAgainstItsSums()
    {
        string folder = TinyData.TempDir();
        ElementTableIO.WriteUaeFolder(ElementTable.Random(4, 1).WithName("t"), folder);
        Assert.True(File.Exists(Path.Combine(folder, ContentChecksums.FolderFile)));
        Assert.Equal(4, ElementTableIO.Read(folder).Dimension);
        string csv = Path.Combine(folder, ElementTableIO.UaeFiles.Csv);
        var lines = File.ReadAllLines(csv);
        lines[1] = lines[1].Replace('1', '2');
        File.WriteAllLines(csv, lines);
        var e = Assert.Throws<InputError>(() => ElementTableIO.Read(folder));
        Assert.Contains("does not match its sha256", e.Message);
        Assert.Contains("uae.csv", e.Message);
    }

    [Fact]
    public void ShippedTablesPassTheirChecks()
    {
        foreach (var name in ElementTableIO.ShippedUaeNames.Concat(ElementTableIO.BuiltInNames))
            Assert.True(ElementTableIO.Load(name).Dimension > 0, name);
    }

    [Fact]
    public void ASingleTableFileIsCheckedAgainstItsSidecarAndGzipAgainstItsCrc()
    {
        string dir = TinyData.TempDir();
        string csv = Path.Combine(dir, "t.csv");
        ElementTableIO.WriteCsv(ElementTable.Random(4, 1), csv);
        ContentChecksums.WriteSidecar(csv);
        Assert.Equal(4, ElementTableIO.Read(csv).Dimension);
        File.AppendAllText(csv, "\n");
        Assert.Contains("does not match its sha256", Assert.Throws<InputError>(() => ElementTableIO.Read(csv)).Message);

        string gz = Path.Combine(dir, "t2.csv.gz");
        ElementTableIO.WriteCsv(ElementTable.Random(4, 1), gz);
        var bytes = File.ReadAllBytes(gz);
        bytes[^8] ^= 1; // the CRC-32 of the gzip trailer
        File.WriteAllBytes(gz, bytes);
        Assert.ThrowsAny<Exception>(() => ElementTableIO.Read(gz));
    }

    [Fact]
    public void ACheckpointArchiveThatInflatesBeyondTheLimitIsRefused()
    {
        string path = Path.Combine(TinyData.TempDir(), "bomb.pth.tar");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]); // {}
            using var d = zip.CreateEntry("archive/data/0").Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 1100; i++) d.Write(zeros);
        }
        var e = Assert.Throws<InputError>(() => CrystalTransformer.Models.Uae.TorchCheckpointReader.Read(path));
        Assert.Contains("inflates", e.Message);
    }
}
