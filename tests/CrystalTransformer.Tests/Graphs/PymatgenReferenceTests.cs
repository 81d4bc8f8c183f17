using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using CrystalTransformer.Graphs;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Graphs;

/// <summary>
/// Neighbour lists and CGCNN graphs equal pymatgen's on every perov5 (7,996) and NOMAD 2018 (2,400) structure.
/// The fixtures (made by Fixtures/Graphs/generate.py) hold each structure's own numbers and order-free hashes of
/// pymatgen's pair sets, plus full lists for a sample; see the script for the exact definitions.
/// </summary>
public class PymatgenReferenceTests
{
    private const double Band = 1e-6;
    private static readonly double[] Cutoffs = [4.0, 8.0];
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Graphs");

    internal sealed record Entry(string Set, string Id, Structure Structure, Reference[] Lists, int CgcnnShort, double CgcnnWeightedSum);

    internal sealed record Reference(int Count, ulong Hash1, ulong Hash2, double WeightedSum, HashSet<(int, int, int, int, int)> BandPairs);

    private static readonly Lazy<List<Entry>> Entries = new(LoadEntries);

    internal static List<Entry> LoadEntries()
    {
        var list = new List<Entry>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(Folder, "neighbors_reference.tsv.gz")), CompressionMode.Decompress));
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            var l = Numbers(f[4]);
            var lattice = new Lattice(new Mat3(l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8]));
            var zs = Numbers(f[5]);
            var elements = new Element[zs.Length];
            for (int i = 0; i < zs.Length; i++) elements[i] = PeriodicTable.Get((int)zs[i]);
            var c = Numbers(f[6]);
            var coords = new Vec3[elements.Length];
            for (int i = 0; i < coords.Length; i++) coords[i] = new Vec3(c[3 * i], c[3 * i + 1], c[3 * i + 2]);
            var structure = f[3] == "F" ? Structure.FromFractional(lattice, elements, coords, f[1]) : Structure.FromCartesian(lattice, elements, coords, f[1]);
            var lists = new Reference[Cutoffs.Length];
            for (int k = 0; k < Cutoffs.Length; k++)
            {
                int o = 7 + 5 * k;
                var band = f[o + 4] == "-" ? new HashSet<(int, int, int, int, int)>() : f[o + 4].Split(';').Select(p =>
                {
                    var q = p.Split(':').Take(5).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                    return (q[0], q[1], q[2], q[3], q[4]);
                }).ToHashSet();
                lists[k] = new Reference(int.Parse(f[o], CultureInfo.InvariantCulture), ulong.Parse(f[o + 1], CultureInfo.InvariantCulture),
                    ulong.Parse(f[o + 2], CultureInfo.InvariantCulture), double.Parse(f[o + 3], CultureInfo.InvariantCulture), band);
            }
            int tail = 7 + 5 * Cutoffs.Length;
            list.Add(new Entry(f[0], f[1], structure, lists, int.Parse(f[tail], CultureInfo.InvariantCulture), double.Parse(f[tail + 1], CultureInfo.InvariantCulture)));
        }
        return list;
    }

    /// <summary>Comma-separated numbers, parsed without intermediate strings (the fixture has about a million).</summary>
    private static double[] Numbers(string text)
    {
        var span = text.AsSpan();
        var values = new double[span.Count(',') + 1];
        int k = 0;
        foreach (var range in span.Split(','))
            values[k++] = double.Parse(span[range], NumberStyles.Float, CultureInfo.InvariantCulture);
        return values;
    }

    internal static ulong SplitMix(ulong x)
    {
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    private static ulong Key(int i, int j, int a, int b, int c) =>
        (ulong)i | (ulong)j << 16 | (ulong)(a + 128) << 32 | (ulong)(b + 128) << 40 | (ulong)(c + 128) << 48;

    [Fact]
    public void Fixture_covers_every_perov5_and_nomad_structure()
    {
        var entries = Entries.Value;
        Assert.Equal(7996, entries.Count(e => e.Set == "perov5"));
        Assert.Equal(2400, entries.Count(e => e.Set == "nomad"));
        Assert.Contains(entries, e => e.Lists[1].BandPairs.Count > 0); // cells with pairs at exactly 8 Å exist and are checked
    }

    /// <summary>Compares one structure's list at cutoff r with pymatgen's hashes; null when equal, else the difference.</summary>
    private static string? Compare(Structure structure, double r, Reference expected, ref long pairs)
    {
        var nl = NeighborList.Build(structure, r + Band);
        ulong h1 = 0, h2 = 0;
        double weighted = 0;
        int count = 0;
        var band = new HashSet<(int, int, int, int, int)>();
        for (int p = 0; p < nl.Count; p++)
        {
            double d = nl.Distances[p];
            if (d > r + Band) continue;
            int i = nl.Centers[p], j = nl.Neighbors[p], a = nl.Images[3 * p], b = nl.Images[3 * p + 1], c = nl.Images[3 * p + 2];
            if (d >= r - Band) { band.Add((i, j, a, b, c)); continue; }
            ulong key = Key(i, j, a, b, c);
            ulong h = SplitMix(key);
            h1 += h;
            h2 += SplitMix(key * 0x9E3779B97F4A7C15UL + 1);
            weighted += d * Unit(h);
            count++;
        }
        Interlocked.Add(ref pairs, count);
        if (count != expected.Count || h1 != expected.Hash1 || h2 != expected.Hash2)
            return $"at {r} Å: {count} pairs, pymatgen {expected.Count} (or the pair sets differ)";
        if (Math.Abs(weighted - expected.WeightedSum) > 1e-7 + 1e-11 * count)
            return $"at {r} Å: distances differ (weighted sums {weighted:R} vs {expected.WeightedSum:R})";
        if (!band.SetEquals(expected.BandPairs))
            return $"at {r} Å: pairs at the cutoff differ ({band.Count} vs {expected.BandPairs.Count})";
        return null;
    }

    [Fact]
    public void Neighbour_lists_equal_pymatgen_on_all_structures()
    {
        var failures = new ConcurrentQueue<string>();
        long pairs = 0;
        Parallel.ForEach(Entries.Value, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, entry =>
        {
            for (int k = 0; k < Cutoffs.Length; k++)
                if (Compare(entry.Structure, Cutoffs[k], entry.Lists[k], ref pairs) is { } problem)
                    failures.Enqueue($"{entry.Set} {entry.Id} {problem}");
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} mismatches, first: {string.Join("; ", failures.Take(5))}");
        Assert.True(pairs > 30_000_000); // the whole set was compared
    }

    [Fact]
    public void Structures_read_from_the_data_files_give_pymatgen_neighbour_lists()
    {
        // End to end: the product's readers on data/ (CSV with CIF column, extxyz), then the neighbour list at 8 Å.
        var byId = Entries.Value.ToDictionary(e => (e.Set, e.Id));
        StructureIO.Register(CrystalTransformer.IO.ExtXyz.ExtXyzFormat.Instance); // idempotent: replaces a same-named format
        var read = StructureIO.Read(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Select(s => (Set: "perov5", S: s))
            .Concat(StructureIO.Read(BuiltInData.PathOf("nomad2018", "train.extxyz.gz")).Select(s => (Set: "nomad", S: s))).ToList();
        Assert.Equal(byId.Count, read.Count);
        var failures = new ConcurrentQueue<string>();
        long pairs = 0;
        Parallel.ForEach(read, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            if (!byId.TryGetValue((item.Set, item.S.Id), out var entry)) { failures.Enqueue($"{item.Set} {item.S.Id}: not in the fixture"); return; }
            if (Compare(item.S, 8.0, entry.Lists[1], ref pairs) is { } problem) failures.Enqueue($"{item.Set} {item.S.Id} {problem}");
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} mismatches, first: {string.Join("; ", failures.Take(5))}");
    }

    [Fact]
    public void Cgcnn_graphs_equal_the_official_recipe_on_all_structures()
    {
        var failures = new ConcurrentQueue<string>();
        var settings = new CgcnnGraphSettings { PadMissing = false };
        Parallel.ForEach(Entries.Value, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, entry =>
        {
            var g = GraphBuilder.Build(entry.Structure, settings);
            var rows = g.RowOffsets();
            double weighted = 0, tolerance = 1e-9;
            for (int i = 0; i < g.NodeCount; i++)
                for (int e = rows[i]; e < rows[i + 1]; e++)
                {
                    double w = Unit(SplitMix((ulong)i << 8 | (ulong)(e - rows[i])));
                    weighted += g.Distances[e] * w;
                    tolerance += 1e-6 * w; // float32 distances
                }
            if (g.SitesWithTooFewNeighbors != entry.CgcnnShort)
                failures.Enqueue($"{entry.Set} {entry.Id}: {g.SitesWithTooFewNeighbors} short sites, official {entry.CgcnnShort}");
            if (Math.Abs(weighted - entry.CgcnnWeightedSum) > tolerance)
                failures.Enqueue($"{entry.Set} {entry.Id}: kept distances differ (weighted sums {weighted:R} vs {entry.CgcnnWeightedSum:R})");
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} mismatches, first: {string.Join("; ", failures.Take(5))}");
    }

    private static IEnumerable<string[]> SampleLines()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(Folder, "neighbors_sample.tsv.gz")), CompressionMode.Decompress));
        string? line;
        while ((line = reader.ReadLine()) is not null)
            if (line.Length > 0) yield return line.Split('\t');
    }

    /// <summary>The sample lines of one kind ("P" or "C"), grouped by structure, with the structure.</summary>
    private static List<(Structure Structure, string Name, List<string[]> Lines)> Sample(string kind)
    {
        var structures = Entries.Value.ToDictionary(e => (e.Set, e.Id), e => e.Structure);
        var groups = SampleLines().Where(f => f[0] == kind).GroupBy(f => (f[1], f[2]))
            .Select(g => (structures[g.Key], $"{g.Key.Item1} {g.Key.Item2}", g.ToList())).ToList();
        Assert.True(groups.Count >= 40);
        return groups;
    }

    private static int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);
    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Sampled_full_pair_lists_match_pair_by_pair()
    {
        foreach (var (structure, name, lines) in Sample("P"))
        {
            var expected = lines.ToDictionary(f => (I(f[3]), I(f[4]), I(f[5]), I(f[6]), I(f[7])), f => D(f[8]));
            var nl = NeighborList.Build(structure, 8.0);
            var actual = new Dictionary<(int, int, int, int, int), double>();
            for (int p = 0; p < nl.Count; p++)
                if (nl.Distances[p] < 8.0 - Band)
                    actual[(nl.Centers[p], nl.Neighbors[p], nl.Images[3 * p], nl.Images[3 * p + 1], nl.Images[3 * p + 2])] = nl.Distances[p];
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (key, d) in expected)
            {
                Assert.True(actual.TryGetValue(key, out double mine), $"{name}: missing pair {key}");
                Assert.Equal(d, mine, 1e-9);
            }
        }
    }

    [Fact]
    public void Sampled_cgcnn_neighbours_match_up_to_the_order_of_equidistant_neighbours()
    {
        foreach (var (structure, name, lines) in Sample("C"))
        {
            var g = GraphBuilder.Build(structure, new CgcnnGraphSettings { PadMissing = false });
            var rows = g.RowOffsets();
            foreach (var site in lines.GroupBy(f => I(f[3])))
            {
                var reference = site.OrderBy(f => I(f[4])).Select(f => (J: I(f[5]), D: D(f[6]))).ToList();
                var mine = Enumerable.Range(rows[site.Key], rows[site.Key + 1] - rows[site.Key]).Select(e => (J: g.EdgeTarget[e], D: (double)g.Distances[e])).ToList();
                Assert.Equal(Math.Min(12, reference.Count), mine.Count);
                for (int k = 0; k < mine.Count; k++) Assert.Equal(reference[k].D, mine[k].D, 1e-5);
                // Neighbour indices agree shell by shell; in the last (cut) shell ours are a choice among pymatgen's.
                int start = 0;
                while (start < mine.Count)
                {
                    int end = start;
                    while (end < reference.Count && Math.Abs(reference[end].D - reference[start].D) < Band) end++;
                    var theirs = reference.Skip(start).Take(end - start).Select(x => x.J).Order().ToList();
                    var ours = mine.Skip(start).Take(Math.Min(end, mine.Count) - start).Select(x => x.J).ToList();
                    if (end <= mine.Count) Assert.Equal(theirs, ours.Order().ToList());
                    else Assert.All(ours.GroupBy(j => j), gj => Assert.True(theirs.Count(t => t == gj.Key) >= gj.Count(), $"{name} site {site.Key}: neighbour {gj.Key} not in the cut shell"));
                    start = end;
                }
            }
        }
    }
}
