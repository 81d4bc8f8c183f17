using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.Reliability;

namespace CrystalTransformer.Bench;

/// <summary>
/// The long fuzzing campaign: <c>fuzz [--cases N] [--seed S] [--first K] [--timeout SECONDS]</c> (default 100,000 cases).
/// Prints the figures of the README's "Reliability" section; exits 1 when anything crashed or hung.
/// </summary>
public sealed class FuzzBenchmark : IBenchmark
{
    public string Name => "fuzz";
    public string Description => "seeded mutation fuzzing of readers, the predict path, model, table and checkpoint files (--cases, default 100000)";

    public int Run(string[] args)
    {
        int cases = 100_000, seed = 20251126, first = 0;
        double timeout = 60;
        for (int k = 0; k < args.Length; k++)
            switch (args[k])
            {
                case "--cases": cases = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--first": first = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = double.Parse(args[++k], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[k]}"); return 2;
            }
        string fixtures = Path.Combine(PythonReference.RepositoryRoot ?? ".", "tests", "CrystalTransformer.Tests", "Fixtures", "Uae");
        using var campaign = new FuzzCampaign(new FuzzOptions
        {
            Cases = cases, Seed = seed, First = first, Timeout = TimeSpan.FromSeconds(timeout),
            Checkpoints = Directory.Exists(fixtures) ? Directory.GetFiles(fixtures, "*.pth.tar").Order(StringComparer.Ordinal).ToArray() : [],
            ProgressEvery = 5000, Progress = Console.WriteLine,
        });
        var report = campaign.Run();
        Console.WriteLine(report.Summary());
        foreach (var r in report.SampleReasons.Take(10)) Console.WriteLine("  e.g. " + r);
        return report.Failures.Count == 0 ? 0 : 1;
    }
}

/// <summary>
/// The long kill -9 campaign: <c>kill [--runs N] [--seed S]</c>. Each interrupted run of ct train, ct pretrain,
/// ct reproduce or ct predict --out is killed at 1–3 randomly chosen points (every named point of the program, with a
/// random count) and continued after each kill; the end must equal the uninterrupted run bit for bit.
/// </summary>
public sealed class KillBenchmark : IBenchmark
{
    public string Name => "kill";
    public string Description => "kill -9 at random points of train, pretrain, reproduce and predict --out, resumed and compared with uninterrupted runs (--runs, default 40)";

    private static readonly string[] Tiny = ["--set", "atom_features=8", "--set", "convolutions=1", "--set", "hidden_features=8", "--set", "max_neighbors=6"];

    public int Run(string[] args)
    {
        int runs = 40, seed = 7;
        for (int k = 0; k < args.Length; k++)
            switch (args[k])
            {
                case "--runs": runs = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++k], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[k]}"); return 2;
            }
        string dir = Directory.CreateTempSubdirectory("ct-kill-").FullName;
        var clock = Stopwatch.StartNew();
        string data = KillCampaign.SmallData(dir);
        string predictInput = Path.Combine(dir, "predict", "in.extxyz");
        Directory.CreateDirectory(Path.GetDirectoryName(predictInput)!);
        File.Copy(data, predictInput);
        var scenarios = new Func<string, KillScenario>[]
        {
            run => new("train",
                ["train", "--model", "cgcnn", "--data", data, "--targets", "heat_ref", "--embedding", "cgcnn92", "--epochs", "6", "--batch-size", "8", .. Tiny,
                 "--threads", "1", "--device", "cpu", "--quiet", "--out", run],
                ["train", "--resume", run, "--quiet"], run),
            run => new("pretrain",
                ["pretrain", "--data", data, "--targets", "heat_ref", "--epochs", "4", "--batch-size", "8", "--layers", "1", "--heads", "2", "--ff", "16",
                 "--threads", "1", "--device", "cpu", "--quiet", "--out", run],
                ["pretrain", "--resume", run, "--quiet"], run),
            run =>
            {
                string[] a = ["reproduce", "--quick", "--only", "dataset=perov5 seed=0 mode=frozen embedding=onehot,cgcnn92", "--max-epochs", "2",
                    "--threads", "1", "--quiet", "--out", run];
                return new("reproduce", a, a, run);
            },
            run =>
            {
                string[] a = ["predict", "--model", "cgcnn-perov5", predictInput, "--threads", "1", "--quiet", "--out", Path.Combine(run, "p.csv")];
                return new("predict", a, a, Path.Combine(run, "p.csv"));
            },
        };
        // Points each command reaches, and how often at most (a count beyond lets the run finish).
        var points = new Dictionary<string, (string Point, int Max)[]>
        {
            ["train"] = [("atomic-write", 30), ("checkpoint-saved", 6), ("epoch-written", 6)],
            ["pretrain"] = [("atomic-write", 20), ("checkpoint-saved", 4), ("epoch-written", 4)],
            ["reproduce"] = [("atomic-write", 20), ("checkpoint-saved", 4), ("epoch-written", 4), ("cell-recorded", 2)],
            ["predict"] = [("atomic-write", 1)],
        };
        var references = new Dictionary<string, Dictionary<string, string>>();
        foreach (var make in scenarios)
        {
            var s = make(Path.Combine(dir, "reference-" + make("x").Name));
            if (s.Name == "predict") Directory.CreateDirectory(Path.GetDirectoryName(s.Output)!);
            var (code, text) = KillCampaign.Ct(s.Start, null);
            if (code != 0) { Console.Error.WriteLine($"uninterrupted {s.Name} failed: {text}"); return 1; }
            references[s.Name] = KillCampaign.Fingerprint(s.Output);
        }
        var rng = new Random(seed);
        var results = new List<KillResult>();
        for (int i = 0; i < runs; i++)
        {
            var make = scenarios[i % scenarios.Length];
            var s = make(Path.Combine(dir, $"run{i}"));
            if (s.Name == "predict") Directory.CreateDirectory(Path.GetDirectoryName(s.Output)!);
            var kills = Enumerable.Range(0, s.Name == "predict" ? 1 : rng.Next(1, 4)).Select(_ =>
            {
                var (point, max) = points[s.Name][rng.Next(points[s.Name].Length)];
                return $"{point}:{rng.Next(1, max + 1)}";
            }).ToArray();
            var r = KillCampaign.Run(s, kills, references[s.Name]);
            results.Add(r);
            Console.WriteLine($"{i + 1}/{runs} {r.Scenario} killed at {string.Join(" ", r.KillPoints)}: {r.Kills} kill(s), {(r.Identical ? "identical" : "DIFFERENT: " + r.Difference)}");
            if (r.Identical) try { Directory.Delete(Path.GetDirectoryName(s.Output) == dir ? s.Output : Path.Combine(dir, $"run{i}"), recursive: true); } catch (IOException) { }
        }
        Console.WriteLine(KillCampaign.Summary(results));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMinutes:0.0} min; folders of runs that differ are kept in {dir}"));
        if (results.All(r => r.Identical)) try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return results.All(r => r.Identical) ? 0 : 1;
    }
}
