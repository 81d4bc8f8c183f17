using CrystalTransformer.Reliability;
using Xunit.Abstractions;

namespace CrystalTransformer.Tests.Reliability;

/// <summary>
/// The short form of the fuzzing campaign (<see cref="FuzzCampaign"/>; the long one is <c>bench -- fuzz</c>): every reader (pymatgen JSON and ASE databases included),
/// the whole prediction path through the three graph networks, model files, table files and PyTorch checkpoints get
/// seeded mutated inputs; 0 crashes, 0 hangs, every refusal one line naming its file. CT_FUZZ_CAMPAIGN_CASES, CT_FUZZ_SEED
/// and CT_FUZZ_FIRST explore further or replay a case.
/// </summary>
[Collection("torch")]
public class FuzzCampaignTests(ITestOutputHelper output)
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("CT_FUZZ_CAMPAIGN_CASES"), out int n) ? n : 1000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("CT_FUZZ_SEED"), out int s) ? s : 20251126;
    private static readonly int First = int.TryParse(Environment.GetEnvironmentVariable("CT_FUZZ_FIRST"), out int f) ? f : 0;

    [Fact]
    public void EveryMutatedInputIsAcceptedOrRefusedWithOneLine()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Uae");
        using var campaign = new FuzzCampaign(new FuzzOptions
        {
            Cases = Cases, Seed = Seed, First = First,
            Checkpoints = [Path.Combine(fixtures, "authors_checkpoint.pth.tar"), Path.Combine(fixtures, "authors_checkpoint_legacy.pth.tar")],
        });
        var report = campaign.Run();
        output.WriteLine(report.Summary());
        foreach (var r in report.SampleReasons.Take(15)) output.WriteLine("  e.g. " + r);
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures));
        Assert.Equal(0, report.Count(FuzzOutcome.Crash) + report.Count(FuzzOutcome.Hang));
        Assert.Equal(["checkpoint", "model-file", "predict", "read:ase-db", "read:cif", "read:csv", "read:extxyz", "read:json", "read:poscar", "table-file"], report.ByTarget.Keys);
        // The mutations do break inputs (nothing simply accepts everything), and good ones still go through.
        Assert.All(report.ByTarget, kv => Assert.True(kv.Value[(int)FuzzOutcome.Refused] > 0, kv.Key));
        Assert.True(report.ByTarget["predict"][(int)FuzzOutcome.Accepted] > 0);
    }
}
