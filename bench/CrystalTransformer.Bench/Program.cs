using CrystalTransformer.Bench;

// One benchmark per file; run: dotnet run -c Release --project bench/CrystalTransformer.Bench -- <name> [args]
var benchmarks = new Dictionary<string, Action<string[]>>(StringComparer.OrdinalIgnoreCase)
{
    ["cif"] = CifParsingBenchmark.Run,
    ["transformer"] = TrainingThroughputBenchmark.Run,
    ["padding"] = PaddingBenchmark.Run,
};
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.WriteLine($"usage: CrystalTransformer.Bench <{string.Join("|", benchmarks.Keys)}> [args]");
    return args.Length == 0 ? 0 : 1;
}
run(args[1..]);
return 0;
