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

    private static string CompositionCsv(string dir)
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
