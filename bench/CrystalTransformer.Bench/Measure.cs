using System.Diagnostics;
using System.Globalization;

namespace CrystalTransformer.Bench;

/// <summary>Timing and memory helpers shared by the benchmarks.</summary>
public static class Measure
{
    /// <summary>Best wall time of <paramref name="repeats"/> runs (after one warm-up run when <paramref name="warmup"/>).</summary>
    public static (double Seconds, T Result) Best<T>(Func<T> action, int repeats = 3, bool warmup = true)
    {
        if (warmup) action();
        double best = double.MaxValue;
        T result = default!;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            result = action();
            sw.Stop();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, result);
    }

    /// <summary>
    /// Best wall time over at least <paramref name="minRepeats"/> runs, repeating until <paramref name="budgetSeconds"/>
    /// have been spent (at most 50 runs): short cases get many tries, so a busy machine's noise matters less.
    /// </summary>
    public static (double Seconds, T Result, int Runs) BestWithin<T>(Func<T> action, double budgetSeconds = 1.0, int minRepeats = 3)
    {
        action(); // warm-up
        double best = double.MaxValue, spent = 0;
        T result = default!;
        int runs = 0;
        while (runs < minRepeats || (spent < budgetSeconds && runs < 50))
        {
            var sw = Stopwatch.StartNew();
            result = action();
            double t = sw.Elapsed.TotalSeconds;
            best = Math.Min(best, t);
            spent += t;
            runs++;
        }
        return (best, result, runs);
    }

    /// <summary>Peak resident set size of this process (VmHWM), in bytes; 0 where /proc is missing.</summary>
    public static long PeakRss() => ReadStatus("VmHWM:");

    /// <summary>Current resident set size (VmRSS), in bytes.</summary>
    public static long Rss() => ReadStatus("VmRSS:");

    /// <summary>Resets the peak RSS counter to the current RSS (Linux: writes 5 to /proc/self/clear_refs).</summary>
    public static void ResetPeakRss()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Peak resident set size of another process (its VmHWM), in bytes; 0 once it has exited.</summary>
    public static long PeakRss(int pid) => ReadStatus("VmHWM:", pid.ToString(CultureInfo.InvariantCulture));

    private static long ReadStatus(string field, string process = "self")
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    public static string MiB(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", CultureInfo.InvariantCulture) + " MiB";

    public static string Rate(double perSecond) => perSecond >= 1e6
        ? (perSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M/s"
        : perSecond.ToString("N0", CultureInfo.InvariantCulture) + "/s";
}
