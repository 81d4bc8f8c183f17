using System.Text.RegularExpressions;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Reproduce.Report;
using CrystalTransformer.Tests.Training;

namespace CrystalTransformer.Tests.Reproduce;

public class ReportTests
{
    /// <summary>A store of fake runs in which ct-uae-mp is 30 % better than every other table on every seed.</summary>
    private static string SyntheticReport(out string output)
    {
        output = TinyData.TempDir();
        var profile = ReproductionTests.SmallProfile("cgcnn92", "onehot", UaeCatalog.Mp) with
        {
            Blocks =
            [
                .. ReproductionTests.SmallProfile("cgcnn92", "onehot", UaeCatalog.Mp).Blocks,
                new GridBlock(["cgcnn"], [UaeCatalog.Mp], [GridCell.FineTune],
                    [new DatasetSpec(Profiles.Nomad, Profiles.NomadFormation, [100, 300])], [0, 1, 2]),
            ],
        };
        var summary = ReproductionTests.Run(output, new FakeCellRunner(), profile, pretrainer: new ReproductionTests.FakePretrainer());
        return summary.ReportPath!;
    }

    [Fact]
    public void ReportIsSelfContainedHtmlWithEveryPart()
    {
        string index = SyntheticReport(out string output);
        string html = File.ReadAllText(index);
        Assert.StartsWith("<!DOCTYPE html>", html);
        // Opens offline: every source is inline data, and nothing links out.
        foreach (Match m in Regex.Matches(html, "\\bsrc\\s*=\\s*\"([^\"]*)\"")) Assert.StartsWith("data:", m.Groups[1].Value);
        Assert.DoesNotMatch("\\bhref\\s*=", html);
        Assert.DoesNotMatch("<link\\b|<script\\b[^>]*src", html);
        Assert.Contains("data:image/png;base64,", html);
        foreach (var heading in new[] { "Does ct-UAE help?", "Table 3", "Learning curves", "Parity plots", "Provenance", "Not available here", "eV per 5-atom cell" })
            Assert.Contains(heading, html);
        Assert.Contains("Quoted from the paper (different data)", html);
        string figures = Path.Combine(output, Reproduction.ReportFolder, "figures");
        var pngs = Directory.GetFiles(figures, "*.png");
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("learning_nomad2018"));
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("parity_perov5"));
        Assert.All(pngs, p => Assert.True(File.Exists(Path.ChangeExtension(p, ".svg"))));
    }

    [Fact]
    public void ResultsCsvHasOneRowPerRunAndExactlyTheAgreedColumns()
    {
        SyntheticReport(out string output);
        var table = CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, "results.csv"));
        Assert.Equal(["model", "embedding", "mode", "dataset", "target", "train_size", "seed", "mae", "rmse", "r2", "epochs", "seconds"], table.Header);
        using var store = ResultsStore.Open(Path.Combine(output, ResultsStore.FileName));
        Assert.Equal(store.Count, table.Rows.Count);
        Assert.Contains(table.Rows, r => r.Fields[1] == "ct-uae-mp" && r.Fields[2] == "finetune" && r.Fields[5] == "300");
        Assert.Contains(table.Rows, r => r.Fields[3] == "perov5" && r.Fields[4] == "heat_ref" && r.Fields[5] == "200");
    }

    [Fact]
    public void VerdictsComeFromPairedComparisonsOfTheRuns()
    {
        SyntheticReport(out string output);
        var comparisons = CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, "comparisons.csv"));
        int verdict = comparisons.Column("verdict"), uae = comparisons.Column("uae"), wins = comparisons.Column("seeds_better");
        Assert.NotEmpty(comparisons.Rows);
        // The fake runner makes ct-uae-mp 30 % better on every seed: a consistent improvement.
        Assert.All(comparisons.Rows.Where(r => r.Fields[uae] == UaeCatalog.Mp), r =>
        {
            Assert.Equal("helps", r.Fields[verdict]);
            Assert.Equal("3", r.Fields[wins]);
        });
        var t3 = CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, "table3.csv"));
        var variants = t3.Rows.Select(r => r.Fields[t3.Column("variant")]).ToHashSet();
        Assert.Equal(new HashSet<string> { "None", "CT", "CTfreeze" }, variants);
    }

    [Fact]
    public void PairedTTestMatchesTheTextbookValue()
    {
        // Differences 1, 2, 3: t = 2 / (1 / √3) = 3.464 with 2 degrees of freedom, two-sided p = 0.0742 (scipy.stats.ttest_1samp).
        Assert.Equal(0.0742, ResultTables.PairedTTest([1.0, 2.0, 3.0]), 4);
        Assert.True(double.IsNaN(ResultTables.PairedTTest([0.5])));
        Assert.True(double.IsNaN(ResultTables.PairedTTest([0.0, 0.0, 0.0])));
    }

    [Fact]
    public void ReportOfAnEmptyStoreSaysSo()
    {
        string dir = TinyData.TempDir();
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        string index = ReportWriter.Write(store, Path.Combine(dir, "report"), "ct reproduce");
        Assert.Contains("No run has finished yet", File.ReadAllText(index));
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "report", "results.csv")));
    }
}
