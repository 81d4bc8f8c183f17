using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.IO.Reports;
using CrystalTransformer.Training;
using static CrystalTransformer.IO.Reports.HtmlCell;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>
/// OUT/report: index.html (self-contained: figures inlined, no external links), figures/*.png|svg, and the tables as
/// CSV (results.csv with one row per finished run, summary.csv, comparisons.csv, table3.csv, provenance.csv). Every
/// number of ours comes from the results store; the paper's numbers are quoted from <see cref="PaperReference"/>.
/// </summary>
public static class ReportWriter
{
    public const string ResultsCsvHeader = "model,embedding,mode,dataset,target,train_size,seed,mae,rmse,r2,epochs,seconds";

    public static string Write(ResultsStore store, string folder, string commandLine)
    {
        var runs = store.Runs();
        var failures = store.Failures();
        var notes = store.Notes();
        var tables = new ResultTables(runs);
        var eligibility = new TableEligibility(notes);
        var comparisons = ComparisonSet.Build(tables, eligibility);
        var targets = TransferTargets.Evaluate(tables, comparisons, eligibility);
        Directory.CreateDirectory(folder);
        string figures = Path.Combine(folder, "figures");
        if (Directory.Exists(figures))
            foreach (var old in Directory.EnumerateFiles(figures)) File.Delete(old); // figures of settings no longer present

        WriteCsv(Path.Combine(folder, "results.csv"), ResultsCsvHeader, runs.Select(r => new object?[]
        {
            r.Cell.Model, r.Cell.Embedding, r.Cell.Mode, r.Cell.Dataset, r.Cell.Target, r.TrainCount, r.Cell.Seed, r.Mae, r.Rmse, r.R2,
            r.EpochsRun, Math.Round(Math.Max(r.WallSeconds, r.Seconds), 3),
        }));
        WriteCsv(Path.Combine(folder, "summary.csv"),
            "profile,dataset,target,model,mode,train_size,epochs_budget,embedding,seeds,mae_mean,mae_std,rmse_mean,rmse_std,r2_mean,r2_std,mae_change_vs_default,eligibility,picked_modes",
            tables.Groups.Select(g => new object?[]
            {
                g.Setting.Profile, g.Setting.Dataset, g.Setting.Target, g.Setting.Model, g.Setting.Mode, g.Setting.TrainCount, g.Setting.Epochs, g.Embedding, g.Mae.N,
                g.Mae.Mean, g.Mae.Std, g.Rmse.Mean, g.Rmse.Std, g.R2.Mean, g.R2.Std, tables.RelativeToReference(g), eligibility.Of(g).Label,
                g.Picks is null ? null : string.Join(" ", g.Picks.Select(kv => $"s{kv.Key}:{kv.Value}")),
            }));
        WriteCsv(Path.Combine(folder, "comparisons.csv"),
            "profile,dataset,target,model,mode,train_size,epochs_budget,candidate,reference,eligibility,seeds,mae_mean,mae_std,reference_mae_mean,reference_mae_std," +
            "mae_difference,relative_mean,relative_std,bootstrap_low,bootstrap_high,bootstrap_crystals,seeds_better,p_value,holm_p_value,in_family,verdict," +
            "best_baseline,vs_best_relative_mean,vs_best_relative_std,vs_best_bootstrap_low,vs_best_bootstrap_high,vs_best_seeds_better",
            comparisons.All.Select(c =>
            {
                var s = c.Candidate.Setting;
                return new object?[]
                {
                    s.Profile, s.Dataset, s.Target, s.Model, s.Mode, s.TrainCount, s.Epochs, ResultTables.Label(c.Candidate), ResultTables.Label(c.Reference),
                    c.Eligibility.Label, c.Stats.N, c.Candidate.Mae.Mean, c.Candidate.Mae.Std, c.Reference.Mae.Mean, c.Reference.Mae.Std, c.Stats.MeanDifference,
                    c.Stats.Relative.Mean, c.Stats.Relative.Std, c.Stats.BootstrapLow, c.Stats.BootstrapHigh, c.Stats.BootstrapCrystals, c.Stats.Better,
                    c.Stats.PValue, c.HolmP, c.InFamily ? "yes" : "no", c.Verdict, c.Baseline is null ? null : ResultTables.Label(c.Baseline),
                    c.VsBaseline?.Relative.Mean, c.VsBaseline?.Relative.Std, c.VsBaseline?.BootstrapLow, c.VsBaseline?.BootstrapHigh, c.VsBaseline?.Better,
                };
            }));
        WriteCsv(Path.Combine(folder, "targets.csv"), "target,criterion,outcome,sentence",
            targets.Select(o => new object?[] { o.Name, o.Criterion, o.Outcome, o.Sentence }));
        WriteCsv(Path.Combine(folder, "table_sources.csv"), "embedding,kind,component,dataset,parts,train_count,train_subset,targets,elements,data_sha256",
            TableSourceRows(tables, eligibility).Select(r => new object?[]
            {
                r.Embedding, r.Kind, r.Component, r.Source?.Dataset, r.Source is null ? null : string.Join(" ", r.Source.Parts), r.Source?.TrainCount,
                r.Source?.TrainSubset, r.Source is null ? null : string.Join(" ", r.Source.Targets), r.Source?.Elements.Count, r.Source?.Sha256,
            }));
        WriteCsv(Path.Combine(folder, "provenance.csv"),
            "config_hash,model,embedding,mode,dataset,target,train_size,seed,epochs,best_epoch,seconds,wall_seconds,run_dir,data_sha256,ct_version,torchsharp,libtorch,dotnet,threads,device,finished_utc,store,validation_mae",
            runs.Select(r =>
            {
                var env = Env(r);
                return new object?[]
                {
                    r.ConfigHash, r.Cell.Model, r.Cell.Embedding, r.Cell.Mode, r.Cell.Dataset, r.Cell.Target, r.TrainCount, r.Cell.Seed, r.EpochsRun,
                    r.BestEpoch, r.Seconds, r.WallSeconds, r.RunDirectory, r.DataHash, env("ct_version"), env("torch_sharp"), env("lib_torch"),
                    env("dot_net"), env("threads"), env("device"), r.FinishedUtc, r.Origin, r.ValidationMae,
                };
            }));
        if (failures.Count > 0)
            WriteCsv(Path.Combine(folder, "failures.csv"), "config_hash,cell,message,time_utc",
                failures.Select(f => new object?[] { f.ConfigHash, f.Cell.Key, f.Message, f.TimeUtc }));

        var page = new HtmlPage("ct reproduce: element tables in graph networks");
        page.Heading(1, "Element tables in graph networks: ct-UAE against the baselines");
        page.Paragraph($"Command: {HtmlPage.Code(commandLine)}. Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC from {HtmlPage.Code(Path.GetFileName(store.Path))}: " +
                       $"{runs.Count} finished run(s) in {tables.Settings.Count()} setting(s), {failures.Count} failed cell(s).");
        if (runs.Count == 0) page.Paragraph("<b>No run has finished yet</b>: there is nothing to compare.");
        AtAGlance(page, tables, comparisons, eligibility, figures);
        Honesty(page, runs, notes);
        TableSources(page, tables, eligibility);
        Verdicts(page, tables, comparisons, targets);
        Picks(page, tables);
        var t3 = Table3(page, tables);
        WriteCsv(Path.Combine(folder, "table3.csv"), "profile,dataset,target,model,train_size,epochs_budget,variant,embedding,mode,seeds,mae_mean,mae_std,r2_mean,mae_change_vs_none", t3);
        MetricTables(page, tables, eligibility);
        LearningCurves(page, tables, eligibility, figures);
        OodElements(page, tables, notes, figures);
        ParityPlots(page, tables, figures);
        Provenance(page, runs, notes);
        Failures(page, failures);
        page.Heading(2, "Files").List(
        [
            "<code>results.csv</code>: one row per finished run (model, embedding, mode, dataset, target, train_size, seed, mae, rmse, r2, epochs, seconds; " +
            "seconds = wall-clock time of the cell, for a resumed cell at least its training-loop time over all sessions).",
            "<code>summary.csv</code>: mean and standard deviation over seeds per setting and table (with the fine-tuning picks), the change of MAE against the default table and whether the table is clean there.",
            "<code>comparisons.csv</code>: every paired comparison of a ct-UAE variant or encoder transfer with its reference (eligibility, relative change, bootstrap interval, sign count, p, Holm-adjusted p, family membership, verdict) and the descriptive comparison with the best baseline; " +
            "<code>targets.csv</code>: the transfer targets and the computed sentences; <code>table_sources.csv</code>: what each element table saw; " +
            "<code>table3.csv</code>: the Table 3 analogue; <code>provenance.csv</code>: run directory, configuration hash, data hash, versions, timings and validation MAE of every run" +
            (failures.Count > 0 ? "; <code>failures.csv</code>" : "") + ".",
            "<code>figures/</code>: every figure as PNG and SVG.",
        ], "note");
        string index = Path.Combine(folder, "index.html");
        page.Write(index);
        return index;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void Honesty(HtmlPage h, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, string> notes)
    {
        var items = new List<string>();
        items.Add("<b>Not available here:</b> the paper's Materials Project 2018.6.1 and 2023 sets, JARVIS-DFT, MC3D and the 2,103 hybrid perovskites, and the authors' pretrained checkpoints. " +
              "No number below is on those data; the paper's numbers appear only as quotes, labelled as such.");
        items.Add("<b>What stands in:</b> perov5 (a subset of the Castelli cubic perovskites: 5-atom cells, heat of formation <code>heat_ref</code>) and NOMAD-2018 " +
              "((Al,Ga,In)<sub>2</sub>O<sub>3</sub>, formation energy in eV/atom and band gap in eV) for the back-ends; the ct-UAEs are pretrained on perov5 (single- and multi-task) and on " +
              "84,295 Materials Project compositions (formation energy and band gap; compositions only, no structures — a composition-mode front-end).");
        items.Add("<b>Units:</b> the perov5 heats are taken as eV per 5-atom cell (the data's own description leaves per atom or per cell open; Matbench describes them per cell). " +
              "MAE and RMSE of <code>heat_ref</code> are in that unit; divide by 5 for eV/atom under this assumption.");
        foreach (var (dataset, label) in new[] { (Profiles.Nomad, "NOMAD-2018"), (Profiles.Perov5, "perov5") })
            foreach (var split in SplitDescriptions(runs, dataset))
                items.Add($"<b>{label} split</b> (as recorded in the runs' config.json): {E(split)}; smaller training sizes are seeded subsets of the training part, the validation and test parts stay whole.");
        if (notes.TryGetValue($"data:{Profiles.Perov5Ood}", out var ood) && Parse(ood) is { } o)
            items.Add($"<b>Out-of-distribution test</b> (<code>{Profiles.Perov5Ood}</code>): B-site elements {E(string.Join(", ", ((JsonArray)o["held_out"]!).Select(x => (string)x!)))} " +
                  $"(drawn with seed {o["seed"]}) are held out from back-end training: every crystal containing one of them is removed from the training ({o["train"]} left) and validation ({o["validation"]} left) parts; " +
                  $"the {o["test"]} such crystals of the original test part form the test set ({o["dropped"]} crystals dropped: those with held-out elements from the original training and validation parts, " +
                  "because the perov5 ct-UAEs were pretrained on those labels, and the in-distribution test crystals). The B site is the second element of the source's formula (A B anions).");
        if (runs.Any(r => Cleanliness.IsSanityDataset(r.Cell.Dataset)))
            items.Add("<b>NOMAD-2018 rows are sanity rows:</b> the data hold four elements (Al, Ga, In, O); any four independent table rows followed by the back-end's trainable projection can represent them, " +
                  "so these rows check the machinery but cannot rank element tables. They are shown and kept out of every verdict.");
        var budgets = runs.GroupBy(r => (r.Configuration.Profile, r.Cell.Model, r.Configuration.Epochs, r.Configuration.BatchSize))
            .Select(g => $"{(g.Key.Profile.Length > 0 ? g.Key.Profile + ": " : "")}{g.Key.Model} {g.Key.Epochs} epochs{(g.Key.BatchSize is int b ? $", batch {b}" : "")} " +
                         $"({string.Join(", ", g.Select(r => $"{r.Cell.Dataset} {r.Cell.SizeLabel}").Distinct())})");
        items.Add($"<b>Budget:</b> {E(string.Join("; ", budgets))} (the best epoch by validation MAE is tested). The paper trains far longer on GPUs; short budgets compare tables at equal effort, not at convergence.");
        items.Add("<b>Seeds:</b> each seed changes the initialisation, the batch order and, for subsets, which training crystals are used; every table sees the same crystals for the same seed, so tables are compared seed by seed (paired).");
        h.Heading(2, "What these data are, and what they are not").List(items);
    }

    /// <summary>One row of "What each element table saw": a source of a table (null for published or unknown tables).</summary>
    private sealed record TableSourceRow(string Embedding, string Kind, string Component, ProvenanceSource? Source);

    private static IEnumerable<TableSourceRow> TableSourceRows(ResultTables t, TableEligibility eligibility)
    {
        var seen = new HashSet<(string, bool)>();
        foreach (var g in t.Groups.OrderBy(g => ResultTables.EmbeddingOrder(g.Embedding)).ThenBy(g => g.Embedding, StringComparer.Ordinal))
        {
            bool encoder = g.Setting.Mode == GridCell.Encoder;
            if (!seen.Add((g.Embedding, encoder))) continue;
            var origin = eligibility.Origin(g.Embedding, encoder);
            string kind = encoder ? "front-end model (whole-encoder transfer)" : !origin.Pretrained ? Eligibility.Published.Label
                : origin.Components.Count > 1 || origin.Components[0] != g.Embedding ? "built from ct-UAEs (union of their sources)" : "ct-UAE";
            if (!origin.Pretrained) { yield return new TableSourceRow(g.Embedding, kind, "", null); continue; }
            foreach (var component in origin.Components)
            {
                var sources = eligibility.Origin(component, encoder).Sources;
                if (sources is null) { yield return new TableSourceRow(g.Embedding, kind + "; no provenance.json: unknown (treated as not clean)", component, null); continue; }
                foreach (var source in sources) yield return new TableSourceRow(g.Embedding, kind, component, source);
            }
        }
    }

    private static void TableSources(HtmlPage h, ResultTables t, TableEligibility eligibility)
    {
        var rows = TableSourceRows(t, eligibility).ToArray();
        if (rows.Length == 0) return;
        h.Heading(2, "What each element table saw");
        h.Paragraph("From the <code>provenance.json</code> of every pretrained table (written by <code>ct pretrain</code> into the ct-UAE folder) and of the front-end model of encoder transfer: " +
            "the data sets whose labels the pretraining used, which parts of their split (train: gradients; validation: model selection), how many training crystals, the targets and the elements of the crystals it saw. " +
            "A comparison is <b>not clean</b> when a source is the setting's underlying data set (perov5-ood's is perov5) and (a) the setting trains on a subset while the source used that data set's training labels " +
            "(the table has already seen every label the small set is meant to lack), or (b) the setting is perov5-ood and the source saw a held-out element, or (c) the source used the test part. " +
            "Tables without a provenance file are unknown and treated as not clean; published tables were not pretrained here and count as clean. Not-clean comparisons stay visible but enter no verdict and no Holm family.");
        h.BeginTable().Row(ThLeft("table"), ThLeft("kind"), ThLeft("pretrained part"), ThLeft("data set"), ThLeft("labels of parts"), Th("training crystals"),
            Th("subset"), ThLeft("targets"), Th("elements"), ThLeft("data sha256"));
        foreach (var r in rows)
        {
            var s = r.Source;
            h.Row(TdLeft(E(r.Embedding)), TdLeft(E(r.Kind)), TdLeft(E(r.Component)), TdLeft(E(s?.Dataset)),
                TdLeft(E(s is null ? "" : string.Join(", ", s.Parts))), Td(s?.TrainCount is int n ? n.ToString("N0", CultureInfo.InvariantCulture) : ""),
                Td(s?.TrainSubset is int k ? k.ToString("N0", CultureInfo.InvariantCulture) : ""), TdLeft(E(s is null ? "" : string.Join(", ", s.Targets))),
                Td(s is null ? "" : s.Elements.Count.ToString(CultureInfo.InvariantCulture)), TdLeft(HtmlPage.Code(s?.Sha256 is { Length: > 12 } sha ? sha[..12] : s?.Sha256)));
        }
        h.EndTable();
        // Clean or not, per table and setting.
        var scopes = t.Groups.Select(g => g.Setting.Scope).Distinct().OrderBy(s => s.Profile, StringComparer.Ordinal).ThenBy(s => s.Dataset, StringComparer.Ordinal).ThenBy(s => s.TrainCount).ToArray();
        var pretrained = t.Groups.Where(g => g.IsTransfer).Select(g => (g.Embedding, Encoder: g.Setting.Mode == GridCell.Encoder)).Distinct().ToArray();
        if (pretrained.Length == 0 || scopes.Length == 0) return;
        h.BeginTable().Row([ThLeft("table"), .. scopes.Select(s => Th($"{E(s.Profile)}<br>{E(s.Dataset)} {E(s.SizeText)}"))]);
        foreach (var (embedding, encoder) in pretrained)
            h.Row([TdLeft($"{E(embedding)}{(encoder ? " (encoder)" : "")}"), .. scopes.Select(scope =>
            {
                var g = t.In(scope).FirstOrDefault(x => x.Embedding == embedding && (x.Setting.Mode == GridCell.Encoder) == encoder);
                if (g is null) return Td("");
                var e = eligibility.Of(g);
                return TdLeft(e.Clean ? "<span class=\"good\">clean</span>"
                    : $"<span class=\"bad\">{E(e.Label.Split(':')[0])}</span><br><span class=\"note\">{E(e.Label.Contains(':') ? e.Label[(e.Label.IndexOf(':') + 1)..].Trim() : "")}</span>");
            })]);
        h.EndTable();
    }

    private static void Verdicts(HtmlPage h, ResultTables t, ComparisonSet comparisons, IReadOnlyList<TargetOutcome> targets)
    {
        h.Heading(2, "Does ct-UAE help?");
        var all = comparisons.All;
        if (all.Count == 0) { h.Paragraph("No ct-UAE or encoder-transfer run with a finished reference (the back-end's default table, frozen, in the same setting) yet."); return; }
        var family = comparisons.Family;
        h.Paragraph($"<b>How this is decided.</b> Each ct-UAE variant (frozen; fine-tuned at the paper's rate; the fine-tuning variant picked per seed on validation MAE) and each whole-encoder transfer is compared seed by seed with the reference: " +
            "the back-end's default table, frozen, at the same data set, size and budget (\"None\": cgcnn92 for CGCNN — also the reference of encoder transfer — and ALIGNN, megnet16 for MEGNet). " +
            "Paired differences are candidate − reference test MAE on the seeds both have; the paired t-test is two-sided, and where every seed gives the same difference it is <i>not testable (no spread)</i> rather than certain. " +
            $"Only clean, testable comparisons form the family: <b>{family.Count} test{(family.Count == 1 ? "" : "s")}</b>, corrected together with Holm's method; a verdict (helps / hurts) needs a Holm-adjusted p &lt; {PairedStatistics.Alpha.ToString(CultureInfo.InvariantCulture)}. " +
            $"The effect size is the mean ± std over seeds of the per-seed relative change; its 95 % interval comes from {PairedStatistics.BootstrapResamples:N0} bootstrap resamples of the test crystals (seeded; each resample applied to both tables and every seed, MAEs recomputed from the stored predictions); the interval reflects which crystals happen to form the test set, the ± std the spread over seeds. " +
            "The sign count says on how many seeds the candidate is better. The best baseline (lowest mean MAE among the clean non-ct-UAE tables of the setting) is shown for scale and is not tested: it is chosen after seeing the test results.");
        if (targets.Count > 0)
        {
            h.Heading(3, "Targets of the transfer profile").List(targets.Select(o =>
                $"<b>{E(o.Name)}</b> — target: {E(o.Criterion)}. {(o.Met switch { true => "<span class=\"good\">Met.</span>", false => "<span class=\"bad\">Missed.</span>", null => "<b>Not judged.</b>" })} {E(o.Detail)}"));
        }
        var summary = new List<string>();
        foreach (var byCandidate in all.GroupBy(c => ResultTables.Label(c.Candidate)))
        {
            var clean = byCandidate.Where(c => c.Eligibility.Clean).ToArray();
            int helps = clean.Count(c => c.Verdict == "helps"), hurts = clean.Count(c => c.Verdict == "hurts"), tested = clean.Count(c => c.InFamily);
            int lower = clean.Count(c => c.Stats.MeanDifference < 0), excluded = byCandidate.Count() - clean.Length;
            string text = clean.Length == 0 ? "no clean comparison" :
                $"in {clean.Length} clean setting{(clean.Length == 1 ? "" : "s")}: significantly better (Holm) in {helps}, significantly worse in {hurts}, no significant difference in {tested - helps - hurts}" +
                (clean.Length - tested > 0 ? $", not testable in {clean.Length - tested}" : "") + $"; lower mean MAE in {lower} of {clean.Length}";
            double medianRel = Median(clean.Select(c => c.Stats.Relative.Mean));
            if (!double.IsNaN(medianRel)) text += $"; median change against the reference {Pct(medianRel)}";
            if (excluded > 0) text += $" ({excluded} not-clean or sanity setting{(excluded == 1 ? "" : "s")} left out)";
            summary.Add($"<b>{E(byCandidate.Key)}</b>: {E(text)}.");
        }
        h.Heading(3, "Summary").List(summary);

        h.Heading(3, $"The verdict table: clean comparisons ({family.Count} in the Holm family)");
        var cleanRows = all.Where(c => c.Eligibility.Clean).ToArray();
        if (cleanRows.Length == 0) h.Paragraph("No clean comparison: every finished ct-UAE comparison is not clean, of unknown provenance, or a sanity row (below).");
        else ComparisonTable(h, cleanRows, withTests: true);
        var others = all.Where(c => !c.Eligibility.Clean).ToArray();
        if (others.Length > 0)
        {
            h.Heading(3, $"Not clean, unknown provenance and sanity rows ({others.Length}): shown, not judged");
            h.Paragraph("The same numbers without tests: these comparisons are outside the Holm family and every verdict.");
            ComparisonTable(h, others, withTests: false);
        }
    }

    private static void ComparisonTable(HtmlPage h, IReadOnlyList<Comparison> rows, bool withTests)
    {
        h.BeginTable().Row([ThLeft("profile"), ThLeft("data set"), ThLeft("target"), ThLeft("back-end"), Th("train"), ThLeft("candidate"), ThLeft("clean?"),
            Th("MAE"), Th("reference MAE"), Th("change (mean ± std over seeds)"), Th("95 % bootstrap"), Th("better seeds"),
            .. withTests ? [Th("p"), Th("Holm p"), ThLeft("verdict")] : Array.Empty<HtmlCell>(),
            ThLeft("best baseline"), Th("vs best"), Th("better seeds")]);
        foreach (var c in rows)
        {
            var s = c.Candidate.Setting;
            var st = c.Stats;
            var cells = new List<HtmlCell>
            {
                TdLeft(E(s.Profile)), TdLeft(E(s.Dataset)), TdLeft(E(s.Target)), TdLeft(E(s.Model)), Td(E(s.SizeText)),
                TdLeft(E(ResultTables.Label(c.Candidate))), TdLeft(E(c.Eligibility.Label)), Td(MeanStd(c.Candidate.Mae)),
                Td($"{MeanStd(c.Reference.Mae)} <span class=\"note\">{E(ResultTables.Label(c.Reference))}</span>"), Td(E(Fmt.PctStd(st.Relative))), Td(E(Fmt.Interval(st))), Td($"{st.Better}/{st.N}"),
            };
            if (withTests)
                cells.AddRange([Td(st.Untestable is { } why ? E(why) : Fmt.P(st.PValue)), Td(Fmt.P(c.HolmP)), TdLeft(VerdictHtml(c.Verdict))]);
            cells.AddRange(c.Baseline is null || c.VsBaseline is null ? [Td(""), Td(""), Td("")]
                : [TdLeft(E(ResultTables.Label(c.Baseline))), Td($"{E(Fmt.PctStd(c.VsBaseline.Relative))}<br><span class=\"note\">{E(Fmt.Interval(c.VsBaseline))}</span>"), Td($"{c.VsBaseline.Better}/{c.VsBaseline.N}")]);
            h.Row(cells);
        }
        h.EndTable();
    }

    private static void Picks(HtmlPage h, ResultTables t)
    {
        var picked = t.Groups.Where(g => g.Picks is not null).ToArray();
        var variants = t.Groups.Where(g => g.IsSingleVariant).ToArray();
        if (variants.Length == 0) return;
        h.Heading(2, "Fine-tuning learning rate, picked on validation");
        h.Paragraph("For each table, setting and seed, the fine-tuning variants (<code>finetune:LR</code>, <code>l2sp:LR</code>) form one group, \"TABLE (fine-tuned, picked on validation)\", whose run is the variant with the lowest validation MAE at its best epoch; " +
            "the test MAE of that run is what is compared. Nothing is picked on test.");
        if (picked.Length == 0) { h.Paragraph("No run of a fine-tuning variant recorded a validation MAE (a store written before version 2): nothing can be picked."); return; }
        h.BeginTable().Row(ThLeft("profile"), ThLeft("data set"), Th("train"), ThLeft("table"), ThLeft("picked per seed (validation MAE)"), Th("test MAE of the picks"));
        foreach (var g in picked)
        {
            var s = g.Setting;
            string picks = string.Join("; ", g.Runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"s{r.Cell.Seed}: {r.Cell.Mode} ({r.ValidationMae:0.0000})")));
            h.Row(TdLeft(E(s.Profile)), TdLeft(E(s.Dataset)), Td(E(s.SizeText)), TdLeft(E(g.Embedding)), TdLeft(E(picks)), Td(MeanStd(g.Mae)));
        }
        h.EndTable();
    }

    /// <summary>The split each run of a data set recorded, without the per-run subset note ("...; training subset of N ...").</summary>
    private static IEnumerable<string> SplitDescriptions(IReadOnlyList<RunRecord> runs, string dataset) =>
        runs.Where(r => r.Cell.Dataset == dataset).Select(r => (string?)Parse(r.ConfigJson)?["data"]?["split"])
            .Where(s => s is not null).Select(s => s!.Split("; training subset")[0]).Distinct();

    private static string VerdictHtml(string verdict) => verdict switch
    {
        "helps" => "<span class=\"good\">helps</span>",
        "hurts" => "<span class=\"bad\">hurts</span>",
        _ => E(verdict),
    };

    /// <summary>The paper's Table 3 on our data: None, CT (fine-tuned) and CTfreeze (frozen) per ct-UAE, at the largest
    /// training size of each data set; the paper's quoted values beside it.</summary>
    private static List<object?[]> Table3(HtmlPage h, ResultTables t)
    {
        var rows = new List<object?[]>();
        h.Heading(2, "The paper's Table 3, on our data");
        var tops = t.Settings.Where(s => s.Mode is GridCell.Frozen or GridCell.FineTune).GroupBy(s => (s.Profile, s.Dataset, s.Target, s.Model))
            .Select(g => g.Where(s => s.TrainCount == g.Max(x => x.TrainCount)).ToArray()).ToArray();
        h.Paragraph("\"None\" is the back-end's default table, frozen, as published; \"CT\" is a ct-UAE used as the initial table and fine-tuned at a low learning rate; \"CTfreeze\" the same table frozen. " +
            "Our numbers are on the largest training size run for each data set (below); they are not comparable in absolute terms with the paper's, which are on a different data set.");
        h.BeginColumns().Heading(3, "Ours")
            .BeginTable().Row(ThLeft("data set / target"), ThLeft("back-end"), Th("train"), ThLeft("variant"), ThLeft("table"), Th("MAE"), Th("R²"), Th("vs None"));
        foreach (var settings in tops)
        {
            var frozen = settings.FirstOrDefault(s => s.Mode == GridCell.Frozen);
            var tuned = settings.FirstOrDefault(s => s.Mode == GridCell.FineTune);
            var any = frozen ?? tuned!;
            var none = t.Reference(any);
            var lines = new List<(string Variant, Group G)>();
            if (none is not null) lines.Add(("None", none));
            foreach (var uae in UaeCatalog.Names)
            {
                if (tuned is not null && t.In(tuned).FirstOrDefault(g => g.Embedding == uae) is { } ct) lines.Add(("CT", ct));
                if (frozen is not null && t.In(frozen).FirstOrDefault(g => g.Embedding == uae) is { } cf) lines.Add(("CTfreeze", cf));
            }
            if (lines.Count == 0 || lines.All(l => l.Variant == "None")) continue;
            foreach (var (variant, g) in lines)
            {
                double rel = none is null || variant == "None" ? double.NaN : g.Mae.Mean / none.Mae.Mean - 1;
                h.Row(TdLeft($"{E(any.Dataset)} / {E(any.Target)}"), TdLeft(E(any.Model)), Td(E(g.Setting.SizeText)), TdLeft(variant),
                      TdLeft(E(g.Embedding)), Td(MeanStd(g.Mae)), Td(F(g.R2.Mean, "0.000")), Td(Pct(rel)));
                rows.Add([any.Profile, any.Dataset, any.Target, any.Model, g.Setting.TrainCount, any.Epochs, variant, g.Embedding, g.Setting.Mode, g.Mae.N, g.Mae.Mean, g.Mae.Std, g.R2.Mean, rel]);
            }
        }
        h.EndTable().NextColumn().Heading(3, "Quoted from the paper (different data)")
            .Paragraph($"{E(PaperReference.Citation)}; {E(PaperReference.Data)}. Reference values, not computed here.", "note")
            .BeginTable("quote").Row(ThLeft("variant"), ThLeft("meaning"), Th("E<sub>f</sub> MAE (eV/atom)"), Th("E<sub>f</sub> R²"), Th("E<sub>g</sub> MAE (eV)"));
        foreach (var r in PaperReference.Table3)
            h.Row(TdLeft(E(r.Variant)), TdLeft(E(r.Meaning)), Td(Q(r.FormationMae)), Td(Q(r.FormationR2)), Td(Q(r.GapMae)));
        h.EndTable().Paragraph("Headline claims of the paper: " + E(string.Join("; ", PaperReference.Claims)) + ".", "note").EndColumns();
        return rows;
    }

    private static void MetricTables(HtmlPage h, ResultTables t, TableEligibility eligibility)
    {
        h.Heading(2, "Test errors per setting");
        h.Paragraph("Mean ± standard deviation over seeds (number of seeds in brackets when fewer than all); the best table of each row in bold; below each MAE its change against the reference (the default table, frozen) of the same size. " +
            "† marks a table that is not clean (or of unknown provenance) in that setting. Lower MAE/RMSE and higher R² are better; each row has its own budget (epochs).");
        foreach (var block in t.Settings.GroupBy(s => (s.Profile, s.Dataset, s.Target, s.Model)))
        {
            var settings = block.OrderBy(s => s.TrainCount).ThenBy(s => s.Epochs).ThenBy(s => s.Mode == GridCell.Frozen ? 0 : s.Mode == ResultTables.PickedMode ? 2 : 1).ThenBy(s => s.Mode, StringComparer.Ordinal).ToArray();
            var embeddings = settings.SelectMany(t.In).Select(g => g.Embedding).Distinct().OrderBy(ResultTables.EmbeddingOrder).ThenBy(e => e, StringComparer.Ordinal).ToArray();
            string title = $"{(block.Key.Profile.Length > 0 ? block.Key.Profile + ": " : "")}{block.Key.Dataset} / {block.Key.Target} — {block.Key.Model}";
            int maxSeeds = block.Max(x => t.In(x).Max(y => y.Mae.N));
            foreach (var (metric, label, lowerIsBetter) in new[] { ("mae", "MAE", true), ("rmse", "RMSE", true), ("r2", "R²", false) })
            {
                if (metric != "mae") h.BeginFolded($"{label}: {title}");
                else h.Heading(3, $"{title}: MAE ({Unit(block.Key.Target)})");
                h.BeginTable().Row([Th("train"), Th("epochs"), ThLeft("mode"), .. embeddings.Select(e => Th(E(e)))]);
                foreach (var s in settings)
                {
                    var groups = t.In(s).ToDictionary(g => g.Embedding);
                    Stat Pick(Group g) => metric switch { "mae" => g.Mae, "rmse" => g.Rmse, _ => g.R2 };
                    var valid = groups.Values.Where(g => !double.IsNaN(Pick(g).Mean)).ToArray();
                    double best = valid.Length == 0 ? double.NaN : lowerIsBetter ? valid.Min(g => Pick(g).Mean) : valid.Max(g => Pick(g).Mean);
                    var cells = new List<HtmlCell> { Td(E(s.SizeText)), Td($"{s.Epochs}"), TdLeft(E(s.Mode)) };
                    foreach (var e in embeddings)
                    {
                        if (!groups.TryGetValue(e, out var g)) { cells.Add(Td("")); continue; }
                        var st = Pick(g);
                        string text = MeanStd(st, metric == "r2" ? "0.000" : "0.0000") + (st.N < maxSeeds ? $" <span class=\"note\">({st.N})</span>" : "");
                        if (st.Mean == best) text = $"<b>{text}</b>";
                        if (!eligibility.Of(g).Clean && !Cleanliness.IsSanityDataset(s.Dataset)) text += " †";
                        if (metric == "mae") text += $"<br><span class=\"note\">{Pct(t.RelativeToReference(g))}</span>";
                        cells.Add(Td(text));
                    }
                    h.Row(cells);
                }
                h.EndTable();
                if (metric != "mae") h.EndSection();
            }
        }
    }

    /// <summary>The key of a learning-curve figure: encoder transfer joins the figure of CGCNN, its reference back-end.</summary>
    private static (string Profile, string Dataset, string Target, string Model) CurveKey(Setting s) => (s.Profile, s.Dataset, s.Target, ResultTables.ReferenceModel(s));

    private static void LearningCurves(HtmlPage h, ResultTables t, TableEligibility eligibility, string figures)
    {
        var blocks = t.Groups.GroupBy(g => CurveKey(g.Setting)).Where(b => b.Select(g => g.Setting.TrainCount).Distinct().Count() >= 2).ToArray();
        h.Heading(2, "Learning curves");
        if (blocks.Length == 0) { h.Paragraph("No data set has been run at two or more training sizes yet."); return; }
        h.Paragraph("Test MAE against the number of training crystals, both axes logarithmic; error bars ±1 standard deviation over seeds; one line per table and variant (each size with its own budget). " +
            "Encoder transfer is drawn with CGCNN, whose default table is its reference.");
        foreach (var b in blocks)
        {
            var sizes = b.Select(g => g.Setting.TrainCount).Distinct().Order().ToArray();
            var series = b.GroupBy(g => (g.Setting.Model, g.Embedding, g.Setting.Mode))
                .OrderBy(s => ResultTables.ModelOrder(s.Key.Model)).ThenBy(s => s.Key.Mode == GridCell.Frozen ? 0 : 1).ThenBy(s => s.Key.Mode, StringComparer.Ordinal)
                .ThenBy(s => ResultTables.EmbeddingOrder(s.Key.Embedding)).ThenBy(s => s.Key.Embedding, StringComparer.Ordinal)
                .Select(s =>
                {
                    var points = s.GroupBy(g => g.Setting.TrainCount).Select(p => p.MaxBy(g => g.Runs.Count)!).OrderBy(g => g.Setting.TrainCount).ToArray();
                    return (LegendLabel(points[0]), points.Select(g => (double)g.Setting.TrainCount).ToArray(), points.Select(g => g.Mae).ToArray());
                }).ToArray();
            // The caption: the lowest mean MAE at each size, and the lowest clean one where that differs.
            var lowest = sizes.Select(n =>
            {
                var at = b.Where(g => g.Setting.TrainCount == n && !double.IsNaN(g.Mae.Mean)).ToArray();
                var best = at.MinBy(g => g.Mae.Mean);
                var bestClean = at.Where(g => !g.IsSingleVariant && eligibility.Of(g).Clean).MinBy(g => g.Mae.Mean);
                if (best is null) return null;
                string text = string.Create(CultureInfo.InvariantCulture, $"{n:N0}: {ResultTables.Label(best)} ({best.Mae.Mean:0.0000}{(eligibility.Of(best).Clean ? "" : ", not clean")})");
                if (bestClean is not null && !ReferenceEquals(bestClean, best))
                    text += string.Create(CultureInfo.InvariantCulture, $", lowest clean {ResultTables.Label(bestClean)} ({bestClean.Mae.Mean:0.0000})");
                return text;
            }).Where(x => x is not null);
            string caption = $"Lowest mean test MAE at each size — {string.Join("; ", lowest)}.";
            string title = $"{(b.Key.Profile.Length > 0 ? b.Key.Profile + ": " : "")}{b.Key.Dataset} / {b.Key.Target}, {b.Key.Model}";
            var fig = ReportFigures.Save(ReportFigures.LearningCurves(title, $"test MAE ({Unit(b.Key.Target)})", series), figures,
                Slug($"learning_{b.Key.Dataset}_{b.Key.Target}_{b.Key.Model}_{b.Key.Profile}"), title, caption, ReportFigures.WideWidth, ReportFigures.WideHeight);
            Figure(h, fig);
        }
    }

    /// <summary>Colour class of a group's bar: the reference, a ct-UAE, whole-encoder transfer or another table.</summary>
    private static ReportFigures.BarKind KindOf(Group g, Group? reference) =>
        ReferenceEquals(g, reference) ? ReportFigures.BarKind.Reference
        : g.Setting.Mode == GridCell.Encoder ? ReportFigures.BarKind.Encoder
        : UaeCatalog.IsUae(g.Embedding) ? ReportFigures.BarKind.Uae
        : ReportFigures.BarKind.Baseline;

    /// <summary>
    /// Per data set (profile, data set, target, back-end) at the largest training size run: test MAE per table with
    /// error bars over seeds, the paired differences against the default table, and the training curves of a few runs
    /// (the default table's, the lowest-MAE table's and the best ct-UAE's, for the same seed), each with a caption
    /// computed from the numbers shown.
    /// </summary>
    private static void AtAGlance(HtmlPage h, ResultTables t, ComparisonSet comparisons, TableEligibility eligibility, string figures)
    {
        var blocks = t.Groups.GroupBy(g => CurveKey(g.Setting)).ToArray();
        if (blocks.Length == 0) return;
        h.Heading(2, "At a glance");
        h.Paragraph("For each data set, at the largest training size run: the test MAE of every table (mean ± 1 standard deviation over seeds), " +
            "the change against the back-end's default table seed by seed, and the training curves of a few runs. Learning curves over sizes and parity plots follow further down.");
        var stats = comparisons.All.ToDictionary(c => c.Candidate, c => c.Stats, ReferenceEqualityComparer.Instance);
        foreach (var b in blocks)
        {
            int largest = b.Max(g => g.Setting.TrainCount);
            string model = b.Key.Model, defaultTable = Profiles.DefaultTable(model);
            var reference = b.Where(g => g.Setting.TrainCount == largest && g.Setting.Model == model && g.Setting.Mode == GridCell.Frozen && g.Embedding == defaultTable)
                .MaxBy(g => g.Runs.Count);
            var groups = b.Where(g => g.Setting.TrainCount == largest && !g.IsSingleVariant && !double.IsNaN(g.Mae.Mean)
                                      && (reference is null || ReferenceEquals(g, reference) || ReferenceEquals(t.Reference(g.Setting), reference)))
                .OrderBy(g => g.Mae.Mean).ToArray();
            if (groups.Length == 0) continue;
            var any = groups[0].Setting;
            bool sanity = Cleanliness.IsSanityDataset(any.Dataset);
            string where = $"{(b.Key.Profile.Length > 0 ? b.Key.Profile + ": " : "")}{b.Key.Dataset} / {b.Key.Target}, {model}, {any.SizeText} training crystals";
            string Name(Group g) => LegendLabel(g) + (!sanity && !eligibility.Of(g).Clean ? " †" : "");
            h.Heading(3, where);

            // 1. Test MAE per table.
            var best = groups[0];
            var caption = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"Lowest mean test MAE: {Name(best)} ({MeanStd(best.Mae)}, {best.Mae.N} seed{(best.Mae.N == 1 ? "" : "s")})"));
            if (reference is not null)
            {
                caption.Append(string.Create(CultureInfo.InvariantCulture, $"; the default table {defaultTable}: {MeanStd(reference.Mae)}. "));
                if (double.IsNaN(reference.Mae.Std))
                    caption.Append("With one seed there is no spread over seeds to judge the differences by.");
                else
                {
                    double spread = reference.Mae.Std;
                    var below = groups.Where(g => !ReferenceEquals(g, reference) && g.Mae.Mean < reference.Mae.Mean - spread).Select(Name).ToArray();
                    var above = groups.Where(g => !ReferenceEquals(g, reference) && g.Mae.Mean > reference.Mae.Mean + spread).Select(Name).ToArray();
                    int within = groups.Length - 1 - below.Length - above.Length;
                    caption.Append(string.Create(CultureInfo.InvariantCulture, $"Lower than {defaultTable} by more than its standard deviation over seeds ({spread:0.0000}): {(below.Length == 0 ? "none" : string.Join(", ", below))}; ")
                        + $"higher by more: {(above.Length == 0 ? "none" : string.Join(", ", above))}; {within} within it (not resolved at this budget and number of seeds).");
                }
            }
            else caption.Append($"; the default table {defaultTable} was not run here, so nothing is compared with it.");
            if (sanity) caption.Append(" NOMAD-2018 is a sanity row: with four elements it cannot rank element tables.");
            else if (groups.Any(g => !eligibility.Of(g).Clean)) caption.Append(" † not clean here (kept out of every verdict).");
            string title = $"{where}: test MAE per table";
            int height = Math.Max(300, 120 + 34 * groups.Length);
            var bars = groups.Select(g => (Name(g), g.Mae, KindOf(g, reference))).ToArray();
            Figure(h, ReportFigures.Save(ReportFigures.TableBars(title, $"test MAE ({Unit(b.Key.Target)}), mean ± 1 std over seeds", bars), figures,
                Slug($"tables_{b.Key.Dataset}_{b.Key.Target}_{model}_{b.Key.Profile}"), title, caption.ToString(), ReportFigures.WideWidth, height));

            // 2. Paired differences against the default table.
            if (reference is not null && groups.Length > 1)
            {
                var rows = groups.Where(g => !ReferenceEquals(g, reference)).Select(g =>
                {
                    var st = stats.TryGetValue(g, out var known) ? known : t.Compare(g, reference);
                    var mine = g.Runs.GroupBy(r => r.Cell.Seed).ToDictionary(x => x.Key, x => x.First().Mae);
                    var theirs = reference.Runs.GroupBy(r => r.Cell.Seed).ToDictionary(x => x.Key, x => x.First().Mae);
                    double[] perSeed = st.Seeds.Select(seed => mine[seed] / theirs[seed] - 1).ToArray();
                    return (Group: g, Stats: st, PerSeed: perSeed);
                }).Where(r => r.PerSeed.Length > 0).OrderBy(r => r.Stats.Relative.Mean).ToArray();
                if (rows.Length > 0)
                {
                    string Listed(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";
                    var lower = rows.Where(r => r.PerSeed.All(v => v < 0)).Select(r => Name(r.Group));
                    var higher = rows.Where(r => r.PerSeed.All(v => v > 0)).Select(r => Name(r.Group));
                    var mixed = rows.Where(r => !r.PerSeed.All(v => v < 0) && !r.PerSeed.All(v => v > 0)).Select(r => Name(r.Group));
                    var clearBelow = rows.Where(r => r.Stats.BootstrapHigh < 0).Select(r => Name(r.Group));
                    int crystals = rows.Max(r => r.Stats.BootstrapCrystals);
                    string pairedCaption = $"Relative change of test MAE against {defaultTable}, seed by seed (circles), its mean over seeds (diamond) and the 95 % bootstrap interval " +
                        $"over the {crystals} test crystals (line); left of zero is better. Lower on every seed: {Listed(lower)}; higher on every seed: {Listed(higher)}; mixed: {Listed(mixed)}. " +
                        $"Interval entirely below zero: {Listed(clearBelow)}. Which of these are verdicts (clean comparisons, Holm-corrected) is decided under \"Does ct-UAE help?\".";
                    string pairedTitle = $"{where}: change against {defaultTable}";
                    var plotRows = rows.Select(r => (Name(r.Group), r.PerSeed, r.Stats.Relative.Mean, r.Stats.BootstrapLow, r.Stats.BootstrapHigh, KindOf(r.Group, reference))).ToArray();
                    Figure(h, ReportFigures.Save(ReportFigures.PairedDifferences(pairedTitle, $"change of test MAE against {defaultTable} (%)", plotRows), figures,
                        Slug($"paired_{b.Key.Dataset}_{b.Key.Target}_{model}_{b.Key.Profile}"), pairedTitle, pairedCaption, ReportFigures.WideWidth, Math.Max(300, 120 + 34 * rows.Length)));
                }
            }

            // 3. Training curves of a few runs, all for one seed.
            var chosen = new List<Group>();
            if (reference is not null) chosen.Add(reference);
            if (!chosen.Contains(best)) chosen.Add(best);
            if (groups.Where(g => g.IsTransfer).MinBy(g => g.Mae.Mean) is { } bestTransfer && !chosen.Contains(bestTransfer)) chosen.Add(bestTransfer);
            int? seed = chosen.Select(g => g.Runs.Select(r => r.Cell.Seed)).Aggregate((x, y) => x.Intersect(y)).Order().Cast<int?>().FirstOrDefault();
            int missing = 0;
            foreach (var g in chosen)
            {
                var run = g.Runs.FirstOrDefault(r => r.Cell.Seed == seed) ?? g.Runs[0];
                string log = Path.Combine(run.RunDirectory, Trainer.LogFile);
                (string[] Targets, IReadOnlyList<LogRow> Rows) curve;
                try { curve = TrainingLog.Read(log); }
                catch (Structures.InputError) { missing++; continue; }
                if (curve.Rows.Count == 0) { missing++; continue; }
                var logRows = curve.Rows;
                int bestEpoch = logRows.LastOrDefault(r => r.IsBest)?.Epoch ?? logRows[^1].Epoch;
                int k = Math.Max(0, Array.IndexOf(curve.Targets, b.Key.Target));
                var bestRow = logRows.First(r => r.Epoch == bestEpoch);
                string verdict = logRows.Count < 3
                    ? $"only {logRows.Count} epoch{(logRows.Count == 1 ? "" : "s")}: too few to judge convergence"
                    : bestEpoch > logRows[^1].Epoch - Math.Max(1, logRows.Count / 10)
                        ? "the validation MAE was still falling at the end of the budget: a longer budget would likely lower it"
                        : $"the validation MAE levelled off: the last {logRows[^1].Epoch - bestEpoch} epochs did not improve on epoch {bestEpoch}";
                string curveTitle = $"{where}: training curve of {LegendLabel(g)}, seed {run.Cell.Seed}";
                string curveCaption = string.Create(CultureInfo.InvariantCulture,
                    $"Best validation epoch {bestEpoch} of {logRows[^1].Epoch} (validation MAE {bestRow.ValidationMae[k]:0.0000}, test MAE {run.Mae:0.0000}); {verdict}.");
                var plot = CrystalTransformer.Analysis.Plots.Figures.TrainingCurve($"{LegendLabel(g)}, seed {run.Cell.Seed}: training curve", logRows.Select(r => r.Epoch).ToArray(),
                    curve.Targets.Select((target, j) => (target, (IReadOnlyList<double>)logRows.Select(r => r.ValidationMae[j]).ToArray())).ToArray(),
                    logRows.Select(r => r.TrainLoss).ToArray(), bestEpoch);
                Figure(h, ReportFigures.Save(plot, figures, Slug($"curve_{b.Key.Dataset}_{b.Key.Target}_{model}_{b.Key.Profile}_{g.Embedding}_{g.Setting.Mode}_s{run.Cell.Seed}"),
                    curveTitle, curveCaption, 640, 420));
            }
            if (missing > 0) h.Paragraph($"<span class=\"note\">{missing} training curve(s) not drawn: the run directory's log.csv is not on this machine (stores merged from elsewhere keep the metrics, not the logs).</span>");
        }
    }

    /// <summary>A series' name in a legend: the group's label with a table given as a path shortened to its last folder
    /// (the full path is in the tables), and the back-end when it is neither CGCNN nor encoder transfer's front-end.</summary>
    private static string LegendLabel(Group g)
    {
        string label = ResultTables.Label(g);
        string e = g.Embedding.TrimEnd('/', '\\');
        if (e.IndexOfAny(['/', '\\']) >= 0) label = label.Replace(g.Embedding, "…/" + Path.GetFileName(e));
        return g.Setting.Model is "cgcnn" or BackendCellRunner.EncoderModel ? label : $"{label} [{g.Setting.Model}]";
    }

    /// <summary>perov5-ood: MAE on the test crystals of each held-out element, per table (mean ± std over seeds).</summary>
    private static void OodElements(HtmlPage h, ResultTables t, IReadOnlyDictionary<string, string> notes, string figures)
    {
        var scopes = t.Groups.Select(g => g.Setting.Scope).Where(s => s.Dataset == Profiles.Perov5Ood).Distinct().ToArray();
        if (scopes.Length == 0) return;
        h.Heading(2, "Out-of-distribution errors per held-out element");
        var elementsOf = OodPerov5.TestHeldOutElements(notes.TryGetValue($"data:{Profiles.Perov5Ood}", out var note) ? Parse(note) : null);
        if (elementsOf.Count == 0) { h.Paragraph("The store does not say which held-out elements the test crystals contain (and the derived data file is gone): no figure."); return; }
        var elements = elementsOf.Values.SelectMany(e => e).Distinct().Order(StringComparer.Ordinal).ToArray();
        h.Paragraph("perov5-ood's test crystals grouped by the held-out element(s) they contain (a crystal with two counts under both); MAE per element and table, mean ± std over seeds, from the stored test predictions. " +
            "Variants at single fine-tuning rates are left out (their pick on validation is shown).");
        foreach (var scope in scopes)
        {
            var groups = t.In(scope).Where(g => !g.IsSingleVariant)
                .OrderBy(g => ResultTables.ModelOrder(g.Setting.Model)).ThenBy(g => g.Setting.Mode == GridCell.Frozen ? 0 : 1).ThenBy(g => ResultTables.EmbeddingOrder(g.Embedding)).ToArray();
            var series = new List<(string Label, Stat[] Mae)>();
            var counts = elements.ToDictionary(e => e, e => elementsOf.Count(kv => kv.Value.Contains(e)));
            foreach (var g in groups)
            {
                var perElement = elements.Select(element => Stat.Of(g.Runs.Select(r =>
                {
                    var errors = t.AbsoluteErrors(r);
                    if (errors is null) return double.NaN;
                    var mine = errors.Where(kv => elementsOf.TryGetValue(kv.Key, out var es) && es.Contains(element)).Select(kv => kv.Value).ToArray();
                    return mine.Length == 0 ? double.NaN : mine.Average();
                }))).ToArray();
                if (perElement.All(s => double.IsNaN(s.Mean))) continue;
                series.Add((LegendLabel(g), perElement));
            }
            if (series.Count == 0) continue;
            var lowest = elements.Select((e, i) =>
            {
                var best = series.Where(s => !double.IsNaN(s.Mae[i].Mean)).MinBy(s => s.Mae[i].Mean);
                return best.Label is null ? null : string.Create(CultureInfo.InvariantCulture, $"{e} ({counts[e]} crystals): {best.Label} ({best.Mae[i].Mean:0.0000})");
            }).Where(x => x is not null);
            string caption = $"Lowest mean MAE per held-out element — {string.Join("; ", lowest)}.";
            string title = $"{(scope.Profile.Length > 0 ? scope.Profile + ": " : "")}{Profiles.Perov5Ood}: test MAE per held-out element";
            var fig = ReportFigures.Save(ReportFigures.PerElement(title, $"test MAE ({Unit(scope.Target)})", elements, series),
                figures, Slug($"ood_elements_{scope.Profile}_{scope.Target}"), title, caption, ReportFigures.WideWidth, ReportFigures.WideHeight);
            Figure(h, fig);
        }
    }

    private static void ParityPlots(HtmlPage h, ResultTables t, string figures)
    {
        h.Heading(2, "Parity plots");
        var byData = t.Groups.GroupBy(g => (g.Setting.Profile, g.Setting.Dataset, g.Setting.Target)).ToArray();
        if (byData.Length == 0) { h.Paragraph("No finished run."); return; }
        h.Paragraph("For each data set and target: the best model (lowest mean test MAE at the largest training size run), drawn for its seed whose MAE is closest to the mean over seeds.");
        foreach (var d in byData)
        {
            int largest = d.Max(g => g.Setting.TrainCount);
            var best = d.Where(g => g.Setting.TrainCount == largest && !double.IsNaN(g.Mae.Mean)).MinBy(g => g.Mae.Mean);
            if (best is null) continue;
            var run = best.Runs.Where(r => !double.IsNaN(r.Mae)).MinBy(r => Math.Abs(r.Mae - best.Mae.Mean));
            if (run is null) continue;
            var (truth, predicted) = Predictions(run.PredictionsCsv, d.Key.Target);
            if (truth.Length == 0) continue;
            string title = string.Create(CultureInfo.InvariantCulture,
                $"{d.Key.Dataset} / {d.Key.Target}\n{best.Setting.Model} + {ResultTables.Label(best)}, {best.Setting.TrainCount} training crystals, seed {run.Cell.Seed}: MAE {run.Mae:0.0000}, R² {run.R2:0.000}");
            var fig = ReportFigures.Save(ReportFigures.Parity(title, Unit(d.Key.Target), truth, predicted), figures,
                Slug($"parity_{d.Key.Dataset}_{d.Key.Target}_{d.Key.Profile}"), title.Replace('\n', ' '), null, 640, 600);
            Figure(h, fig);
        }
    }

    /// <summary>True and predicted values of a target from a run's test_predictions.csv (id, T, T_predicted, ...).</summary>
    public static (double[] Truth, double[] Predicted) Predictions(string csv, string target)
    {
        var (_, truth, predicted) = ResultTables.Predictions(csv, target);
        return (truth, predicted);
    }

    private static void Provenance(HtmlPage h, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, string> notes)
    {
        h.Heading(2, "Provenance");
        var uaes = notes.Where(n => n.Key.StartsWith("uae:", StringComparison.Ordinal)).ToArray();
        if (uaes.Length > 0)
        {
            h.Heading(3, "ct-UAEs (step 1)").BeginTable()
                .Row(ThLeft("table"), ThLeft("origin"), ThLeft("location"), ThLeft("pretraining data / targets"), ThLeft("test metrics of the front-end"), ThLeft("table sha256"));
            foreach (var (key, value) in uaes)
            {
                var n = Parse(value);
                var meta = n?["metadata"];
                var pre = meta?["pretrain"];
                string task = pre is null ? "(not recorded)" : $"{pre["data"]}: {string.Join(", ", (pre["targets"] as JsonArray ?? []).Select(x => (string?)x))}; recipe {pre["recipe"]}";
                string test = meta?["test"] is JsonObject tests
                    ? string.Join("; ", tests.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: MAE {Num(kv.Value?["mae"]):0.0000}, R² {Num(kv.Value?["r2"]):0.000}")))
                      + (meta["epochs_run"] is { } ep ? $" ({ep} epochs)" : "")
                    : "(not recorded)";
                h.Row(TdLeft(E(key[4..])), TdLeft(E((string?)n?["origin"])), TdLeft(HtmlPage.Code((string?)n?["location"])), TdLeft(E(task)), TdLeft(E(test)),
                      TdLeft(HtmlPage.Code(((string?)n?["table_sha256"])?[..16])));
            }
            h.EndTable();
        }
        var models = notes.Where(n => n.Key.StartsWith("model:", StringComparison.Ordinal)).ToArray();
        if (models.Length > 0)
        {
            h.Heading(3, "Front-end models of encoder transfer").BeginTable().Row(ThLeft("model"), ThLeft("location"), ThLeft("model sha256"), ThLeft("provenance"));
            foreach (var (key, value) in models)
            {
                var n = Parse(value);
                h.Row(TdLeft(E(key[6..])), TdLeft(HtmlPage.Code((string?)n?["location"])), TdLeft(HtmlPage.Code(((string?)n?["model_sha256"]) is { Length: > 16 } sha ? sha[..16] : "")),
                      TdLeft(n?["provenance"] is null ? "none (treated as not clean)" : "provenance.json (above)"));
            }
            h.EndTable();
        }
        var data = notes.Where(n => n.Key.StartsWith("data:", StringComparison.Ordinal)).ToArray();
        if (data.Length > 0)
        {
            h.Heading(3, "Data").List(data.Select(note =>
            {
                // The per-crystal map of the OOD set is long and used by the figure above; the rest is shown as stored.
                string shown = Parse(note.Value) is JsonObject o && o.Remove(OodPerov5.TestHeldOutKey) ? o.ToJsonString() : note.Value;
                return $"<b>{E(note.Key[5..])}</b>: {HtmlPage.Code(shown)}";
            }), "note");
        }
        if (runs.Count == 0) return;
        var env = Env(runs[0]);
        h.Paragraph($"Versions (first run): ct {E(env("ct_version"))}, TorchSharp {E(env("torch_sharp"))}, libtorch {E(env("lib_torch"))}, {E(env("dot_net"))}, {E(env("os"))}; " +
            $"distinct version sets over all runs: {runs.Select(r => { var e = Env(r); return e("ct_version") + e("torch_sharp") + e("lib_torch") + e("dot_net"); }).Distinct().Count()}. " +
            $"Total wall time of the recorded runs: {runs.Sum(r => r.WallSeconds) / 60:0.0} min.");
        h.BeginFolded($"Every run ({runs.Count})").BeginTable()
            .Row(ThLeft("cell"), ThLeft("config hash"), Th("seed"), Th("train"), Th("test"), Th("epochs (best)"), Th("wall s"), ThLeft("data sha256"), ThLeft("run directory"));
        foreach (var r in runs)
            h.Row(TdLeft(E(r.Cell.Key)), TdLeft(HtmlPage.Code(r.ConfigHash[..12])), Td($"{r.Cell.Seed}"), Td($"{r.TrainCount}"), Td($"{r.TestCount}"),
                  Td($"{r.EpochsRun} ({r.BestEpoch})"), Td(F(r.WallSeconds, "0.0")), TdLeft(HtmlPage.Code(r.DataHash.Length > 12 ? r.DataHash[..12] : r.DataHash)), TdLeft(HtmlPage.Code(r.RunDirectory)));
        h.EndTable().EndSection();
    }

    private static void Failures(HtmlPage h, IReadOnlyList<FailureRecord> failures)
    {
        if (failures.Count == 0) return;
        h.Heading(2, $"Failed cells ({failures.Count})").Paragraph("These cells did not finish; re-running the same command retries them.")
            .List(failures.Select(f => $"{HtmlPage.Code(f.Cell.Key)}: {E(f.Message)}"));
    }

    // ---------------------------------------------------------------------------------------------------------------

    public static string Unit(string target) => target switch
    {
        Profiles.HeatRef => "eV per cell, assumed",
        Profiles.NomadFormation => "eV/atom",
        Profiles.NomadGap => "eV",
        _ => "target units",
    };

    private static Func<string, string> Env(RunRecord r)
    {
        var node = Parse(r.EnvironmentJson);
        return key => node?[key]?.ToString() ?? "";
    }

    private static JsonNode? Parse(string json)
    {
        try { return JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private static double Num(JsonNode? n) => n is JsonValue v && v.TryGetValue(out double d) ? d : double.NaN;

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    private static string Slug(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());

    private static string MeanStd(Stat s, string format = "0.0000") => Fmt.MeanStd(s, format);

    private static string Pct(double v) => Fmt.Pct(v);

    private static string F(double v, string format) => Fmt.F(v, format);

    private static string Q(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "";

    private static string E(string? s) => HtmlPage.Encode(s);

    /// <summary>A saved figure on the page; its caption names the PNG and SVG files written next to the page.</summary>
    private static void Figure(HtmlPage h, FigureFile f) =>
        h.Figure(f.Png, f.Title, $"{E(f.Title)}{(f.Caption is null ? "" : ". " + E(f.Caption))} (figures/{E(f.Name)}.png, .svg)", f.Wide);

    /// <summary>A report table as CSV; <paramref name="header"/> is the comma-separated column names.</summary>
    private static void WriteCsv(string path, string header, IEnumerable<object?[]> rows) => CsvWriter.Write(path, header.Split(','), rows);
}
