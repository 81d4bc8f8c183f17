using System.Reflection;
using CrystalTransformer.Bench;

// Benchmarks are classes implementing IBenchmark anywhere in this assembly (one file each), found by reflection,
// so adding one never touches this file. Usage: dotnet run -c Release --project bench/CrystalTransformer.Bench -- <name> [options]
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/CrystalTransformer.Bench -- <benchmark> [options]");
    Console.WriteLine();
    foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-14} {b.Description}");
    return args.Length == 0 ? 2 : 0;
}

var chosen = benchmarks.FirstOrDefault(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (chosen is null)
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'; available: {string.Join(", ", benchmarks.Select(b => b.Name))}");
    return 2;
}
try
{
    return chosen.Run(args[1..]);
}
catch (CrystalTransformer.Structures.InputError ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
