using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CrystalTransformer.Bench;

/// <summary>
/// Bounded resources on hostile sizes: <c>limits [--keep]</c> writes a CIF whose symmetry expands to 0.96 M sites and
/// one that would expand to 1.15 M, a POSCAR of 10⁶ atoms and a 2 GB CIF, runs <c>ct inspect</c> and
/// <c>ct predict --model cgcnn-perov5</c> on each as a separate process, and prints wall time, peak resident memory
/// (VmHWM of the child), exit code and the last line it wrote. Every run must end with a one-line answer, none may be
/// killed for memory; exits 1 otherwise.
/// </summary>
public sealed class LimitsBenchmark : IBenchmark
{
    public string Name => "limits";
    public string Description => "inspect and predict on a 0.96 M / 1.15 M-site symmetry expansion, a 10^6-atom POSCAR and a 2 GB CIF: time, peak memory, answer";

    public int Run(string[] args)
    {
        bool keep = args.Contains("--keep");
        string dir = Directory.CreateTempSubdirectory("ct-limits-").FullName;
        try
        {
            var files = new (string Name, string What, Action<string> Write)[]
            {
                ("expands-0.96M.cif", "Fm-3m, 5,000 general sites × 192 operations = 960,000 sites", p => WriteExpandingCif(p, 5_000)),
                ("expands-1.15M.cif", "Fm-3m, 6,000 general sites × 192 operations = 1,152,000 sites", p => WriteExpandingCif(p, 6_000)),
                ("million.vasp", "POSCAR of 1,000,000 atoms (100³ simple cubic cells)", p => WriteMillionAtomPoscar(p, 100)),
                ("huge.cif", "CIF of 2 GB (an atom-site loop of 60 M rows)", p => WriteHugeCif(p, 2L << 30)),
            };
            Console.WriteLine($"{"file",-20} {"command",-8} {"wall s",8} {"CPU s",8} {"peak",10} {"exit",5}  answer");
            bool ok = true;
            foreach (var (name, what, write) in files)
            {
                string path = Path.Combine(dir, name);
                var clock = Stopwatch.StartNew();
                write(path);
                Console.WriteLine($"# {name}: {what}; {new FileInfo(path).Length / 1e6:N0} MB written in {clock.Elapsed.TotalSeconds:0.0} s");
                foreach (var (command, ctArgs) in new[]
                         {
                             ("inspect", new[] { "inspect", path }),
                             ("predict", new[] { "predict", "--model", "cgcnn-perov5", "--threads", "1", path }),
                         })
                {
                    var r = RunCt(ctArgs, answerOnStdout: command == "predict");
                    string answer = r.LastLine.Replace(dir, "$TMP", StringComparison.Ordinal);
                    Console.WriteLine($"{name,-20} {command,-8} {r.Seconds,8:0.0} {r.CpuSeconds,8:0.0} {Measure.MiB(r.PeakBytes),10} {r.Code,5}  {answer}");
                    // A clean answer: exit 0 or 1; 3 (internal error), 137 (killed) or anything else is a failure.
                    if (r.Code is not (0 or 1) || r.InternalError) ok = false;
                }
                File.Delete(path);
            }
            Console.WriteLine(ok ? "every run answered with one line, none killed" : "FAILED: some run crashed, was killed or wrote more than one error line");
            return ok ? 0 : 1;
        }
        finally
        {
            if (!keep) Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record CtRun(int Code, double Seconds, double CpuSeconds, long PeakBytes, string LastLine, bool InternalError);

    /// <summary>
    /// Runs ct.dll (beside this assembly), sampling the child's VmHWM and CPU time (user + system, so that a loaded
    /// machine does not inflate it) every 20 ms until it exits. The answer is the last
    /// line on standard error (for predict: the last row on standard output, whose error column holds the reason).
    /// </summary>
    private static CtRun RunCt(string[] args, bool answerOnStdout)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ct.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        double cpu = 0;
        while (!p.WaitForExit(20))
        {
            peak = Math.Max(peak, Measure.PeakRss(p.Id));
            cpu = Math.Max(cpu, ChildCpuSeconds(p.Id));
        }
        p.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        var errLines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var outLines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string last = (answerOnStdout ? outLines.LastOrDefault() : errLines.LastOrDefault() ?? outLines.LastOrDefault()) ?? "";
        if (last.Length > 150) last = last[..150] + "…";
        return new CtRun(p.ExitCode, seconds, cpu, peak, last, errLines.Any(l => l.Contains("internal error", StringComparison.Ordinal)));
    }

    /// <summary>utime + stime of /proc/PID/stat (fields 14 and 15, after the parenthesised command name), in seconds.</summary>
    private static double ChildCpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        catch (FormatException) { }
        return 0;
    }

    private static void WriteExpandingCif(string path, int sites)
    {
        var rng = new Random(5);
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.Write("data_expanding\n_symmetry_space_group_name_H-M 'F m -3 m'\n_symmetry_Int_Tables_number 225\n" +
                "_cell_length_a 400.0\n_cell_length_b 400.0\n_cell_length_c 400.0\n" +
                "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n" +
                "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n");
        for (int i = 0; i < sites; i++)
        {
            // General positions (no coordinate on a mirror or axis), so every operation gives a distinct site.
            double x = 0.01 + 0.23 * rng.NextDouble(), y = 0.01 + 0.23 * rng.NextDouble(), z = 0.01 + 0.23 * rng.NextDouble();
            w.Write(string.Create(CultureInfo.InvariantCulture, $"Na{i} Na {x:F6} {y:F6} {z:F6} 1\n"));
        }
    }

    private static void WriteMillionAtomPoscar(string path, int n)
    {
        double a = 3.0 * n;
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.Write(string.Create(CultureInfo.InvariantCulture, $"Na {n}x{n}x{n}\n1.0\n{a} 0 0\n0 {a} 0\n0 0 {a}\nNa\n{n * n * n}\nDirect\n"));
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        for (int k = 0; k < n; k++)
            w.Write(string.Create(CultureInfo.InvariantCulture, $"{(double)i / n:F6} {(double)j / n:F6} {(double)k / n:F6}\n"));
    }

    private static void WriteHugeCif(string path, long bytes)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        w.Write("data_huge\n_symmetry_space_group_name_H-M 'P 1'\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n" +
                "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n" +
                "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n");
        const string row = "Na1 Na 0.000000 0.000000 0.000000 1\nCl1 Cl 0.500000 0.500000 0.500000 1\n";
        for (long written = 0; written < bytes; written += row.Length) w.Write(row);
    }
}
