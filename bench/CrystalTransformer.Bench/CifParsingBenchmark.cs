using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.IO;

namespace CrystalTransformer.Bench;

/// <summary>
/// Parse rate of the perov5 CSV (7,996 CIFs, gzip) into structures on one thread, best of several runs, with
/// pymatgen's rate on the same CIFs measured side by side when /usr/bin/python3 has pymatgen. Rates use the process's
/// CPU time (wall time is also shown), so a busy machine does not distort the ratio.
/// </summary>
public static class CifParsingBenchmark
{
    public static void Run(string[] args)
    {
        string path = BuiltInData.PathOf("perov5", "perov5.csv.gz");
        int repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        StructureIO.Read(path); // warm-up (JIT, tables)
        double best = double.MaxValue, bestWall = double.MaxValue;
        int count = 0;
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats; r++)
        {
            GC.Collect();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            count = StructureIO.Read(path).Count;
            bestWall = Math.Min(bestWall, sw.Elapsed.TotalSeconds);
            process.Refresh();
            best = Math.Min(best, (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        double rate = count / best;
        Console.WriteLine($"ct       {count} structures in {best:F3} s CPU ({bestWall:F3} s wall) = {rate:F0}/s (best of {repeats}, one thread, gzip + CSV + CIF)");

        // The same work as the pymatgen side: CIF texts already in memory, one Structure each.
        var texts = CifTexts(path);
        double bestText = double.MaxValue;
        foreach (var t in texts.Take(200)) StructureIO.ReadText(t, "cif"); // warm-up
        for (int r = 0; r < repeats; r++)
        {
            GC.Collect();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            foreach (var t in texts) StructureIO.ReadText(t, "cif");
            process.Refresh();
            bestText = Math.Min(bestText, (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        double textRate = texts.Count / bestText;
        Console.WriteLine($"ct       {texts.Count} CIF texts in memory in {bestText:F3} s CPU = {textRate:F0}/s (best of {repeats}, one thread, CIF only: the pymatgen side's work)");
        double? pymatgen = PythonReference.Rate("bench/python/perov5_cif_parse.py", path, "2000");
        if (pymatgen is double p)
        {
            Console.WriteLine($"ratio    {rate / p:F1}x pymatgen (ct from the gzip CSV file, pymatgen from texts in memory)");
            Console.WriteLine($"ratio    {textRate / p:F1}x pymatgen (both from CIF texts in memory; goal >= 25x)");
        }
    }

    /// <summary>The CIF column of the perov5 CSV as strings (read with the project's CSV reader).</summary>
    private static List<string> CifTexts(string path)
    {
        var rows = CrystalTransformer.IO.Csv.CsvRowReader.ReadFile(path).ToList();
        int column = Array.IndexOf(rows[0].Fields, "cif");
        return rows.Skip(1).Select(r => r.Fields[column]).ToList();
    }
}
