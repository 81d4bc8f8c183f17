using System.Diagnostics;
using System.Globalization;
using CrystalTransformer.IO;

namespace CrystalTransformer.Bench;

/// <summary>
/// Reading rates of the extxyz and POSCAR readers through StructureIO on one thread (best of several runs): the
/// 2,400 NOMAD frames (gzip) and the 70 sample POSCARs, with ASE's and pymatgen's rates on the same files measured
/// side by side (bench/python/read_formats.py) when /usr/bin/python3 has them. Rates are per CPU second of the
/// process on both sides (the machine is shared, so wall-clock time is printed too but not compared).
/// </summary>
public sealed class FormatReadingBenchmark : IBenchmark
{
    public string Name => "formats";
    public string Description => "NOMAD extxyz and sample POSCAR reading rates (CPU time), vs ASE and pymatgen";

    public int Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;

        string nomad = BuiltInData.PathOf("nomad2018", "train.extxyz.gz");
        var (frames, nomadCpu, nomadWall) = Best(repeats, () => StructureIO.Read(nomad).Count);
        double nomadRate = frames / nomadCpu;
        Console.WriteLine($"ct       {frames} NOMAD frames in {nomadCpu:F3} s CPU ({nomadWall:F3} s wall) = {nomadRate:F0}/s (best of {repeats}, gzip + extxyz)");
        Ratio(nomadRate, "ASE", "extxyz-ase", nomad);
        Ratio(nomadRate, "ASE+pymatgen", "extxyz-pymatgen", nomad);

        string folder = BuiltInData.PathOf("samples", "alignn_poscar");
        var files = Directory.GetFiles(folder, "*.vasp").Order().ToArray();
        const int passes = 20;
        var (poscars, poscarCpu, poscarWall) = Best(repeats, () =>
        {
            int n = 0;
            for (int p = 0; p < passes; p++)
                foreach (var f in files) n += StructureIO.ReadOne(f).Count > 0 ? 1 : 0;
            return n;
        });
        double poscarRate = poscars / poscarCpu;
        Console.WriteLine($"ct       {poscars} POSCARs ({files.Length} files x {passes}) in {poscarCpu:F3} s CPU ({poscarWall:F3} s wall) = {poscarRate:F0}/s (best of {repeats})");
        Ratio(poscarRate, "pymatgen", "poscar-pymatgen", folder, passes.ToString(CultureInfo.InvariantCulture));
        Ratio(poscarRate, "ASE", "poscar-ase", folder, passes.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>Best CPU time (and the wall time of that run) over several runs after a warm-up.</summary>
    private static (int Count, double CpuSeconds, double WallSeconds) Best(int repeats, Func<int> work)
    {
        int count = work(); // warm-up (JIT, element table)
        double bestCpu = double.MaxValue, wall = 0;
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            count = work();
            double elapsed = sw.Elapsed.TotalSeconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            if (cpu < bestCpu) (bestCpu, wall) = (cpu, elapsed);
        }
        return (count, bestCpu, wall);
    }

    private static void Ratio(double ours, string tool, params string[] scriptArgs)
    {
        double? theirs = PythonReference.Rate("bench/python/read_formats.py", scriptArgs);
        if (theirs is double t) Console.WriteLine($"ratio    {ours / t:F1}x {tool}");
    }
}
