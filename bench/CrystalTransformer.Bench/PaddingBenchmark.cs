using System.Globalization;
using CrystalTransformer.IO;
using CrystalTransformer.Training;

namespace CrystalTransformer.Bench;

/// <summary>
/// Padding of front-end batches on NOMAD-2018 (10–80 atoms per cell): share of padded token slots without and with
/// bucketing by size (Batching.Plan), and the resulting cost in token slots, over several shuffles.
/// usage: padding [batch=128]
/// </summary>
public static class PaddingBenchmark
{
    public static void Run(string[] args)
    {
        int batchSize = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 128;
        var sizes = StructureIO.Read(BuiltInData.PathOf("nomad2018", "train.extxyz.gz")).Select(s => s.Count).ToArray();
        var indices = Enumerable.Range(0, sizes.Length).ToArray();
        double plain = 0, bucketed = 0;
        const int epochs = 10;
        for (int e = 0; e < epochs; e++)
        {
            plain += Batching.PaddingFraction(Batching.Plan(indices, sizes, batchSize, new Random(e), bucketBySize: false), sizes);
            bucketed += Batching.PaddingFraction(Batching.Plan(indices, sizes, batchSize, new Random(e), bucketBySize: true), sizes);
        }
        plain /= epochs; bucketed /= epochs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NOMAD-2018, {sizes.Length} crystals of {sizes.Min()}-{sizes.Max()} atoms, batch {batchSize}: padded slots {plain:P1} without bucketing, {bucketed:P1} with; " +
            $"token slots per epoch ×{(1 - plain) / (1 - bucketed):0.00} of the unbucketed count (attention cost scales with the square)"));
    }
}

/// <summary>Registers <see cref="PaddingBenchmark"/> under the name "padding".</summary>
public sealed class PaddingBench : IBenchmark
{
    public string Name => "padding";
    public string Description => "padding saved by size bucketing (NOMAD), and its effect on throughput";

    public int Run(string[] args)
    {
        PaddingBenchmark.Run(args);
        return 0;
    }
}
