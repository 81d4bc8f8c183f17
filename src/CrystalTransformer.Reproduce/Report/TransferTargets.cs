using System.Globalization;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>A target of the transfer profile and whether the runs meet it (null: not judged, with the reason in <see cref="Detail"/>).</summary>
public sealed record TargetOutcome(string Name, string Criterion, bool? Met, string Detail)
{
    public string Outcome => Met switch { true => "met", false => "missed", null => "not judged" };

    /// <summary>The whole computed sentence: outcome, then the numbers.</summary>
    public string Sentence => $"Target {Outcome}. {Detail}";
}

/// <summary>
/// The transfer profile's targets, judged from the comparisons: on perov5-ood the best clean ct-UAE variant must have a
/// test MAE at least 15 % below cgcnn92's and be Holm-significant; on perov5 with 200 and with 1,000 training crystals it
/// must be at least 10 % below cgcnn92 and the best of all clean tables and variants. Every sentence is computed.
/// </summary>
public static class TransferTargets
{
    public const string Profile = "transfer";
    /// <summary>Profiles whose results are judged against the targets (the transfer grid and its wider form).</summary>
    public static readonly string[] Judged = [Profile, "transfer-wide"];
    public const double OodImprovement = 0.15, SmallDataImprovement = 0.10;
    public static readonly int[] SmallDataSizes = [200, 1000];

    public static IReadOnlyList<TargetOutcome> Evaluate(ResultTables t, ComparisonSet comparisons, TableEligibility eligibility)
    {
        var outcomes = new List<TargetOutcome>();
        var scopes = t.Groups.Select(g => g.Setting.Scope).Where(s => Judged.Contains(s.Profile)).Distinct().ToArray();
        int family = comparisons.Family.Count;
        foreach (var scope in scopes.Where(s => s.Dataset == Profiles.Perov5Ood))
            outcomes.Add(Judge(t, comparisons, eligibility, scope, $"{Profiles.Perov5Ood}",
                $"the best clean ct-UAE variant has a test MAE at least {OodImprovement:P0} lower than cgcnn92 (frozen) and is Holm-significant", OodImprovement,
                requireSignificance: true, requireBestOfAll: false, family));
        foreach (int size in SmallDataSizes)
            foreach (var scope in scopes.Where(s => s.Dataset == Profiles.Perov5 && !s.WholeSplit && s.TrainCount == size))
                outcomes.Add(Judge(t, comparisons, eligibility, scope, string.Create(CultureInfo.InvariantCulture, $"{Profiles.Perov5}, {size:N0} training crystals"),
                    $"the best clean ct-UAE variant has a test MAE at least {SmallDataImprovement:P0} lower than cgcnn92 (frozen) and is the best of all clean tables and variants",
                    SmallDataImprovement, requireSignificance: false, requireBestOfAll: true, family));
        return outcomes;
    }

    private static TargetOutcome Judge(ResultTables t, ComparisonSet comparisons, TableEligibility eligibility, Scope scope, string name, string criterion,
        double improvement, bool requireSignificance, bool requireBestOfAll, int family)
    {
        var clean = comparisons.All.Where(c => c.Candidate.Setting.Scope == scope && c.Eligibility.Clean && !double.IsNaN(c.Candidate.Mae.Mean)).ToArray();
        if (clean.Length == 0)
        {
            var notClean = comparisons.All.Where(c => c.Candidate.Setting.Scope == scope).Select(c => $"{ResultTables.Label(c.Candidate)}: {c.Eligibility.Label}").Distinct().ToArray();
            return new TargetOutcome(name, criterion, null, $"No clean ct-UAE variant has finished runs here" +
                (notClean.Length > 0 ? $" ({string.Join("; ", notClean)})." : "."));
        }
        var best = clean.MinBy(c => c.Candidate.Mae.Mean)!;
        var s = best.Stats;
        double rel = s.Relative.Mean;
        bool bigEnough = rel <= -improvement;
        bool significant = best.HolmP < PairedStatistics.Alpha && s.MeanDifference < 0;
        var all = t.In(scope).Where(g => !g.IsSingleVariant && !double.IsNaN(g.Mae.Mean) && eligibility.Of(g).Clean).ToArray();
        var bestOfAll = all.MinBy(g => g.Mae.Mean);
        bool isBestOfAll = bestOfAll is not null && ReferenceEquals(bestOfAll, best.Candidate);
        bool met = bigEnough && (!requireSignificance || significant) && (!requireBestOfAll || isBestOfAll);

        string unit = ReportWriter.Unit(scope.Target);
        var missed = new List<string>();
        if (!bigEnough) missed.Add($"the change is {Fmt.Pct(rel)}, not {Fmt.Pct(-improvement)} or lower");
        if (requireSignificance && !significant)
            missed.Add(s.Untestable is { } why ? $"the comparison is {why}" : $"it is not Holm-significant (adjusted p = {Fmt.P(best.HolmP)})");
        if (requireBestOfAll && !isBestOfAll && bestOfAll is not null)
            missed.Add($"{ResultTables.Label(bestOfAll)} has a lower mean test MAE ({Fmt.MeanStd(bestOfAll.Mae)})");
        string Named(Group g) => ResultTables.Label(g) + (g.Setting.Model is "cgcnn" or BackendCellRunner.EncoderModel ? "" : $" ({g.Setting.Model})");
        string sentence =
            $"The best clean ct-UAE variant, {Named(best.Candidate)}, has a test MAE of {Fmt.MeanStd(best.Candidate.Mae)} against {Fmt.MeanStd(best.Reference.Mae)} " +
            $"for {ResultTables.Label(best.Reference)} ({unit}; mean ± std over {s.N} paired seeds): a change of {Fmt.PctStd(s.Relative)} over seeds, " +
            $"95 % bootstrap interval over test crystals {Fmt.Interval(s)}; lower on {s.Better} of {s.N} seeds; " +
            $"{(s.Untestable is { } u ? u : $"paired t-test p = {Fmt.P(s.PValue)}, Holm-adjusted p = {Fmt.P(best.HolmP)} in a family of {family} test{(family == 1 ? "" : "s")}")}." +
            (requireBestOfAll && bestOfAll is not null ? $" Lowest mean test MAE of all {all.Length} clean tables and variants here: {Named(bestOfAll)} ({Fmt.MeanStd(bestOfAll.Mae)})." : "") +
            (missed.Count > 0 ? $" Missed because {string.Join("; ", missed)}." : "") +
            $" The best variant is chosen among {clean.Length} clean ct-UAE variant{(clean.Length == 1 ? "" : "s")} after seeing their test results; every one of them is in the Holm family (table below), not only the best.";
        return new TargetOutcome(name, criterion, met, sentence);
    }
}

/// <summary>Number formats shared by the report's sentences and tables.</summary>
internal static class Fmt
{
    public static string F(double v, string format) => IO.Reports.HtmlPage.Number(v, format);

    public static string MeanStd(Stat s, string format = "0.0000") =>
        double.IsNaN(s.Mean) ? "–" : double.IsNaN(s.Std) ? F(s.Mean, format) : $"{F(s.Mean, format)} ± {F(s.Std, format)}";

    public static string Pct(double v) => double.IsNaN(v) ? "" : (v * 100).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture) + " %";

    /// <summary>A relative change over seeds: mean ± std in percent.</summary>
    public static string PctStd(Stat s) => double.IsNaN(s.Mean) ? "–"
        : double.IsNaN(s.Std) ? Pct(s.Mean) : $"{Pct(s.Mean)[..^2]} ± {(s.Std * 100).ToString("0.0", CultureInfo.InvariantCulture)} %";

    public static string Interval(PairedResult s) => double.IsNaN(s.BootstrapLow) ? "not available (no stored predictions)"
        : $"[{Pct(s.BootstrapLow)[..^2]}, {Pct(s.BootstrapHigh)}]";

    public static string P(double p) => double.IsNaN(p) ? "–" : p < 0.001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.000", CultureInfo.InvariantCulture);
}
