using System.CommandLine;
using System.Globalization;
using System.Text;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Tests.Training;

namespace CrystalTransformer.Tests.Cli;

[Collection("torch")]
public class PretrainCommandTests
{
    private static int Ct(params string[] args)
    {
        var root = new RootCommand { PretrainCommand.Create(), EmbedCommand.Create() };
        return CommandRunner.Run(root, args);
    }

    internal static string CompositionCsv(string dir)
    {
        var rng = new Random(2);
        string[] cations = ["Li", "Na", "K", "Mg", "Ca", "Sr", "Ba", "Ti", "Fe"];
        var sb = new StringBuilder("task_id,composition,energy,gap\n");
        for (int i = 0; i < 60; i++)
        {
            string c = cations[rng.Next(cations.Length)];
            int n = rng.Next(1, 4);
            sb.Append(CultureInfo.InvariantCulture, $"t{i},{c}{n}O{rng.Next(1, 4)},{-n * 0.5 + rng.NextDouble() * 0.1},{(i % 5 == 0 ? "" : (n * 0.3).ToString(CultureInfo.InvariantCulture))}\n");
        }
        string path = Path.Combine(dir, "comp.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void PretrainsWritesAUaeFolderAndResumes()
    {
        string dir = TinyData.TempDir();
        string csv = CompositionCsv(dir);
        string run = Path.Combine(dir, "run");
        string[] common = ["--targets", "energy,gap", "--layers", "1", "--heads", "2", "--ff", "16", "--input-width", "8",
            "--batch-size", "8", "--threads", "1", "--quiet", "--device", "cpu"];
        Assert.Equal(0, Ct(["pretrain", "--data", csv, "--epochs", "3", "--max-minutes", "1e-9", "--out", run, .. common]));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "log.csv")).Length);
        Assert.Equal(0, Ct("pretrain", "--resume", run, "--threads", "1", "--quiet", "--device", "cpu", "--max-minutes", "0"));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "log.csv")).Length);

        var table = ElementTableIO.ReadUaeFolder(Path.Combine(run, "embedding"));
        Assert.Equal(128, table.Dimension);
        Assert.Equal(new[] { "O", "Li", "Na", "Mg", "K", "Ca", "Ti", "Fe", "Sr", "Ba" }.Order(), table.Trained.Select(e => e.Symbol).Order());
        Assert.Contains("He", File.ReadAllLines(Path.Combine(run, "embedding", "untrained.txt")));

        string other = Path.Combine(dir, "again");
        Assert.Equal(0, Ct("embed", "--model", run, "--out", other));
        Assert.Equal(File.ReadAllText(Path.Combine(run, "embedding", "uae.csv")), File.ReadAllText(Path.Combine(other, "uae.csv")));
    }

    [Fact]
    public void MultiSourcePretrainingMasksMissingLabelsAndRecordsWhatItSaw()
    {
        string dir = TinyData.TempDir();
        string compositions = CompositionCsv(dir);
        // A second data set with its own split column and its own target; shares no target with the first.
        var sb = new StringBuilder("id,formula,heat,split\n");
        string[] splits = ["train", "train", "train", "val", "test"];
        for (int i = 0; i < 40; i++)
            sb.Append(CultureInfo.InvariantCulture, $"p{i},Cs{1 + i % 2}Pb{1 + i % 3}I3,{0.1 * i},{splits[i % 5]}\n");
        string second = Path.Combine(dir, "second.csv");
        File.WriteAllText(second, sb.ToString());
        string run = Path.Combine(dir, "multi");
        Assert.Equal(0, Ct("pretrain", "--data", compositions, "--data", second, "--targets", "energy,heat", "--layers", "1", "--heads", "2",
            "--ff", "16", "--input-width", "8", "--batch-size", "16", "--epochs", "2", "--threads", "1", "--quiet", "--device", "cpu", "--out", run));

        var provenance = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "embedding", "provenance.json")))!;
        Assert.Equal("ct-uae-provenance/1", (string?)provenance["format"]);
        var sources = provenance["sources"]!.AsArray();
        Assert.Equal(2, sources.Count);
        Assert.Equal("file:comp.csv", (string?)sources[0]!["dataset"]);
        Assert.Equal(new[] { "energy" }, sources[0]!["targets"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(new[] { "heat" }, sources[1]!["targets"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(24, (int)sources[1]!["train_count"]!);       // the second set's own split column
        Assert.Equal(8, (int)sources[1]!["validation_count"]!);
        Assert.Equal(new[] { "I", "Cs", "Pb" }, sources[1]!["elements"]!.AsArray().Select(t => (string)t!));
        var table = ElementTableIO.ReadUaeFolder(Path.Combine(run, "embedding"));
        Assert.Contains(table.Trained, e => e.Symbol == "Cs");
        Assert.Contains(table.Trained, e => e.Symbol == "Li");

        // A target no data set has, and a data set without any of the targets, are one-line errors.
        Assert.Equal(1, Ct("pretrain", "--data", compositions, "--data", second, "--targets", "energy,nope", "--quiet", "--out", Path.Combine(dir, "x")));
        Assert.Equal(1, Ct("pretrain", "--data", compositions, "--data", second, "--targets", "energy", "--quiet", "--out", Path.Combine(dir, "y")));
    }

    [Fact]
    public void BadInputIsAOneLineErrorWithExitCode1()
    {
        string dir = TinyData.TempDir();
        string csv = CompositionCsv(dir);
        Assert.Equal(1, Ct("pretrain", "--data", csv, "--targets", "nope", "--quiet"));
        Assert.Equal(1, Ct("pretrain", "--data", Path.Combine(dir, "missing.csv"), "--targets", "energy", "--quiet"));
        Assert.Equal(1, Ct("pretrain", "--data", csv, "--targets", "energy", "--recipe", "magic", "--quiet"));
        Assert.Equal(1, Ct("embed", "--checkpoint", Path.Combine(AppContext.BaseDirectory, "Fixtures", "Uae", "malicious_checkpoint.pth.tar"), "--out", Path.Combine(dir, "x")));
        Assert.Equal(0, Ct("embed", "--checkpoint", Path.Combine(AppContext.BaseDirectory, "Fixtures", "Uae", "authors_checkpoint.pth.tar"), "--out", Path.Combine(dir, "y")));
        Assert.Equal(100, File.ReadAllLines(Path.Combine(dir, "y", "uae.csv")).Length - 1);
    }
}
