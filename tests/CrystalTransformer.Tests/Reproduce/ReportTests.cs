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
        // At a glance: per data set the tables' MAE with error bars, the paired differences and a few training curves.
        Assert.Contains("At a glance", html);
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("tables_perov5_heat_ref_cgcnn"));
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("paired_perov5_heat_ref_cgcnn"));
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("curve_perov5_heat_ref_cgcnn") && f.Contains("cgcnn92"));
        Assert.Contains(pngs, f => Path.GetFileName(f).StartsWith("curve_perov5_heat_ref_cgcnn") && f.Contains("ct-uae-mp"));
    }

    [Fact]
    public void AtAGlanceCaptionsAreComputedFromTheRuns()
    {
        string index = SyntheticReport(out _);
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(index));
        // ct-uae-mp is 30 % better on every seed (FakeCellRunner): the lowest bar, lower on every seed, its interval below zero.
        Assert.Matches(@"Lowest mean test MAE: ct-uae-mp \(0\.\d{4} ± 0\.\d{4}, 3 seeds\); the default table cgcnn92: 0\.\d{4} ± 0\.\d{4}\.", html);
        Assert.Matches(@"Lower on every seed: ct-uae-mp[;,]", html);
        Assert.Matches(@"Interval entirely below zero: ct-uae-mp[ .,]", html);
        Assert.Matches(@"higher on every seed: none;", html);
        // The fake log reaches its best at epoch 2 of more and stays flat.
        Assert.Matches(@"Best validation epoch 2 of \d+ \(validation MAE 0\.\d{4}, test MAE 0\.\d{4}\); the validation MAE levelled off", html);
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
        int verdict = comparisons.Column("verdict"), candidate = comparisons.Column("candidate"), wins = comparisons.Column("seeds_better");
        int dataset = comparisons.Column("dataset"), family = comparisons.Column("in_family"), holm = comparisons.Column("holm_p_value");
        Assert.NotEmpty(comparisons.Rows);
        // The fake runner makes ct-uae-mp 30 % better on every seed: a consistent improvement where the comparison is clean.
        var mp = comparisons.Rows.Where(r => r.Fields[candidate].StartsWith(UaeCatalog.Mp)).ToArray();
        Assert.All(mp, r => Assert.Equal("3", r.Fields[wins]));
        var perov5 = Assert.Single(mp, r => r.Fields[dataset] == Profiles.Perov5);
        Assert.Equal(("helps", "yes"), (perov5.Fields[verdict], perov5.Fields[family]));
        Assert.True(double.Parse(perov5.Fields[holm], System.Globalization.CultureInfo.InvariantCulture) < 0.05);
        // NOMAD-2018 rows are sanity rows: shown, never judged, outside the family.
        Assert.All(mp.Where(r => r.Fields[dataset] == Profiles.Nomad), r => Assert.Equal(("sanity row", "no", ""), (r.Fields[verdict], r.Fields[family], r.Fields[holm])));
        var t3 = CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, "table3.csv"));
        var variants = t3.Rows.Select(r => r.Fields[t3.Column("variant")]).ToHashSet();
        Assert.Equal(new HashSet<string> { "None", "CT", "CTfreeze" }, variants);
        string html = File.ReadAllText(Path.Combine(output, Reproduction.ReportFolder, "index.html"));
        Assert.Contains("1 test</b>", html); // the family's size is stated
        Assert.Contains("What each element table saw", html);
        Assert.Contains("sanity row (4 elements: cannot rank element tables)", html);
    }

    [Fact]
    public void ReportOfAnEmptyStoreSaysSo()
    {
        string dir = TinyData.TempDir();
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        // A report writer killed earlier (found by the kill campaign) left a temporary file: the next report removes it.
        string stale = Path.Combine(dir, "report", ".table_sources.csv.999999999.91dcab10909b4b71bae1e493420fa1d5.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "half");
        string index = ReportWriter.Write(store, Path.Combine(dir, "report"), "ct reproduce");
        Assert.False(File.Exists(stale));
        Assert.Contains("No run has finished yet", File.ReadAllText(index));
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "report", "results.csv")));
    }
}
