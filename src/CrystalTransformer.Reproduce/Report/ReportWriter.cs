using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.IO.Csv;

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
            "dataset,target,model,mode,train_size,epochs_budget,embedding,seeds,mae_mean,mae_std,rmse_mean,rmse_std,r2_mean,r2_std,mae_change_vs_default",
            tables.Groups.Select(g => new object?[]
            {
                g.Setting.Dataset, g.Setting.Target, g.Setting.Model, g.Setting.Mode, g.Setting.TrainCount, g.Setting.Epochs, g.Embedding, g.Mae.N,
                g.Mae.Mean, g.Mae.Std, g.Rmse.Mean, g.Rmse.Std, g.R2.Mean, g.R2.Std, tables.RelativeToReference(g),
            }));
        var comparisons = tables.UaeComparisons();
        WriteCsv(Path.Combine(folder, "comparisons.csv"),
            "dataset,target,model,mode,train_size,epochs_budget,uae,reference,seeds,mae_difference,relative,seeds_better,p_value,verdict,best_baseline,vs_best_difference,vs_best_relative,vs_best_seeds_better,vs_best_p_value,vs_best_verdict",
            comparisons.Select(c => new object?[]
            {
                c.Uae.Setting.Dataset, c.Uae.Setting.Target, c.Uae.Setting.Model, c.Uae.Setting.Mode, c.Uae.Setting.TrainCount, c.Uae.Setting.Epochs,
                c.Uae.Embedding, c.VsDefault?.Reference, c.VsDefault?.N, c.VsDefault?.MeanDifference, c.VsDefault?.Relative, c.VsDefault?.Wins,
                c.VsDefault?.PValue, c.VsDefault?.Verdict, c.Baseline?.Embedding, c.VsBaseline?.MeanDifference, c.VsBaseline?.Relative,
                c.VsBaseline?.Wins, c.VsBaseline?.PValue, c.VsBaseline?.Verdict,
            }));
        WriteCsv(Path.Combine(folder, "provenance.csv"),
            "config_hash,model,embedding,mode,dataset,target,train_size,seed,epochs,best_epoch,seconds,wall_seconds,run_dir,data_sha256,ct_version,torchsharp,libtorch,dotnet,threads,device,finished_utc,store",
            runs.Select(r =>
            {
                var env = Env(r);
                return new object?[]
                {
                    r.ConfigHash, r.Cell.Model, r.Cell.Embedding, r.Cell.Mode, r.Cell.Dataset, r.Cell.Target, r.TrainCount, r.Cell.Seed, r.EpochsRun,
                    r.BestEpoch, r.Seconds, r.WallSeconds, r.RunDirectory, r.DataHash, env("ct_version"), env("torch_sharp"), env("lib_torch"),
                    env("dot_net"), env("threads"), env("device"), r.FinishedUtc, r.Origin,
                };
            }));
        if (failures.Count > 0)
            WriteCsv(Path.Combine(folder, "failures.csv"), "config_hash,cell,message,time_utc",
                failures.Select(f => new object?[] { f.ConfigHash, f.Cell.Key, f.Message, f.TimeUtc }));

        var html = new Html();
        html.Begin("ct reproduce: element tables in graph networks");
        html.Raw("<h1>Element tables in graph networks: ct-UAE against the baselines</h1>\n");
        html.P($"Command: <code>{E(commandLine)}</code>. Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC from <code>{E(Path.GetFileName(store.Path))}</code>: " +
               $"{runs.Count} finished run(s) in {tables.Settings.Count()} setting(s), {failures.Count} failed cell(s).");
        if (runs.Count == 0) html.P("<b>No run has finished yet</b>: there is nothing to compare.");
        Honesty(html, runs, notes);
        Verdicts(html, tables, comparisons);
        var t3 = Table3(html, tables);
        WriteCsv(Path.Combine(folder, "table3.csv"), "dataset,target,model,train_size,epochs_budget,variant,embedding,mode,seeds,mae_mean,mae_std,r2_mean,mae_change_vs_none", t3);
        MetricTables(html, tables);
        LearningCurves(html, tables, figures);
        ParityPlots(html, tables, figures);
        Provenance(html, runs, notes);
        Failures(html, failures);
        html.Raw("<h2>Files</h2><ul class=\"note\"><li><code>results.csv</code>: one row per finished run (model, embedding, mode, dataset, target, train_size, seed, mae, rmse, r2, epochs, seconds; " +
                 "seconds = wall-clock time of the cell, for a resumed cell at least its training-loop time over all sessions).</li>" +
                 "<li><code>summary.csv</code>: mean and standard deviation over seeds per setting and table, with the change of MAE against the default table.</li>" +
                 "<li><code>comparisons.csv</code>: the paired comparisons of every ct-UAE; <code>table3.csv</code>: the Table 3 analogue; <code>provenance.csv</code>: run directory, configuration hash, data hash, versions and timings of every run" +
                 (failures.Count > 0 ? "; <code>failures.csv</code>" : "") + ".</li><li><code>figures/</code>: every figure as PNG and SVG.</li></ul>\n");
        html.End();
        string index = Path.Combine(folder, "index.html");
        TextFiles.WriteAllTextAtomic(index, html.ToString());
        return index;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void Honesty(Html h, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, string> notes)
    {
        h.Raw("<h2>What these data are, and what they are not</h2><ul>");
        h.Raw("<li><b>Not available here:</b> the paper's Materials Project 2018.6.1 and 2023 sets, JARVIS-DFT, MC3D and the 2,103 hybrid perovskites, and the authors' pretrained checkpoints. " +
              "No number below is on those data; the paper's numbers appear only as quotes, labelled as such.</li>");
        h.Raw("<li><b>What stands in:</b> perov5 (a subset of the Castelli cubic perovskites: 5-atom cells, heat of formation <code>heat_ref</code>) and NOMAD-2018 " +
              "((Al,Ga,In)<sub>2</sub>O<sub>3</sub>, formation energy in eV/atom and band gap in eV) for the back-ends; the ct-UAEs are pretrained on perov5 (single- and multi-task) and on " +
              "84,295 Materials Project compositions (formation energy and band gap; compositions only, no structures — a composition-mode front-end).</li>");
        h.Raw("<li><b>Units:</b> the perov5 heats are taken as eV per 5-atom cell (the data's own description leaves per atom or per cell open; Matbench describes them per cell). " +
              "MAE and RMSE of <code>heat_ref</code> are in that unit; divide by 5 for eV/atom under this assumption.</li>");
        foreach (var (dataset, label) in new[] { (Profiles.Nomad, "NOMAD-2018"), (Profiles.Perov5, "perov5") })
            foreach (var split in SplitDescriptions(runs, dataset))
                h.Raw($"<li><b>{label} split</b> (as recorded in the runs' config.json): {E(split)}; smaller training sizes are seeded subsets of the training part, the validation and test parts stay whole.</li>");
        if (notes.TryGetValue($"data:{Profiles.Perov5Ood}", out var ood) && Parse(ood) is { } o)
            h.Raw($"<li><b>Out-of-distribution test</b> (<code>{Profiles.Perov5Ood}</code>): B-site elements {E(string.Join(", ", ((JsonArray)o["held_out"]!).Select(x => (string)x!)))} " +
                  $"(drawn with seed {o["seed"]}) are held out from back-end training: every crystal containing one of them is removed from the training ({o["train"]} left) and validation ({o["validation"]} left) parts; " +
                  $"the {o["test"]} such crystals of the original test part form the test set ({o["dropped"]} crystals dropped: those with held-out elements from the original training and validation parts, " +
                  "because the perov5 ct-UAEs were pretrained on those labels, and the in-distribution test crystals). The B site is the second element of the source's formula (A B anions).</li>");
        var budgets = runs.GroupBy(r => (r.Cell.Model, r.Configuration.Epochs)).Select(g => $"{g.Key.Model} {g.Key.Epochs} epochs").Distinct();
        h.Raw($"<li><b>Budget:</b> {E(string.Join(", ", budgets))} (the best epoch by validation MAE is tested). The paper trains far longer on GPUs; short budgets compare tables at equal effort, not at convergence.</li>");
        h.Raw("<li><b>Seeds:</b> each seed changes the initialisation, the batch order and, for subsets, which training crystals are used; every table sees the same crystals for the same seed, so tables are compared seed by seed (paired).</li>");
        h.Raw("</ul>\n");
    }

    private static void Verdicts(Html h, ResultTables t, IReadOnlyList<(Group Uae, Paired? VsDefault, Group? Baseline, Paired? VsBaseline)> comparisons)
    {
        h.Raw("<h2>Does ct-UAE help?</h2>");
        if (comparisons.Count == 0) { h.P("No ct-UAE run has finished."); return; }
        h.P("Each ct-UAE is compared seed by seed with the back-end's default table (\"None\": cgcnn92 for CGCNN and ALIGNN, megnet16 for MEGNet, frozen) and with the best baseline table of the same setting " +
            "(lowest mean MAE among the non-ct-UAE tables, frozen or fine-tuned; picking the best after the fact favours the baseline). Verdict: paired t-test on the test-MAE differences, two-sided, p &lt; 0.05; " +
            "with 3 seeds only large, consistent differences reach it.");
        h.Raw("<ul>");
        foreach (var byUae in comparisons.GroupBy(c => c.Uae.Embedding))
        {
            var vsDefault = byUae.Where(c => c.VsDefault is not null).Select(c => c.VsDefault!).ToList();
            var vsBest = byUae.Where(c => c.VsBaseline is not null).Select(c => c.VsBaseline!).ToList();
            h.Raw($"<li><b>{E(byUae.Key)}</b> against the default table: {Count(vsDefault)}; against the best baseline: {Count(vsBest)}.");
            double medianRel = Median(vsDefault.Select(p => p.Relative));
            if (!double.IsNaN(medianRel)) h.Raw($" Median change of MAE against the default: {Pct(medianRel)}.");
            h.Raw("</li>");
        }
        h.Raw("</ul>");
        h.Raw("<table><tr><th class=\"l\">data set</th><th class=\"l\">target</th><th class=\"l\">back-end</th><th>train</th><th class=\"l\">ct-UAE (mode)</th><th>MAE</th>" +
              "<th>vs None</th><th>better seeds</th><th>p</th><th class=\"l\">verdict</th><th class=\"l\">best baseline</th><th>vs best</th><th>better seeds</th><th>p</th><th class=\"l\">verdict</th></tr>\n");
        foreach (var (g, d, best, b) in comparisons)
        {
            var s = g.Setting;
            h.Raw($"<tr><td class=\"l\">{E(s.Dataset)}</td><td class=\"l\">{E(s.Target)}</td><td class=\"l\">{E(s.Model)}</td><td>{E(s.SizeText)}</td><td class=\"l\">{E(g.Embedding)} ({E(s.Mode)})</td>" +
                  $"<td>{MeanStd(g.Mae)}</td>{PairCells(d)}<td class=\"l\">{E(best is null ? "" : ResultTables.Label(best))}</td>{PairCells(b)}</tr>\n");
        }
        h.Raw("</table>\n");
    }

    /// <summary>The split each run of a data set recorded, without the per-run subset note ("...; training subset of N ...").</summary>
    private static IEnumerable<string> SplitDescriptions(IReadOnlyList<RunRecord> runs, string dataset) =>
        runs.Where(r => r.Cell.Dataset == dataset).Select(r => (string?)Parse(r.ConfigJson)?["data"]?["split"])
            .Where(s => s is not null).Select(s => s!.Split("; training subset")[0]).Distinct();

    private static string Count(IReadOnlyList<Paired> list)
    {
        if (list.Count == 0) return "no comparable runs";
        int helps = list.Count(p => p.Verdict == "helps"), hurts = list.Count(p => p.Verdict == "hurts");
        int untested = list.Count(p => p.N < 2), lower = list.Count(p => p.MeanDifference < 0);
        return $"significantly better in {helps} of {list.Count} setting(s), significantly worse in {hurts}, no significant difference in {list.Count - helps - hurts - untested}" +
               (untested > 0 ? $", fewer than 2 paired seeds (not tested) in {untested}" : "") + $" (lower mean MAE in {lower} of {list.Count})";
    }

    private static string PairCells(Paired? p) => p is null ? "<td></td><td></td><td></td><td></td>"
        : $"<td>{Pct(p.Relative)}</td><td>{p.Wins}/{p.N}</td><td>{F(p.PValue, "0.000")}</td><td class=\"l\">{VerdictHtml(p.Verdict)}</td>";

    private static string VerdictHtml(string verdict) => verdict switch
    {
        "helps" => "<span class=\"good\">helps</span>",
        "hurts" => "<span class=\"bad\">hurts</span>",
        _ => E(verdict),
    };

    /// <summary>The paper's Table 3 on our data: None, CT (fine-tuned) and CTfreeze (frozen) per ct-UAE, at the largest
    /// training size of each data set; the paper's quoted values beside it.</summary>
    private static List<object?[]> Table3(Html h, ResultTables t)
    {
        var rows = new List<object?[]>();
        h.Raw("<h2>The paper's Table 3, on our data</h2>");
        var tops = t.Settings.GroupBy(s => (s.Epochs, s.Dataset, s.Target, s.Model))
            .Select(g => g.Where(s => s.TrainCount == g.Max(x => x.TrainCount)).ToArray()).ToArray();
        h.P("\"None\" is the back-end's default table, frozen, as published; \"CT\" is a ct-UAE used as the initial table and fine-tuned at a low learning rate; \"CTfreeze\" the same table frozen. " +
            "Our numbers are on the largest training size run for each data set (below); they are not comparable in absolute terms with the paper's, which are on a different data set.");
        h.Raw("<div class=\"side\"><div><h3>Ours</h3><table><tr><th class=\"l\">data set / target</th><th class=\"l\">back-end</th><th>train</th><th class=\"l\">variant</th><th class=\"l\">table</th><th>MAE</th><th>R²</th><th>vs None</th></tr>\n");
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
                h.Raw($"<tr><td class=\"l\">{E(any.Dataset)} / {E(any.Target)}</td><td class=\"l\">{E(any.Model)}</td><td>{E(g.Setting.SizeText)}</td><td class=\"l\">{variant}</td>" +
                      $"<td class=\"l\">{E(g.Embedding)}</td><td>{MeanStd(g.Mae)}</td><td>{F(g.R2.Mean, "0.000")}</td><td>{Pct(rel)}</td></tr>\n");
                rows.Add([any.Dataset, any.Target, any.Model, g.Setting.TrainCount, any.Epochs, variant, g.Embedding, g.Setting.Mode, g.Mae.N, g.Mae.Mean, g.Mae.Std, g.R2.Mean, rel]);
            }
        }
        h.Raw("</table></div>\n<div><h3>Quoted from the paper (different data)</h3>");
        h.Raw($"<p class=\"note\">{E(PaperReference.Citation)}; {E(PaperReference.Data)}. Reference values, not computed here.</p>");
        h.Raw("<table class=\"quote\"><tr><th class=\"l\">variant</th><th class=\"l\">meaning</th><th>E<sub>f</sub> MAE (eV/atom)</th><th>E<sub>f</sub> R²</th><th>E<sub>g</sub> MAE (eV)</th></tr>\n");
        foreach (var r in PaperReference.Table3)
            h.Raw($"<tr><td class=\"l\">{E(r.Variant)}</td><td class=\"l\">{E(r.Meaning)}</td><td>{Q(r.FormationMae)}</td><td>{Q(r.FormationR2)}</td><td>{Q(r.GapMae)}</td></tr>\n");
        h.Raw("</table><p class=\"note\">Headline claims of the paper: " + E(string.Join("; ", PaperReference.Claims)) + ".</p></div></div>\n");
        return rows;
    }

    private static void MetricTables(Html h, ResultTables t)
    {
        h.Raw("<h2>Test errors per setting</h2>");
        h.P("Mean ± standard deviation over seeds (number of seeds in brackets when fewer than all); the best table of each row in bold; below each MAE its change against the default table (\"None\", frozen) of the same row's size. Lower MAE/RMSE and higher R² are better.");
        foreach (var block in t.Settings.GroupBy(s => (s.Epochs, s.Dataset, s.Target, s.Model)))
        {
            var settings = block.OrderBy(s => s.TrainCount).ThenBy(s => s.Mode, StringComparer.Ordinal).ToArray();
            var embeddings = settings.SelectMany(t.In).Select(g => g.Embedding).Distinct().OrderBy(ResultTables.EmbeddingOrder).ToArray();
            string title = $"{block.Key.Dataset} / {block.Key.Target} — {block.Key.Model} ({block.Key.Epochs} epochs)";
            foreach (var (metric, label, lowerIsBetter) in new[] { ("mae", "MAE", true), ("rmse", "RMSE", true), ("r2", "R²", false) })
            {
                if (metric != "mae") h.Raw($"<details><summary>{E(label)}: {E(title)}</summary>");
                else h.Raw($"<h3>{E(title)}: MAE ({E(Unit(block.Key.Target))})</h3>");
                h.Raw("<table><tr><th>train</th><th class=\"l\">mode</th>" + string.Concat(embeddings.Select(e => $"<th>{E(e)}</th>")) + "</tr>\n");
                foreach (var s in settings)
                {
                    var groups = t.In(s).ToDictionary(g => g.Embedding);
                    Stat Pick(Group g) => metric switch { "mae" => g.Mae, "rmse" => g.Rmse, _ => g.R2 };
                    var valid = groups.Values.Where(g => !double.IsNaN(Pick(g).Mean)).ToArray();
                    double best = valid.Length == 0 ? double.NaN : lowerIsBetter ? valid.Min(g => Pick(g).Mean) : valid.Max(g => Pick(g).Mean);
                    h.Raw($"<tr><td>{E(s.SizeText)}</td><td class=\"l\">{E(s.Mode)}</td>");
                    foreach (var e in embeddings)
                    {
                        if (!groups.TryGetValue(e, out var g)) { h.Raw("<td></td>"); continue; }
                        var st = Pick(g);
                        string text = MeanStd(st, metric == "r2" ? "0.000" : "0.0000") + (st.N < block.Max(x => t.In(x).Max(y => y.Mae.N)) ? $" <span class=\"note\">({st.N})</span>" : "");
                        if (st.Mean == best) text = $"<b>{text}</b>";
                        if (metric == "mae") text += $"<br><span class=\"note\">{Pct(t.RelativeToReference(g))}</span>";
                        h.Raw($"<td>{text}</td>");
                    }
                    h.Raw("</tr>\n");
                }
                h.Raw("</table>");
                if (metric != "mae") h.Raw("</details>");
                h.Raw("\n");
            }
        }
    }

    private static void LearningCurves(Html h, ResultTables t, string figures)
    {
        var blocks = t.Settings.GroupBy(s => (s.Epochs, s.Dataset, s.Target, s.Model, s.Mode))
            .Where(b => b.Select(s => s.TrainCount).Distinct().Count() >= 2).ToArray();
        h.Raw("<h2>Learning curves</h2>");
        if (blocks.Length == 0) { h.P("No setting has been run at two or more training sizes yet."); return; }
        h.P("Test MAE against the number of training crystals, both axes logarithmic; error bars ±1 standard deviation over seeds; one line per table.");
        foreach (var b in blocks)
        {
            var sizes = b.OrderBy(s => s.TrainCount).ToArray();
            var series = sizes.SelectMany(t.In).Select(g => g.Embedding).Distinct().OrderBy(ResultTables.EmbeddingOrder)
                .Select(e =>
                {
                    var points = sizes.Select(s => t.In(s).FirstOrDefault(g => g.Embedding == e)).Where(g => g is not null).ToArray();
                    return (e, points.Select(g => (double)g!.Setting.TrainCount).ToArray(), points.Select(g => g!.Mae).ToArray());
                }).ToArray();
            string title = $"{b.Key.Dataset} / {b.Key.Target}: {b.Key.Model}, {b.Key.Mode} ({b.Key.Epochs} epochs)";
            var fig = ReportFigures.Save(ReportFigures.LearningCurves(title, $"test MAE ({Unit(b.Key.Target)})", series), figures,
                Slug($"learning_{b.Key.Dataset}_{b.Key.Target}_{b.Key.Model}_{b.Key.Mode}_e{b.Key.Epochs}"), title);
            h.Figure(fig);
        }
    }

    private static void ParityPlots(Html h, ResultTables t, string figures)
    {
        h.Raw("<h2>Parity plots</h2>");
        var byData = t.Groups.GroupBy(g => (g.Setting.Epochs, g.Setting.Dataset, g.Setting.Target)).ToArray();
        if (byData.Length == 0) { h.P("No finished run."); return; }
        h.P("For each data set and target: the best model (lowest mean test MAE at the largest training size run), drawn for its seed whose MAE is closest to the mean over seeds.");
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
                $"{d.Key.Dataset} / {d.Key.Target}\n{best.Setting.Model} + {best.Embedding} ({best.Setting.Mode}), {best.Setting.TrainCount} training crystals, seed {run.Cell.Seed}: MAE {run.Mae:0.0000}, R² {run.R2:0.000}");
            var fig = ReportFigures.Save(ReportFigures.Parity(title, Unit(d.Key.Target), truth, predicted), figures,
                Slug($"parity_{d.Key.Dataset}_{d.Key.Target}_e{d.Key.Epochs}"), title.Replace('\n', ' '), 640, 600);
            h.Figure(fig);
        }
    }

    /// <summary>True and predicted values of a target from a run's test_predictions.csv (id, T, T_predicted, ...).</summary>
    public static (double[] Truth, double[] Predicted) Predictions(string csv, string target)
    {
        var table = CsvTable.Read(new StringReader(csv), "test_predictions.csv");
        int t = table.Column(target), p = table.Column(target + "_predicted");
        var pairs = table.Rows.Select(r => (Parse(r.Fields[t]), Parse(r.Fields[p]))).Where(x => !double.IsNaN(x.Item1) && !double.IsNaN(x.Item2)).ToArray();
        return (pairs.Select(x => x.Item1).ToArray(), pairs.Select(x => x.Item2).ToArray());
        static double Parse(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
    }

    private static void Provenance(Html h, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, string> notes)
    {
        h.Raw("<h2>Provenance</h2>");
        var uaes = notes.Where(n => n.Key.StartsWith("uae:", StringComparison.Ordinal)).ToArray();
        if (uaes.Length > 0)
        {
            h.Raw("<h3>ct-UAEs (step 1)</h3><table><tr><th class=\"l\">table</th><th class=\"l\">origin</th><th class=\"l\">location</th><th class=\"l\">pretraining data / targets</th><th class=\"l\">test metrics of the front-end</th><th class=\"l\">table sha256</th></tr>\n");
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
                h.Raw($"<tr><td class=\"l\">{E(key[4..])}</td><td class=\"l\">{E((string?)n?["origin"])}</td><td class=\"l\"><code>{E((string?)n?["location"])}</code></td><td class=\"l\">{E(task)}</td><td class=\"l\">{E(test)}</td><td class=\"l\"><code>{E(((string?)n?["table_sha256"])?[..16])}</code></td></tr>\n");
            }
            h.Raw("</table>\n");
        }
        var data = notes.Where(n => n.Key.StartsWith("data:", StringComparison.Ordinal)).ToArray();
        if (data.Length > 0)
        {
            h.Raw("<h3>Data</h3><ul class=\"note\">");
            foreach (var (key, value) in data) h.Raw($"<li><b>{E(key[5..])}</b>: <code>{E(value)}</code></li>");
            h.Raw("</ul>\n");
        }
        if (runs.Count == 0) return;
        var env = Env(runs[0]);
        h.P($"Versions (first run): ct {E(env("ct_version"))}, TorchSharp {E(env("torch_sharp"))}, libtorch {E(env("lib_torch"))}, {E(env("dot_net"))}, {E(env("os"))}; " +
            $"distinct version sets over all runs: {runs.Select(r => { var e = Env(r); return e("ct_version") + e("torch_sharp") + e("lib_torch") + e("dot_net"); }).Distinct().Count()}. " +
            $"Total wall time of the recorded runs: {runs.Sum(r => r.WallSeconds) / 60:0.0} min.");
        h.Raw($"<details><summary>Every run ({runs.Count})</summary><table><tr><th class=\"l\">cell</th><th class=\"l\">config hash</th><th>seed</th><th>train</th><th>test</th><th>epochs (best)</th><th>wall s</th><th class=\"l\">data sha256</th><th class=\"l\">run directory</th></tr>\n");
        foreach (var r in runs)
            h.Raw($"<tr><td class=\"l\">{E(r.Cell.Key)}</td><td class=\"l\"><code>{E(r.ConfigHash[..12])}</code></td><td>{r.Cell.Seed}</td><td>{r.TrainCount}</td><td>{r.TestCount}</td>" +
                  $"<td>{r.EpochsRun} ({r.BestEpoch})</td><td>{F(r.WallSeconds, "0.0")}</td><td class=\"l\"><code>{E(r.DataHash.Length > 12 ? r.DataHash[..12] : r.DataHash)}</code></td><td class=\"l\"><code>{E(r.RunDirectory)}</code></td></tr>\n");
        h.Raw("</table></details>\n");
    }

    private static void Failures(Html h, IReadOnlyList<FailureRecord> failures)
    {
        if (failures.Count == 0) return;
        h.Raw($"<h2>Failed cells ({failures.Count})</h2><p>These cells did not finish; re-running the same command retries them.</p><ul>");
        foreach (var f in failures) h.Raw($"<li><code>{E(f.Cell.Key)}</code>: {E(f.Message)}</li>");
        h.Raw("</ul>\n");
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

    private static string MeanStd(Stat s, string format = "0.0000") =>
        double.IsNaN(s.Mean) ? "–" : double.IsNaN(s.Std) ? F(s.Mean, format) : $"{F(s.Mean, format)} ± {F(s.Std, format)}";

    private static string Pct(double v) => double.IsNaN(v) ? "" : (v * 100).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture) + " %";

    private static string F(double v, string format) => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    private static string Q(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "";

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static void WriteCsv(string path, string header, IEnumerable<object?[]> rows) =>
        TextFiles.WriteAtomic(path, w =>
        {
            w.Write(header + "\n");
            foreach (var row in rows) w.Write(string.Join(",", row.Select(Cell)) + "\n");
        });

    private static string Cell(object? v) => v switch
    {
        null => "",
        double d => double.IsNaN(d) ? "" : d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => CsvRowReader.Escape(v.ToString() ?? ""),
    };

    /// <summary>A page under construction; figures are inlined as base64 PNG so the file opens offline on its own.</summary>
    private sealed class Html
    {
        private readonly StringBuilder _b = new();

        public void Begin(string title) => _b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1300px;color:#222;line-height:1.45;padding:0 1em}")
            .Append("table{border-collapse:collapse;margin:0.6em 0;font-size:0.85em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}")
            .Append("th{background:#f1f1f1}td.l,th.l{text-align:left}table.quote{background:#fbf8ef}img{max-width:100%;border:1px solid #eee}")
            .Append("figure{display:inline-block;margin:6px;vertical-align:top;max-width:48%}figcaption{font-size:0.85em;color:#555}")
            .Append("code{background:#f4f4f4;padding:1px 4px;font-size:0.9em}details{margin:0.5em 0}summary{cursor:pointer;font-weight:bold}")
            .Append(".note{color:#666;font-size:0.88em}.good{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}")
            .Append(".side{display:flex;gap:2em;flex-wrap:wrap}.side>div{flex:1 1 480px}</style></head><body>\n");

        public void Raw(string html) => _b.Append(html);

        public void P(string html) => _b.Append("<p>").Append(html).Append("</p>\n");

        public void Figure(FigureFile f) => _b.Append($"<figure><img alt=\"{E(f.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png)}\">")
            .Append($"<figcaption>{E(f.Title)} (figures/{E(f.Name)}.png, .svg)</figcaption></figure>\n");

        public void End() => _b.Append("</body></html>\n");

        public override string ToString() => _b.ToString();
    }
}
