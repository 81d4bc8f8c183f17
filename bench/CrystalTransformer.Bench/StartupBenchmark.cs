using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;

namespace CrystalTransformer.Bench;

/// <summary>
/// Whole-process times of short ct commands, as a user meets them: <c>ct --version</c>, <c>ct inspect</c> of one CIF
/// file, and <c>ct inspect --json --neighbors 8</c> on a folder of perov5 CIF files (default 2,000, the files as the
/// data set ships them), next to the pymatgen counterpart of the last one run as a whole process in the same run
/// (bench/python/inspect_pymatgen.py: Structure.from_file and the CGCNN recipe's get_all_neighbors + sort, one JSON line
/// per file). Both sides read one file after another on one thread. Each ct build given with --ct is timed (default:
/// the build output that ./ct runs and, when present, the ReadyToRun publish in artifacts/ct-r2r); runs are interleaved
/// and the median is reported. The neighbour counts of ct and pymatgen are compared file by file.
/// usage: startup [--files 2000] [--runs 7] [--ct PATH]... [--no-python]
/// </summary>
public sealed class StartupBenchmark : IBenchmark
{
    public string Name => "startup";
    public string Description => "whole-process ms of ct --version, ct inspect of one CIF and of 2,000 CIFs (JIT vs ReadyToRun), vs pymatgen";

    public int Run(string[] args)
    {
        int files = 2000, runs = 7;
        bool python = true;
        var builds = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--files": files = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ct": builds.Add(Path.GetFullPath(args[++i])); break;
                case "--no-python": python = false; break;
                default: Console.Error.WriteLine($"startup: unknown option '{args[i]}'"); return 2;
            }
        }
        string root = PythonReference.RepositoryRoot ?? throw new InvalidOperationException("run the benchmark inside the repository");
        if (builds.Count == 0)
        {
            builds.Add(Path.Combine(root, "src/CrystalTransformer.Cli/bin/Release/net10.0/linux-x64/ct"));
            string r2r = Path.Combine(root, "artifacts/ct-r2r/ct");
            if (File.Exists(r2r)) builds.Add(r2r);
            else Console.WriteLine("no ReadyToRun build in artifacts/ct-r2r (dotnet publish src/CrystalTransformer.Cli -c Release -p:PublishReadyToRun=true -o artifacts/ct-r2r)");
        }
        foreach (var b in builds.Where(b => !File.Exists(b))) { Console.Error.WriteLine($"startup: no ct build at {b}"); return 2; }

        string folder = Path.Combine(Path.GetTempPath(), $"ct-bench-startup-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            var names = WritePerov5Cifs(Path.Combine(root, "data/perov5/perov5.csv.gz"), folder, files);
            string one = Path.Combine(folder, names[0]);
            Console.WriteLine($"{names.Count} perov5 CIF files (as shipped) in a temporary folder; {runs} runs of each ct command, interleaved; median whole-process time");

            var times = builds.ToDictionary(b => b, _ => (Version: new List<double>(), One: new List<double>(), Folder: new List<double>()));
            var pythonTimes = new List<double>();
            string? ctJson = null, pyJson = null;
            for (int r = 0; r < runs; r++)
            {
                foreach (var build in builds)
                {
                    times[build].Version.Add(Time(build, ["--version"]).Seconds);
                    times[build].One.Add(Time(build, ["inspect", one]).Seconds);
                    var (seconds, output) = Time(build, ["inspect", "--json", "--neighbors", "8", folder]);
                    times[build].Folder.Add(seconds);
                    ctJson ??= output;
                }
                // pymatgen takes about 10 s for 2,000 files: three runs are enough for its median.
                if (python && r < 3 && File.Exists("/usr/bin/python3"))
                {
                    var (seconds, output) = Time("/usr/bin/python3", [Path.Combine(root, "bench/python/inspect_pymatgen.py"), folder, "8"]);
                    if (output.Length > 0) { pythonTimes.Add(seconds); pyJson ??= output; }
                }
            }

            Console.WriteLine($"{"build",-60} {"--version",10} {"inspect 1",10} {"inspect " + names.Count,13}");
            foreach (var build in builds)
            {
                var t = times[build];
                Console.WriteLine(F($"{Shorten(build, root),-60} {Median(t.Version) * 1000,8:0} ms {Median(t.One) * 1000,7:0} ms {Median(t.Folder),10:0.00} s"));
            }
            if (pythonTimes.Count > 0)
            {
                double py = Median(pythonTimes);
                Console.WriteLine(F($"{"pymatgen (Structure.from_file + get_all_neighbors + sort)",-60} {"",10} {"",10} {py,10:0.00} s"));
                foreach (var build in builds)
                    Console.WriteLine(F($"inspect --json --neighbors 8 on {names.Count} files, whole process: {Shorten(build, root)} {py / Median(times[build].Folder):0.0}x pymatgen (goal >= 12x)"));
                Console.WriteLine(Agreement(ctJson!, pyJson!, names.Count));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The CIF texts of the first <paramref name="count"/> rows of perov5.csv.gz, one file each (named by row).</summary>
    private static List<string> WritePerov5Cifs(string csv, string folder, int count)
    {
        using var gz = new GZipStream(File.OpenRead(csv), CompressionMode.Decompress);
        using var parser = new TextFieldParser(gz) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        int cif = Array.IndexOf(header, "cif");
        var names = new List<string>();
        while (names.Count < count && !parser.EndOfData)
        {
            var row = parser.ReadFields()!;
            string name = names.Count.ToString("D5", CultureInfo.InvariantCulture) + ".cif";
            File.WriteAllText(Path.Combine(folder, name), row[cif]);
            names.Add(name);
        }
        return names;
    }

    private static (double Seconds, string Output) Time(string program, string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
        {
            Console.WriteLine($"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(3))}: exit {p.ExitCode}: {error.Result.Trim().Split('\n').LastOrDefault()}");
            return (seconds, "");
        }
        return (seconds, output);
    }

    /// <summary>Files whose per-site neighbour counts within 8 Å are the same in both JSON outputs (matched by file name).</summary>
    private static string Agreement(string ct, string pymatgen, int files)
    {
        static Dictionary<string, int[]> counts(string jsonLines) => jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("neighbor_counts", out _))
            .ToDictionary(e => Path.GetFileName(e.GetProperty("file").GetString()!),
                e => e.GetProperty("neighbor_counts").EnumerateArray().Select(c => c.GetInt32()).ToArray());
        var ours = counts(ct);
        var theirs = counts(pymatgen);
        int same = ours.Count(o => theirs.TryGetValue(o.Key, out var t) && t.SequenceEqual(o.Value));
        return $"neighbour counts within 8 Å: {same} of {files} files identical in ct and pymatgen ({ours.Count} read by ct, {theirs.Count} by pymatgen)";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Shorten(string path, string root) => path.StartsWith(root, StringComparison.Ordinal) ? path[(root.Length + 1)..] : path;

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
