namespace CrystalTransformer.Bench;

/// <summary>Registers <see cref="CifParsingBenchmark"/> under the name "cif".</summary>
public sealed class CifBenchmark : IBenchmark
{
    public string Name => "cif";
    public string Description => "perov5 CIF parsing rate (CSV with CIF column, gzip), vs pymatgen";

    public int Run(string[] args)
    {
        CifParsingBenchmark.Run(args);
        return 0;
    }
}
