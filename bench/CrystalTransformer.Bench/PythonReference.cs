using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CrystalTransformer.Bench;

/// <summary>Runs a side-by-side Python script (Debian python3 with pymatgen) and reads the "= N/s" rate it prints.</summary>
public static partial class PythonReference
{
    private const string Python = "/usr/bin/python3";

    public static double? Rate(string script, params string[] args)
    {
        string? root = FindRepositoryRoot();
        if (root is null || !File.Exists(Python)) { Console.WriteLine("pymatgen reference skipped (no /usr/bin/python3 or repository)"); return null; }
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        psi.ArgumentList.Add(Path.Combine(root, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Console.Write(output);
        var m = RateRegex().Match(output);
        return p.ExitCode == 0 && m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ct")) && Directory.Exists(Path.Combine(dir.FullName, "bench"))) return dir.FullName;
        return null;
    }

    [GeneratedRegex(@"= ([0-9.]+)/s")]
    private static partial Regex RateRegex();
}
