using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Bench;

/// <summary>The perov5 crystals for the benchmarks, read from the repository's data with the product's reader.</summary>
internal static class Perov5
{
    public static IReadOnlyList<Structure> Load(string root) =>
        StructureIO.Read(Path.Combine(root, "data", "perov5", "perov5.csv.gz"));
}
