using CrystalTransformer.Reliability;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using Xunit.Abstractions;

namespace CrystalTransformer.Tests.Reliability;

/// <summary>
/// kill -9 of the ct program (a few points here; many in <c>bench -- kill</c>): a plain continuation after each kill gives
/// files bit-identical to an uninterrupted run (wall-clock times aside), no file is ever half-written, and no temporary
/// file is left behind.
/// </summary>
public class KillTests(ITestOutputHelper output)
{
    private static readonly string[] Tiny = ["--set", "atom_features=8", "--set", "convolutions=1", "--set", "hidden_features=8", "--set", "max_neighbors=6"];

    private static KillScenario Train(string data, string run) => new("train",
        ["train", "--model", "cgcnn", "--data", data, "--targets", "heat_ref", "--embedding", "cgcnn92", "--epochs", "4", "--batch-size", "8", .. Tiny,
         "--threads", "1", "--device", "cpu", "--quiet", "--out", run],
        // A plain resume: threads and device come from the run (the default would be every core, which changes the numbers).
        ["train", "--resume", run, "--quiet"], run);

    private void Check(KillResult r)
    {
        output.WriteLine($"{r.Scenario} killed at {string.Join(" ", r.KillPoints)}: {r.Kills} kills, {(r.Identical ? "identical" : r.Difference)}");
        Assert.True(r.Identical, r.Difference);
        Assert.Equal(r.KillPoints.Length, r.Kills);
    }

    [Fact]
    public void TrainKilledBetweenCheckpointAndLogAndDuringAWriteResumesBitIdentically()
    {
        string dir = TinyData.TempDir();
        string data = KillCampaign.SmallData(dir);
        var reference = Train(data, Path.Combine(dir, "reference"));
        var (code, text) = KillCampaign.Ct(reference.Start, null);
        Assert.True(code == 0, text);
        var expected = KillCampaign.Fingerprint(reference.Output);
        Assert.Contains("log.csv", expected.Keys);
        Assert.Equal(5, expected["log.csv"].Split('\n').Length); // header and 4 epochs

        Check(KillCampaign.Run(Train(data, Path.Combine(dir, "a")), ["checkpoint-saved:2"], expected));
        Check(KillCampaign.Run(Train(data, Path.Combine(dir, "b")), ["atomic-write:4", "epoch-written:1", "checkpoint-saved:1"], expected));

        // Resuming a finished run says so (not "epoch 5 of 4") and changes nothing; an override of the threads is flagged.
        var (again, message) = KillCampaign.Ct(["train", "--resume", reference.Output, "--threads", "2"], null);
        Assert.True(again == 0, message);
        Assert.Contains("--threads 2: the run started with 1 torch thread(s)", message);
        Assert.DoesNotContain("epoch 5 of 4", message);
        Assert.Null(KillCampaign.Difference(expected, KillCampaign.Fingerprint(reference.Output)));
    }

    [Fact]
    public void TheAllocatorSettingChangesNoNumber()
    {
        // Huge pages for glibc's allocations (what ./ct and reproduce workers run with) change speed, not arithmetic.
        string dir = TinyData.TempDir();
        string data = KillCampaign.SmallData(dir);
        var runs = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var (name, value) in new[] { ("plain", (string?)null), ("huge-pages", AllocatorSettings.HugePages) })
        {
            var scenario = Train(data, Path.Combine(dir, name));
            var (code, text) = KillCampaign.Ct(scenario.Start, null, environment: new Dictionary<string, string?> { [AllocatorSettings.Variable] = value });
            Assert.True(code == 0, text);
            runs[name] = KillCampaign.Fingerprint(scenario.Output);
        }
        Assert.Null(KillCampaign.Difference(runs["plain"], runs["huge-pages"]));
        var environment = new Dictionary<string, string?>();
        AllocatorSettings.ApplyTo(environment);
        Assert.Equal(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(AllocatorSettings.Variable)) ? AllocatorSettings.HugePages : null,
            environment.GetValueOrDefault(AllocatorSettings.Variable));
    }

    [Fact]
    public void PredictKilledWhileWritingLeavesNoHalfFileAndRepeatsExactly()
    {
        string dir = TinyData.TempDir();
        string cif = Path.Combine(dir, "in.extxyz");
        KillCampaign.SmallData(dir);
        File.Move(Path.Combine(dir, "small.extxyz"), cif);
        string csv = Path.Combine(dir, "out", "p.csv");
        string[] args = ["predict", "--model", "cgcnn-perov5", cif, "--threads", "1", "--quiet", "--out", csv];
        var (code, text) = KillCampaign.Ct(args, null);
        Assert.True(code == 0, text);
        var expected = KillCampaign.Fingerprint(csv);
        File.Delete(csv);
        var scenario = new KillScenario("predict", args, args, csv);
        Check(KillCampaign.Run(scenario, ["atomic-write:1"], expected));
    }

    [Fact]
    public void PretrainKilledBetweenCheckpointAndLogResumesBitIdentically()
    {
        string dir = TinyData.TempDir();
        string data = KillCampaign.SmallData(dir);
        KillScenario Pretrain(string run) => new("pretrain",
            ["pretrain", "--data", data, "--targets", "heat_ref", "--epochs", "3", "--batch-size", "8", "--layers", "1", "--heads", "2", "--ff", "16",
             "--threads", "1", "--device", "cpu", "--quiet", "--out", run],
            ["pretrain", "--resume", run, "--quiet"], run);
        var reference = Pretrain(Path.Combine(dir, "reference"));
        var (code, text) = KillCampaign.Ct(reference.Start, null);
        Assert.True(code == 0, text);
        var expected = KillCampaign.Fingerprint(reference.Output);
        Check(KillCampaign.Run(Pretrain(Path.Combine(dir, "a")), ["checkpoint-saved:2", "atomic-write:2"], expected));
    }

    [Fact]
    public void ReproduceKilledInACellAndAfterRecordingOneFinishesAsTheUninterruptedRun()
    {
        string dir = TinyData.TempDir();
        KillScenario Reproduce(string output)
        {
            string[] args = ["reproduce", "--quick", "--only", "dataset=perov5 seed=0 mode=frozen embedding=onehot,cgcnn92", "--max-epochs", "2",
                "--threads", "1", "--quiet", "--out", output];
            return new KillScenario("reproduce", args, args, output);
        }
        var reference = Reproduce(Path.Combine(dir, "reference"));
        var (code, text) = KillCampaign.Ct(reference.Start, null);
        Assert.True(code == 0, text);
        var expected = KillCampaign.Fingerprint(reference.Output);
        Assert.Contains(expected.Keys, k => k.EndsWith("results.db", StringComparison.Ordinal));
        Check(KillCampaign.Run(Reproduce(Path.Combine(dir, "a")), ["checkpoint-saved:1", "cell-recorded:1"], expected));
    }
}
