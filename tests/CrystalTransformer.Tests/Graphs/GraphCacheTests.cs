using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Graphs;

public sealed class GraphCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ct-graphcache-" + Guid.NewGuid().ToString("N"));

    public GraphCacheTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static List<Structure> Structures(int count, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(k => RandomCrystals.Structure(rng, 1 + rng.Next(6), RandomCrystals.Lattice(rng, minWidth: 1.0)).WithId($"c{k}")).ToList();
    }

    private static void AssertSameGraph(CrystalGraph expected, CrystalGraph actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.AtomicNumbers, actual.AtomicNumbers);
        Assert.Equal(expected.EdgeSource, actual.EdgeSource);
        Assert.Equal(expected.EdgeTarget, actual.EdgeTarget);
        Assert.Equal(expected.Distances, actual.Distances);
        Assert.Equal(expected.Images, actual.Images);
        Assert.Equal(expected.BondVectors, actual.BondVectors);
        Assert.Equal(expected.SitesWithTooFewNeighbors, actual.SitesWithTooFewNeighbors);
        Assert.Equal(expected.LineGraph?.Source, actual.LineGraph?.Source);
        Assert.Equal(expected.LineGraph?.Target, actual.LineGraph?.Target);
        Assert.Equal(expected.LineGraph?.AngleCosines, actual.LineGraph?.AngleCosines);
    }

    [Fact]
    public void Returns_the_graphs_the_builder_makes_and_reuses_the_file()
    {
        var structures = Structures(40);
        var settings = GraphSettings.Alignn();
        string path = Path.Combine(_dir, "a.ctg");
        using (var cache = GraphCache.OpenOrBuild(path, structures, settings, new GraphCacheOptions { Threads = 2, ChunkSize = 7 }))
        {
            Assert.True(cache.Built);
            Assert.Equal(40, cache.Count);
            for (int k = 0; k < structures.Count; k++) AssertSameGraph(GraphBuilder.Build(structures[k], settings), cache.Read(k));
            var batch = cache.ReadBatch(new[] { 3, 1, 4 });
            Assert.Equal(new[] { "c3", "c1", "c4" }, batch.Ids);
            Assert.Equal(40, cache.ReadAll().Count());
        }
        using (var again = GraphCache.OpenOrBuild(path, structures, settings))
        {
            Assert.False(again.Built);
            AssertSameGraph(GraphBuilder.Build(structures[5], settings), again.Read(5));
        }
        Assert.Single(Directory.GetFiles(_dir)); // no temporary files left behind
    }

    [Fact]
    public void Rebuilds_when_settings_or_structures_change()
    {
        var structures = Structures(10);
        string path = Path.Combine(_dir, "b.ctg");
        GraphCache.OpenOrBuild(path, structures, GraphSettings.Cgcnn()).Dispose();
        var warnings = new List<string>();
        var options = new GraphCacheOptions { Warning = warnings.Add };
        using (var other = GraphCache.OpenOrBuild(path, structures, GraphSettings.Cgcnn() with { MaxNeighbors = 6 }, options))
        {
            Assert.True(other.Built);
            Assert.All(Enumerable.Range(0, 10), k => Assert.Equal(6 * structures[k].Count, other.Read(k).EdgeCount));
        }
        var moved = structures.Select((s, k) => k == 3 ? s.WithSites(s.Sites.Select(x => x.WithFrac(x.Frac + new Vec3(0.01, 0, 0))).ToArray()) : s).ToList();
        using (var changed = GraphCache.OpenOrBuild(path, moved, GraphSettings.Cgcnn() with { MaxNeighbors = 6 }, options))
        {
            Assert.True(changed.Built);
            AssertSameGraph(GraphBuilder.Build(moved[3], GraphSettings.Cgcnn() with { MaxNeighbors = 6 }), changed.Read(3));
        }
        Assert.Empty(warnings); // a stale cache is expected, not a problem
    }

    [Fact]
    public void Corrupt_or_truncated_files_are_rebuilt_with_one_warning_line()
    {
        var structures = Structures(25, seed: 4);
        var settings = GraphSettings.Cgcnn();
        string path = Path.Combine(_dir, "c.ctg");
        GraphCache.OpenOrBuild(path, structures, settings).Dispose();
        var good = File.ReadAllBytes(path);
        var rng = new Random(12);
        var damages = new List<Func<byte[], byte[]>>
        {
            b => b[..(b.Length / 2)],                    // truncated in the records
            b => b[..^3],                                // truncated in the end marker
            b => b[..40],                                // truncated in the header
            b => Array.Empty<byte>(),                    // empty
            b => { var c = (byte[])b.Clone(); c[0] ^= 0xFF; return c; },           // bad magic
            b => { var c = (byte[])b.Clone(); c[200] ^= 0x10; return c; },         // a flipped bit in a record
            b => { var c = (byte[])b.Clone(); c[^30] ^= 0x01; return c; },         // a flipped bit in the index
            b => Enumerable.Range(0, 5000).Select(_ => (byte)rng.Next(256)).ToArray(), // garbage
        };
        for (int trial = 0; trial < 20; trial++)
        {
            int at = 64 + rng.Next(good.Length - 64);
            damages.Add(b => { var c = (byte[])b.Clone(); c[at] ^= (byte)(1 << rng.Next(8)); return c; });
            int cut = rng.Next(good.Length);
            damages.Add(b => b[..cut]);
        }
        foreach (var damage in damages)
        {
            File.WriteAllBytes(path, damage(good));
            var warnings = new List<string>();
            using var cache = GraphCache.OpenOrBuild(path, structures, settings, new GraphCacheOptions { Warning = warnings.Add });
            Assert.True(cache.Built);
            var warning = Assert.Single(warnings);
            Assert.DoesNotContain('\n', warning);
            Assert.Contains(path, warning);
            AssertSameGraph(GraphBuilder.Build(structures[7], settings), cache.Read(7));
            Assert.Equal(good, File.ReadAllBytes(path)); // the rebuilt file is byte-identical: deterministic
        }
    }

    [Fact]
    public void A_record_damaged_while_open_is_built_directly_with_one_warning()
    {
        var structures = Structures(6, seed: 8);
        var settings = GraphSettings.Cgcnn();
        string path = Path.Combine(_dir, "d.ctg");
        var warnings = new List<string>();
        using var cache = GraphCache.OpenOrBuild(path, structures, settings, new GraphCacheOptions { Warning = warnings.Add });
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            f.Position = 100;
            int b = f.ReadByte();
            f.Position = 100;
            f.WriteByte((byte)(b ^ 0x40));
        }
        for (int k = 0; k < structures.Count; k++) AssertSameGraph(GraphBuilder.Build(structures[k], settings), cache.Read(k));
        Assert.Single(warnings);
    }

    [Fact]
    public void Key_depends_on_ids_coordinates_species_and_settings()
    {
        var s = Structures(3);
        var key = GraphCache.ComputeKey(s, GraphSettings.Cgcnn());
        Assert.Equal(key, GraphCache.ComputeKey(Structures(3), GraphSettings.Cgcnn()));
        Assert.NotEqual(key, GraphCache.ComputeKey(s, GraphSettings.Alignn()));
        Assert.NotEqual(key, GraphCache.ComputeKey(s.Select((x, k) => k == 1 ? x.WithId("other") : x).ToList(), GraphSettings.Cgcnn()));
        Assert.NotEqual(key, GraphCache.ComputeKey(s.Take(2).ToList(), GraphSettings.Cgcnn()));
        var swapped = s.Select((x, k) => k == 0 ? x.WithSites(x.Sites.Select(site => new Site(PeriodicTable.Get(site.Element.Z % 80 + 1), site.Frac)).ToArray()) : x).ToList();
        Assert.NotEqual(key, GraphCache.ComputeKey(swapped, GraphSettings.Cgcnn()));
    }

    [Fact]
    public void Large_image_offsets_survive_the_compact_encoding()
    {
        // Atoms 0.05 Å apart along a: the 400 nearest reach images ±200.
        var lattice = new Lattice(new Mat3(0.05, 0, 0, 0, 30, 0, 0, 0, 30));
        var s = Structure.FromFractional(lattice, new[] { PeriodicTable.Get("H") }, new[] { Vec3.Zero }, "thin");
        var settings = new CgcnnGraphSettings { Radius = 20, MaxNeighbors = 400 };
        using var cache = GraphCache.OpenOrBuild(Path.Combine(_dir, "e.ctg"), new[] { s }, settings);
        var read = cache.Read(0);
        Assert.Contains(read.Images, v => Math.Abs(v) > 127);
        AssertSameGraph(GraphBuilder.Build(s, settings), read);
    }
}
