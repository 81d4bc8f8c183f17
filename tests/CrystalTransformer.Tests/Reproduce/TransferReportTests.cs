using System.Globalization;
using System.Text.Json.Nodes;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Reproduce.Report;
using CrystalTransformer.Tests.Training;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>The report of a transfer-profile grid, trained by the fake runner: verdicts, picks, clean labels, figures.</summary>
public class TransferReportTests
{
    /// <summary>
    /// A small transfer grid: CGCNN with cgcnn92, onehot, ct-uae-mp and ct-uae-perov5-st frozen; ct-uae-mp and cgcnn92 at
    /// the three tuned modes; an encoder cell from a front-end model folder; perov5 100/200/1,000 and perov5-ood; 5 seeds.
    /// </summary>
    private static (string Output, string Encoder) TransferReport(double mpFactor = 0.7, bool encoderProvenance = true, double encoderFactor = 0.8)
    {
        string output = TinyData.TempDir();
        string encoder = Path.Combine(TinyData.TempDir(), "mp-composition");
        Directory.CreateDirectory(encoder);
        File.WriteAllText(Path.Combine(encoder, "best.ct"), "weights");
        if (encoderProvenance)
            File.WriteAllText(Path.Combine(encoder, UaeProvenance.FileName),
                TableProvenanceTests.Provenance("mp-compositions", ["train", "validation"], ["Fe", "O", "Cs"], trainCount: 67436).ToJsonString());
        DatasetSpec[] data = [new(Profiles.Perov5, Profiles.HeatRef, [100, 200, 1000]), new(Profiles.Perov5Ood, Profiles.HeatRef, [null])];
        int[] seeds = [0, 1, 2, 3, 4];
        var profile = new ReproduceProfile(TransferTargets.Profile, "small transfer grid",
            [
                new GridBlock(["cgcnn"], ["cgcnn92", "onehot", UaeCatalog.Mp, UaeCatalog.Perov5Single], [GridCell.Frozen], data, seeds),
                new GridBlock(["cgcnn"], [UaeCatalog.Mp, "cgcnn92"], Profiles.TransferTunedModes, data, seeds),
                new GridBlock([BackendCellRunner.EncoderModel], [encoder], [GridCell.Encoder], data, seeds),
            ],
            new Dictionary<string, TrainingBudget> { ["cgcnn"] = new(3), [BackendCellRunner.EncoderModel] = new(2) }, MayPretrain: true);
        var runner = new FakeCellRunner { TestIds = OodTestIds };
        runner.Better[UaeCatalog.Mp] = mpFactor;
        runner.Better[encoder] = encoderFactor;
        var summary = ReproductionTests.Run(output, runner, profile, pretrainer: new ReproductionTests.FakePretrainer());
        Assert.Equal(0, summary.Failed);
        return (output, encoder);
    }

    /// <summary>The default grid's report, written once for the tests that only read it.</summary>
    private static readonly Lazy<(string Output, string Encoder)> Default = new(() => TransferReport());

    /// <summary>perov5-ood's cells predict the derived file's real test crystals (so the per-element figure finds them).</summary>
    private static IReadOnlyList<string>? OodTestIds(CellRequest r)
    {
        if (r.Cell.Dataset != Profiles.Perov5Ood) return null;
        var table = CsvTable.ReadFile(r.DataSpec);
        int id = table.Column("id"), split = table.Column("split");
        return table.Rows.Where(x => x.Fields[split] == "test").Select(x => x.Fields[id]).ToArray();
    }

    private static CsvTable Csv(string output, string name) => CsvTable.ReadFile(Path.Combine(output, Reproduction.ReportFolder, name));

    private static string Field(CsvTable t, CsvRecord r, string column) => r.Fields[t.Column(column)];

    [Fact]
    public void TargetsAreComputedSentencesAndMetWhenTheCleanCtUaeIsClearlyBetter()
    {
        var (output, _) = Default.Value;
        var targets = Csv(output, "targets.csv");
        Assert.Equal(3, targets.Rows.Count);
        Assert.Equal(["perov5-ood", "perov5, 200 training crystals", "perov5, 1,000 training crystals"], targets.Rows.Select(r => Field(targets, r, "target")));
        Assert.All(targets.Rows, r =>
        {
            Assert.Equal("met", Field(targets, r, "outcome"));
            string sentence = Field(targets, r, "sentence");
            Assert.StartsWith("Target met. The best clean ct-UAE variant, ct-uae-mp,", sentence);
            Assert.Contains("lower on 5 of 5 seeds", sentence);
            Assert.Contains("95 % bootstrap interval over test crystals [", sentence);
            Assert.Contains("Holm-adjusted p = ", sentence);
            Assert.Contains("after seeing their test results", sentence);
        });
        string html = File.ReadAllText(Path.Combine(output, Reproduction.ReportFolder, "index.html"));
        Assert.Contains("Targets of the transfer profile", html);
        Assert.Contains("<span class=\"good\">Met.</span>", html);
    }

    [Fact]
    public void ASmallImprovementMissesTheTargetsAndSaysWhy()
    {
        var (output, _) = TransferReport(mpFactor: 0.95, encoderFactor: 0.92);
        var targets = Csv(output, "targets.csv");
        var ood = targets.Rows.Single(r => Field(targets, r, "target") == Profiles.Perov5Ood);
        Assert.Equal("missed", Field(targets, ood, "outcome"));
        // The encoder transfer (−8 %) is now the best clean variant on perov5-ood, short of −15 %.
        Assert.Contains("whole-encoder transfer", Field(targets, ood, "sentence"));
        Assert.Contains("Missed because the change is −8.0 %, not −15.0 % or lower", Field(targets, ood, "sentence"));
        var small = targets.Rows.Single(r => Field(targets, r, "target") == "perov5, 200 training crystals");
        Assert.Equal("missed", Field(targets, small, "outcome"));
        Assert.Contains("Missed because", Field(targets, small, "sentence"));
    }

    [Fact]
    public void TheHolmFamilyHoldsEveryCleanVariantAndNothingElse()
    {
        var (output, _) = Default.Value;
        var c = Csv(output, "comparisons.csv");
        var inFamily = c.Rows.Where(r => Field(c, r, "in_family") == "yes").ToArray();
        // Per setting: ct-uae-mp frozen, ct-uae-mp picked on validation, encoder transfer — 4 settings.
        Assert.Equal(3 * 4, inFamily.Length);
        Assert.All(inFamily, r => Assert.Equal("clean", Field(c, r, "eligibility")));
        // Single tuned variants are no candidates; ct-uae-perov5-st is not clean on subsets and on perov5-ood.
        Assert.DoesNotContain(c.Rows, r => Field(c, r, "candidate").Contains("(finetune:"));
        var st = c.Rows.Where(r => Field(c, r, "candidate") == UaeCatalog.Perov5Single).ToArray();
        Assert.Equal(4, st.Length);
        Assert.All(st, r => Assert.Equal(("no", "not clean: no verdict"), (Field(c, r, "in_family"), Field(c, r, "verdict"))));
        Assert.Contains("held-out element", Field(c, st.Single(r => Field(c, r, "dataset") == Profiles.Perov5Ood), "eligibility"));
        Assert.StartsWith("not clean: pretrained on the labels of perov5's training part", Field(c, st.First(r => Field(c, r, "dataset") == Profiles.Perov5), "eligibility"));
        // Holm: the adjusted p-values are at least the raw ones, and their count is the family size stated in the report.
        Assert.All(inFamily, r => Assert.True(double.Parse(Field(c, r, "holm_p_value"), CultureInfo.InvariantCulture) >= double.Parse(Field(c, r, "p_value"), CultureInfo.InvariantCulture)));
        Assert.Contains($"{inFamily.Length} tests</b>", File.ReadAllText(Path.Combine(output, Reproduction.ReportFolder, "index.html")));
        // Bootstrap intervals contain the point estimate (mean over seeds of the relative change).
        Assert.All(inFamily, r =>
        {
            double low = double.Parse(Field(c, r, "bootstrap_low"), CultureInfo.InvariantCulture), high = double.Parse(Field(c, r, "bootstrap_high"), CultureInfo.InvariantCulture);
            Assert.True(low < high);
        });
    }

    [Fact]
    public void FineTuningIsPickedOnValidationNeverOnTest()
    {
        var (output, _) = Default.Value;
        var summary = Csv(output, "summary.csv");
        var rows = summary.Rows.Where(r => Field(summary, r, "embedding") == UaeCatalog.Mp && Field(summary, r, "dataset") == Profiles.Perov5 && Field(summary, r, "train_size") == "200").ToArray();
        var picked = rows.Single(r => Field(summary, r, "mode") == ResultTables.PickedMode);
        // The fake runner makes l2sp:1e-3 best on validation and worst on test: the pick follows validation.
        Assert.Equal("s0:l2sp:1e-3 s1:l2sp:1e-3 s2:l2sp:1e-3 s3:l2sp:1e-3 s4:l2sp:1e-3", Field(summary, picked, "picked_modes"));
        var l2sp = rows.Single(r => Field(summary, r, "mode") == "l2sp:1e-3");
        Assert.Equal(Field(summary, l2sp, "mae_mean"), Field(summary, picked, "mae_mean"));
        var best = rows.Where(r => CellMode.IsTunedVariant(Field(summary, r, "mode"))).MinBy(r => double.Parse(Field(summary, r, "mae_mean"), CultureInfo.InvariantCulture))!;
        Assert.Equal("finetune:1e-3", Field(summary, best, "mode"));
        Assert.Contains("picked on validation", File.ReadAllText(Path.Combine(output, Reproduction.ReportFolder, "index.html")));
    }

    [Fact]
    public void EncoderTransferIsComparedWithCgcnnAndLabelledByItsModelsProvenance()
    {
        var (output, encoder) = TransferReport(encoderProvenance: false);
        var c = Csv(output, "comparisons.csv");
        var rows = c.Rows.Where(r => Field(c, r, "candidate").Contains("whole-encoder transfer")).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.All(rows, r =>
        {
            Assert.Equal(BackendCellRunner.EncoderModel, Field(c, r, "model"));
            Assert.Equal("cgcnn92", Field(c, r, "reference"));
            Assert.Equal("5", Field(c, r, "seeds"));
            Assert.Equal(Eligibility.Unknown.Label, Field(c, r, "eligibility"));
        });
        var sources = Csv(output, "table_sources.csv");
        Assert.Contains(sources.Rows, r => Field(sources, r, "embedding") == encoder && Field(sources, r, "kind").Contains("unknown"));
    }

    [Fact]
    public void FiguresHaveLearningCurvesPerDataSetAndOodErrorsPerElementWithComputedCaptions()
    {
        var (output, _) = Default.Value;
        string figures = Path.Combine(output, Reproduction.ReportFolder, "figures");
        Assert.True(File.Exists(Path.Combine(figures, "learning_perov5_heat_ref_cgcnn_transfer.png")));
        Assert.True(File.Exists(Path.Combine(figures, "learning_perov5_heat_ref_cgcnn_transfer.svg")));
        Assert.True(File.Exists(Path.Combine(figures, "ood_elements_transfer_heat_ref.png")));
        Assert.True(File.Exists(Path.Combine(figures, "ood_elements_transfer_heat_ref.svg")));
        string html = File.ReadAllText(Path.Combine(output, Reproduction.ReportFolder, "index.html"));
        Assert.Contains("Lowest mean test MAE at each size — 100: ct-uae-mp (", html);
        Assert.Contains("Lowest mean MAE per held-out element — ", html);
        using var store = ResultsStore.Open(Path.Combine(output, ResultsStore.FileName));
        var held = JsonNode.Parse(store.Notes()[$"data:{Profiles.Perov5Ood}"])!["held_out"]!.AsArray().Select(x => (string)x!).ToArray();
        Assert.All(held, e => Assert.Contains($"{e} (", html));
    }
}
