using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Training;

namespace CrystalTransformer.Reliability;

/// <summary>A command of the ct program that writes into one output (a run folder, a reproduce folder or a CSV file).</summary>
/// <param name="Name">train, pretrain, reproduce or predict.</param>
/// <param name="Start">Arguments of the first invocation (they write into <paramref name="Output"/>).</param>
/// <param name="Resume">Arguments that continue after a kill (a plain --resume, or the same command again).</param>
public sealed record KillScenario(string Name, string[] Start, string[] Resume, string Output);

/// <summary>One interrupted run: where it was killed, and whether it ended identical to the uninterrupted one.</summary>
public sealed record KillResult(string Scenario, string[] KillPoints, int Kills, bool Identical, string? Difference);

/// <summary>
/// kill -9 campaigns: a command is run uninterrupted once, then again killed (SIGKILL, through
/// <see cref="FaultInjection"/>) at a sequence of points and continued after each kill; the continued result must equal
/// the uninterrupted one bit for bit (every file's content except wall-clock times), no output file may be half-written
/// after any kill, and no temporary file may be left at the end.
/// </summary>
public static class KillCampaign
{
    /// <summary>
    /// Runs <c>ct</c> (the ct.dll beside this assembly) with <paramref name="killAt"/> as CT_KILL_AT (null: none) and the
    /// variables of <paramref name="environment"/> set (a null value removes one).
    /// </summary>
    public static (int Code, string Output) Ct(IEnumerable<string> args, string? killAt, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ct.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove(FaultInjection.Variable);
        if (killAt is not null) psi.Environment[FaultInjection.Variable] = killAt;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + err);
    }

    /// <summary>True when an exit code is that of a process killed by SIGKILL.</summary>
    public static bool Killed(int code) => code == 137 || code == -9;

    /// <summary>
    /// Runs <paramref name="scenario"/> killed at each of <paramref name="killPoints"/> in turn (a point that the run no
    /// longer reaches lets it finish), then resumed without a kill; compares with <paramref name="reference"/>.
    /// </summary>
    public static KillResult Run(KillScenario scenario, IReadOnlyList<string> killPoints, IReadOnlyDictionary<string, string> reference)
    {
        int kills = 0;
        bool started = false;
        foreach (var point in killPoints)
        {
            var (code, output) = Ct(Continuation(scenario, started), point);
            started = true;
            if (code == 0) break; // finished before reaching the point
            if (!Killed(code)) return new KillResult(scenario.Name, [.. killPoints], kills, false, $"exit code {code} at {point}: {Last(output)}");
            kills++;
            if (HalfWritten(scenario.Output) is { } bad) return new KillResult(scenario.Name, [.. killPoints], kills, false, $"after the kill at {point}: {bad}");
        }
        var (last, text) = Ct(Continuation(scenario, started), null);
        if (last != 0) return new KillResult(scenario.Name, [.. killPoints], kills, false, $"the final run exited with {last}: {Last(text)}");
        var leftovers = Temporary(scenario.Output).ToArray();
        if (leftovers.Length > 0) return new KillResult(scenario.Name, [.. killPoints], kills, false, $"temporary files left: {string.Join(", ", leftovers)}");
        string? diff = Difference(reference, Fingerprint(scenario.Output));
        return new KillResult(scenario.Name, [.. killPoints], kills, diff is null, diff);
    }

    /// <summary>
    /// The command that continues: the resume command once the run exists; a run killed before it wrote its settings
    /// (config.json) has nothing to resume, and is started again with its original command, as the resume error says.
    /// </summary>
    private static string[] Continuation(KillScenario scenario, bool started) =>
        started && !(scenario.Resume.Contains("--resume") && !File.Exists(Path.Combine(scenario.Output, "config.json"))) ? scenario.Resume : scenario.Start;

    private static string Last(string output) => output.Trim().Split('\n').LastOrDefault() ?? "";

    /// <summary>The temporary files of atomic writes under an output (file or folder).</summary>
    public static IEnumerable<string> Temporary(string output)
    {
        string folder = Directory.Exists(output) ? output : Path.GetDirectoryName(Path.GetFullPath(output))!;
        return Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f));
    }

    /// <summary>The first output file that is not whole: JSON that does not parse, a model file whose entries fail their CRC, a CSV with a ragged row.</summary>
    public static string? HalfWritten(string output)
    {
        var files = Directory.Exists(output) ? Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories) : File.Exists(output) ? [output] : [];
        foreach (var f in files.Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            try
            {
                switch (Path.GetExtension(f))
                {
                    case ".json": JsonNode.Parse(File.ReadAllText(f)); break;
                    case ".ct": _ = ModelFile.ReadInfo(f); _ = ModelFile.ReadEntry(f, "weights.bin"); break;
                    case ".csv":
                        var lines = File.ReadAllLines(f);
                        if (lines.Length == 0) return $"{f}: empty";
                        if (!File.ReadAllText(f).EndsWith('\n')) return $"{f}: last line unfinished";
                        break;
                }
            }
            catch (Exception e) { return $"{f}: {e.Message.ReplaceLineEndings(" ")}"; }
        }
        return null;
    }

    /// <summary>
    /// What an output must repeat: every file's content by relative path, with wall-clock figures removed (the seconds
    /// column of log.csv, "seconds" and time fields of JSON files, store times) and model files by their weights.
    /// </summary>
    public static Dictionary<string, string> Fingerprint(string output)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(output))
        {
            result[Path.GetFileName(output)] = File.ReadAllText(output);
            return result;
        }
        foreach (var f in Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = Path.GetRelativePath(output, f), name = Path.GetFileName(f);
            if (name.StartsWith('.') || name.EndsWith(CellClaim.Extension, StringComparison.Ordinal)) continue;
            if (rel.StartsWith("report", StringComparison.Ordinal) || rel.StartsWith("cache", StringComparison.Ordinal) || rel.StartsWith("workers", StringComparison.Ordinal)) continue;
            switch (Path.GetExtension(f))
            {
                case ".ct":
                    result[rel] = Convert.ToHexString(SHA256.HashData(ModelFile.ReadEntry(f, "weights.bin") ?? []));
                    break;
                case ".csv" when name == Trainer.LogFile:
                    result[rel] = string.Join("\n", File.ReadAllLines(f).Select(l => l[..Math.Max(0, l.LastIndexOf(','))]));
                    break;
                case ".json":
                    // The output's own path (recorded in run descriptions) is not part of the result.
                    var node = JsonNode.Parse(File.ReadAllText(f).Replace(JsonPath(Path.GetFullPath(output)), "<out>", StringComparison.Ordinal)
                        .Replace(JsonPath(output), "<out>", StringComparison.Ordinal));
                    Strip(node);
                    result[rel] = node?.ToJsonString() ?? "";
                    break;
                case ".db":
                    using (var store = ResultsStore.Open(f))
                        result[rel] = string.Join("\n", store.FinishedCells().OrderBy(c => c.Cell.Key, StringComparer.Ordinal)
                            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.ConfigHash} {c.Cell.Key} {c.Mae:R} {c.R2:R}")));
                    break;
                case ".png" or ".svg" or ".html" or ".db-wal" or ".db-shm" or ".log":
                    break;
                default:
                    result[rel] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
                    break;
            }
        }
        return result;
    }

    private static string JsonPath(string path) => System.Text.Json.JsonSerializer.Serialize(Path.TrimEndingDirectorySeparator(path))[1..^1];

    private static readonly string[] TimeKeys = ["seconds", "wall_seconds", "started", "finished", "time", "time_utc", "created", "date", "host", "pid"];

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToArray())
                    if (TimeKeys.Contains(key, StringComparer.OrdinalIgnoreCase) || key.EndsWith("_seconds", StringComparison.Ordinal) || key.EndsWith("_utc", StringComparison.Ordinal)) o.Remove(key);
                    else Strip(o[key]);
                break;
            case JsonArray a:
                foreach (var item in a) Strip(item);
                break;
        }
    }

    /// <summary>Null when equal; else the first file that differs (or is missing on one side).</summary>
    public static string? Difference(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        foreach (var (k, v) in expected)
        {
            if (!actual.TryGetValue(k, out var a)) return $"{k} missing";
            if (a != v) return $"{k} differs{FirstLineDifference(v, a)}";
        }
        var extra = actual.Keys.Except(expected.Keys).FirstOrDefault();
        return extra is null ? null : $"{extra} not in the uninterrupted run";
    }

    private static string FirstLineDifference(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        for (int i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            string l = i < x.Length ? x[i] : "(none)", r = i < y.Length ? y[i] : "(none)";
            if (l != r) return $" at line {i + 1}: '{Clip(l)}' vs '{Clip(r)}'";
        }
        return "";
    }

    private static string Clip(string s) => s.Length > 120 ? s[..120] + "…" : s;

    /// <summary>Writes a small labelled data file (perov5 crystals with their heat_ref) for training scenarios.</summary>
    public static string SmallData(string folder, int count = 40)
    {
        var structures = StructureIO.ReadLazy(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Take(count).ToList();
        string path = Path.Combine(folder, "small.extxyz");
        StructureIO.Write(path, structures);
        return path;
    }

    /// <summary>One-line summary of a campaign's results.</summary>
    public static string Summary(IReadOnlyList<KillResult> results)
    {
        var sb = new StringBuilder();
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"{results.Count} interrupted runs, {results.Sum(r => r.Kills)} kills, {results.Count(r => r.Identical)} identical to the uninterrupted run"));
        foreach (var g in results.GroupBy(r => r.Scenario))
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"; {g.Key}: {g.Count(r => r.Identical)}/{g.Count()} identical, {g.Sum(r => r.Kills)} kills"));
        foreach (var r in results.Where(r => !r.Identical)) sb.Append($"\n  {r.Scenario} killed at {string.Join(" ", r.KillPoints)}: {r.Difference}");
        return sb.ToString();
    }
}
