using System.Globalization;
using System.IO.Compression;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Bench;

/// <summary>The perov5 crystals for the benchmarks.</summary>
internal static class Perov5
{
    public enum Source { Cif, NeighbourFixture }

    /// <summary>
    /// The structures of the perov5 set. Without a CIF reader in this build they come from the neighbour-list fixture,
    /// which holds each CIF's own lattice and fractional coordinates.
    /// </summary>
    public static (IReadOnlyList<Structure> Structures, Source Source) Load(string root)
    {
        string path = Path.Combine(root, "tests", "CrystalTransformer.Tests", "Fixtures", "Graphs", "neighbors_reference.tsv.gz");
        var list = new List<Structure>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (!line.StartsWith("perov5\t", StringComparison.Ordinal)) continue;
            var f = line.Split('\t');
            double[] Numbers(string s) => s.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var l = Numbers(f[4]);
            var z = f[5].Split(',').Select(x => PeriodicTable.Get(int.Parse(x, CultureInfo.InvariantCulture))).ToArray();
            var c = Numbers(f[6]);
            list.Add(Structure.FromFractional(new Lattice(new Mat3(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8])), z,
                Enumerable.Range(0, z.Length).Select(i => new Vec3(c[3 * i], c[3 * i + 1], c[3 * i + 2])), f[1]));
        }
        return (list, Source.NeighbourFixture);
    }
}
