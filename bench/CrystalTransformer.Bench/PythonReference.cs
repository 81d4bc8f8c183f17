using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CrystalTransformer.Bench;

/// <summary>
/// Which BLAS the Python side runs with. Debian's python3-torch calls whatever libblas.so.3 the loader finds:
/// <see cref="System"/> is the machine as set up (OpenBLAS when libopenblas0-pthread is installed and selected),
/// <see cref="SystemSerial"/> is the same library with its own threads off (OPENBLAS_NUM_THREADS=1): with more than one
/// thread, OpenBLAS's thread pool and PyTorch's OpenMP threads otherwise compete for the same cores, which made PyTorch
/// slower at 2 threads than at 1 here. <see cref="Reference"/> preloads the reference BLAS of libblas3. The scripts print
/// the library they really use (bench/python/blas_report.py).
/// </summary>
public enum Blas { System, SystemSerial, Reference }

/// <summary>Runs a side-by-side Python script (Debian python3 with pymatgen) and reads the "= N/s" rate it prints.</summary>
public static partial class PythonReference
{
    private const string Python = "/usr/bin/python3";
    private const string ReferenceBlas = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";

    /// <summary>Whether the reference BLAS can be preloaded here (Debian's libblas3).</summary>
    public static bool HasReferenceBlas => File.Exists(ReferenceBlas);

    public static double? Rate(string script, params string[] args) => Rate(script, Blas.System, args);

    public static double? Rate(string script, Blas blas, params string[] args)
    {
        string? root = FindRepositoryRoot();
        if (root is null || !File.Exists(Python)) { Console.WriteLine("pymatgen reference skipped (no /usr/bin/python3 or repository)"); return null; }
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        psi.ArgumentList.Add(Path.Combine(root, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        SelectBlas(psi, blas);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Console.Write(output);
        var m = RateRegex().Match(output);
        return p.ExitCode == 0 && m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Runs a script with <paramref name="threads"/> OpenMP threads and returns every "NAME = N/s" it printed, by NAME
    /// (empty when Python or the repository is missing or the script failed).
    /// </summary>
    public static Dictionary<string, double> Rates(string script, int threads, params string[] args) => Rates(script, threads, Blas.System, args);

    public static Dictionary<string, double> Rates(string script, int threads, Blas blas, params string[] args)
    {
        var rates = new Dictionary<string, double>(StringComparer.Ordinal);
        string? root = FindRepositoryRoot();
        if (root is null || !File.Exists(Python)) { Console.WriteLine("Python reference skipped (no /usr/bin/python3 or repository)"); return rates; }
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        psi.ArgumentList.Add(Path.Combine(root, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        SelectBlas(psi, blas);
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Console.Write(output);
        if (p.ExitCode != 0) { Console.WriteLine($"Python reference failed: {error.Result.Trim().Split('\n').LastOrDefault()}"); return rates; }
        foreach (Match m in NamedRateRegex().Matches(output))
            rates[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return rates;
    }

    /// <summary>The variants a benchmark with <paramref name="threads"/> threads compares with (the serial one only above 1 thread).</summary>
    public static Blas[] Variants(int threads) =>
        [Blas.System, .. threads > 1 ? new[] { Blas.SystemSerial } : [], .. HasReferenceBlas ? new[] { Blas.Reference } : []];

    /// <summary>How a report names the variant.</summary>
    public static string Describe(Blas blas) => blas switch
    {
        Blas.System => "system BLAS",
        Blas.SystemSerial => "system BLAS, 1 BLAS thread",
        _ => "reference BLAS",
    };

    private static void SelectBlas(ProcessStartInfo psi, Blas blas)
    {
        if (blas == Blas.SystemSerial) psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        if (blas != Blas.Reference) return;
        if (!HasReferenceBlas) throw new InvalidOperationException($"the reference BLAS {ReferenceBlas} is not installed (Debian package libblas3)");
        psi.Environment["LD_PRELOAD"] = ReferenceBlas;
    }

    /// <summary>The repository root (the folder with the ct launcher and bench/), found above the benchmark binary.</summary>
    public static string? RepositoryRoot => FindRepositoryRoot();

    [GeneratedRegex(@"([A-Za-z][A-Za-z-]*) = ([0-9.]+)/s")]
    private static partial Regex NamedRateRegex();

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ct")) && Directory.Exists(Path.Combine(dir.FullName, "bench"))) return dir.FullName;
        return null;
    }

    [GeneratedRegex(@"= ([0-9.]+)/s")]
    private static partial Regex RateRegex();
}
