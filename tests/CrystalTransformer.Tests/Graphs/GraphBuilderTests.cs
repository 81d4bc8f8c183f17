using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.Graphs;

public class GraphBuilderTests
{
    private static Structure Perovskite(double a = 3.9) => Structure.FromFractional(Lattice.Cubic(a),
        new[] { "Sr", "Ti", "O", "O", "O" }.Select(PeriodicTable.Get),
        new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0.5), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5) }, "SrTiO3");

    /// <summary>The official recipe spelled out: all neighbours within R, sorted, first M, padded with (0, R + 1).</summary>
    private static List<(int I, int J, int A, int B, int C, double D)> NaiveCgcnn(Structure s, double radius, int m, bool pad)
    {
        var nl = NeighborList.Build(s, radius, sortByDistance: true);
        var edges = new List<(int, int, int, int, int, double)>();
        for (int i = 0; i < s.Count; i++)
        {
            int start = nl.RowOffsets[i], count = nl.RowOffsets[i + 1] - start;
            for (int k = start; k < start + Math.Min(m, count); k++)
                edges.Add((i, nl.Neighbors[k], nl.Images[3 * k], nl.Images[3 * k + 1], nl.Images[3 * k + 2], nl.Distances[k]));
            if (pad) for (int k = count; k < m; k++) edges.Add((i, 0, 0, 0, 0, radius + 1));
        }
        return edges;
    }

    private static List<(int I, int J, int A, int B, int C, double D)> Edges(CrystalGraph g) =>
        Enumerable.Range(0, g.EdgeCount).Select(e => (g.EdgeSource[e], g.EdgeTarget[e], g.Images[3 * e], g.Images[3 * e + 1], g.Images[3 * e + 2], (double)g.Distances[e])).ToList();

    private static void AssertSameEdges(List<(int I, int J, int A, int B, int C, double D)> expected, List<(int I, int J, int A, int B, int C, double D)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            Assert.Equal((expected[k].I, expected[k].J, expected[k].A, expected[k].B, expected[k].C), (actual[k].I, actual[k].J, actual[k].A, actual[k].B, actual[k].C));
            Assert.Equal(expected[k].D, actual[k].D, 1e-5);
        }
    }

    [Property(MaxTest = 80)]
    public void Cgcnn_graph_equals_the_full_radius_recipe(int seed)
    {
        var rng = new Random(seed);
        var s = RandomCrystals.Structure(rng, 1 + rng.Next(8), RandomCrystals.Lattice(rng, minWidth: 1.0));
        double radius = 2 + rng.NextDouble() * 6;
        int m = 1 + rng.Next(14);
        bool pad = rng.Next(2) == 0;
        var g = GraphBuilder.Build(s, new CgcnnGraphSettings { Radius = radius, MaxNeighbors = m, PadMissing = pad });
        AssertSameEdges(NaiveCgcnn(s, radius, m, pad), Edges(g));
    }

    [Fact]
    public void Cgcnn_pads_short_sites_like_the_official_code_and_can_leave_them_short()
    {
        var s = Perovskite();
        var padded = GraphBuilder.Build(s, new CgcnnGraphSettings { Radius = 2.0, MaxNeighbors = 12 });
        Assert.Equal(5 * 12, padded.EdgeCount);
        Assert.Equal(5, padded.SitesWithTooFewNeighbors);
        // Sr has nothing within 2 Å: twelve padding edges to atom 0 at radius + 1 with no bond vector.
        Assert.All(Enumerable.Range(0, 12), e => Assert.Equal((0, 0, 3f), (padded.EdgeSource[e], padded.EdgeTarget[e], padded.Distances[e])));
        Assert.All(padded.BondVectors.Take(36), v => Assert.Equal(0f, v));
        var unpadded = GraphBuilder.Build(s, new CgcnnGraphSettings { Radius = 2.0, MaxNeighbors = 12, PadMissing = false });
        Assert.Equal(6 + 3 * 2, unpadded.EdgeCount); // Ti: 6 O at 1.95 Å; each of the 3 O: 2 Ti
        var full = GraphBuilder.Build(s, GraphSettings.Cgcnn());
        Assert.Equal(60, full.EdgeCount);
        Assert.Equal(0, full.SitesWithTooFewNeighbors);
    }

    [Fact]
    public void Cgcnn_breaks_distance_ties_by_neighbour_index_then_image()
    {
        // Ti (index 1) has 6 O at 1.95 Å then 8 Sr at 3.38 Å: 12 nearest = 6 O + 6 of the 8 Sr images, chosen by image order.
        var g = GraphBuilder.Build(Perovskite(), GraphSettings.Cgcnn());
        var ti = Edges(g).Where(e => e.I == 1).ToList();
        Assert.Equal(new[] { 2, 2, 3, 3, 4, 4 }, ti.Take(6).Select(e => e.J));
        var sr = ti.Skip(6).ToList();
        Assert.All(sr, e => Assert.Equal(0, e.J));
        var images = sr.Select(e => (e.A, e.B, e.C)).ToList();
        Assert.Equal(images.Order().ToList(), images);
        Assert.Equal((0, 0, 0), images[0]);
    }

    [Fact]
    public void Bond_vectors_point_from_source_to_target_image()
    {
        var rng = new Random(11);
        var s = RandomCrystals.Structure(rng, 4, RandomCrystals.Lattice(rng));
        var g = GraphBuilder.Build(s, GraphSettings.Cgcnn());
        for (int e = 0; e < g.EdgeCount; e++)
        {
            var fi = s.Sites[g.EdgeSource[e]].Frac; var fj = s.Sites[g.EdgeTarget[e]].Frac;
            var v = s.Lattice.ToCartesian(fj + new Vec3(g.Images[3 * e], g.Images[3 * e + 1], g.Images[3 * e + 2]) - fi);
            Assert.Equal(v.X, g.BondVectors[3 * e], 1e-4);
            Assert.Equal(v.Y, g.BondVectors[3 * e + 1], 1e-4);
            Assert.Equal(v.Z, g.BondVectors[3 * e + 2], 1e-4);
            Assert.Equal(v.Norm, g.Distances[e], 1e-4);
        }
    }

    /// <summary>ALIGNN's nearest_neighbor_edges + build_undirected_edgedata, spelled out on a full neighbour list.</summary>
    private static List<(int, int, int, int, int)> NaiveKNearest(Structure s, int k, bool canonize)
    {
        double r = 4;
        NeighborList nl;
        while (true)
        {
            nl = NeighborList.Build(s, r, sortByDistance: true);
            bool enough = Enumerable.Range(0, s.Count).All(i => nl.RowOffsets[i + 1] - nl.RowOffsets[i] >= k
                && nl.Distances[nl.RowOffsets[i] + k - 1] + 1e-6 <= r);
            if (enough) break;
            r *= 2;
        }
        var kept = new List<(int I, int J, int A, int B, int C)>();
        for (int i = 0; i < s.Count; i++)
        {
            double shell = nl.Distances[nl.RowOffsets[i] + k - 1] + 1e-6;
            for (int e = nl.RowOffsets[i]; e < nl.RowOffsets[i + 1] && nl.Distances[e] <= shell; e++)
                kept.Add((i, nl.Neighbors[e], nl.Images[3 * e], nl.Images[3 * e + 1], nl.Images[3 * e + 2]));
        }
        var directed = new List<(int, int, int, int, int)>();
        if (!canonize)
        {
            foreach (var (i, j, a, b, c) in kept) { directed.Add((i, j, a, b, c)); directed.Add((j, i, -a, -b, -c)); }
            return directed;
        }
        var undirected = new HashSet<(int, int, int, int, int)>();
        foreach (var (i, j, a, b, c) in kept)
            undirected.Add(i < j || (i == j && (a, b, c).CompareTo((0, 0, 0)) > 0) ? (i, j, a, b, c) : (j, i, -a, -b, -c));
        foreach (var (i, j, a, b, c) in undirected) { directed.Add((i, j, a, b, c)); directed.Add((j, i, -a, -b, -c)); }
        return directed;
    }

    [Property(MaxTest = 60)]
    public void KNearest_graph_equals_alignn_procedure(int seed)
    {
        var rng = new Random(seed);
        var s = RandomCrystals.Structure(rng, 1 + rng.Next(6), RandomCrystals.Lattice(rng, minWidth: 1.0));
        int k = 1 + rng.Next(12);
        bool canonize = rng.Next(2) == 0;
        var g = GraphBuilder.Build(s, new KNearestGraphSettings { MaxNeighbors = k, Canonize = canonize });
        var expected = NaiveKNearest(s, k, canonize).Order().ToList();
        var actual = Edges(g).Select(e => (e.I, e.J, e.A, e.B, e.C)).Order().ToList();
        Assert.Equal(expected, actual);
        // Undirected: every edge has its reverse, the same number of times.
        var reversed = Edges(g).Select(e => (e.J, e.I, -e.A, -e.B, -e.C)).Order().ToList();
        Assert.Equal(actual, reversed);
    }

    [Fact]
    public void KNearest_keeps_the_whole_shell_of_the_kth_neighbour()
    {
        // fcc copper, one atom: the 12 nearest are one shell of self-images; k = 8 still keeps all 12.
        var fcc = new Lattice(new Mat3(0, 1.8, 1.8, 1.8, 0, 1.8, 1.8, 1.8, 0));
        var s = Structure.FromFractional(fcc, new[] { PeriodicTable.Get("Cu") }, new[] { Vec3.Zero }, "Cu");
        var g = GraphBuilder.Build(s, new KNearestGraphSettings { MaxNeighbors = 8 });
        Assert.Equal(12, g.EdgeCount);
        Assert.All(g.Distances, d => Assert.Equal(1.8 * Math.Sqrt(2), d, 1e-5));
    }

    [Property(MaxTest = 40)]
    public void Line_graph_pairs_every_bond_into_an_atom_with_every_bond_out_of_it(int seed)
    {
        var rng = new Random(seed);
        var s = RandomCrystals.Structure(rng, 1 + rng.Next(5), RandomCrystals.Lattice(rng, minWidth: 1.2));
        var g = GraphBuilder.Build(s, GraphSettings.Alignn() with { MaxNeighbors = 1 + rng.Next(8) });
        var lg = g.LineGraph!;
        var expected = new List<(int, int, float)>();
        for (int e1 = 0; e1 < g.EdgeCount; e1++)
        for (int e2 = 0; e2 < g.EdgeCount; e2++)
        {
            if (g.EdgeTarget[e1] != g.EdgeSource[e2]) continue;
            var r1 = new Vec3(-g.BondVectors[3 * e1], -g.BondVectors[3 * e1 + 1], -g.BondVectors[3 * e1 + 2]);
            var r2 = new Vec3(g.BondVectors[3 * e2], g.BondVectors[3 * e2 + 1], g.BondVectors[3 * e2 + 2]);
            expected.Add((e1, e2, (float)Math.Clamp(r1.Dot(r2) / (r1.Norm * r2.Norm), -1, 1)));
        }
        Assert.Equal(expected.Count, lg.Count);
        for (int p = 0; p < lg.Count; p++)
        {
            Assert.Equal((expected[p].Item1, expected[p].Item2), (lg.Source[p], lg.Target[p]));
            Assert.Equal(expected[p].Item3, lg.AngleCosines[p], 1e-5);
        }
        // A bond followed by its own reverse is a zero angle: cosine 1.
        Assert.Contains(Enumerable.Range(0, lg.Count), p => Math.Abs(lg.AngleCosines[p] - 1) < 1e-6);
    }

    [Fact]
    public void Radius_graph_is_the_sorted_neighbour_list()
    {
        var s = Perovskite();
        var g = GraphBuilder.Build(s, GraphSettings.RadiusGraph(5.0));
        var nl = NeighborList.Build(s, 5.0, sortByDistance: true);
        Assert.Equal(nl.Neighbors, g.EdgeTarget);
        Assert.Equal(nl.Centers, g.EdgeSource);
        Assert.Equal(nl.Images, g.Images);
    }

    [Fact]
    public void Collate_concatenates_graphs_and_shifts_indices()
    {
        var rng = new Random(5);
        var graphs = new[]
        {
            GraphBuilder.Build(Perovskite(), GraphSettings.Alignn()),
            GraphBuilder.Build(RandomCrystals.Structure(rng, 3, RandomCrystals.Lattice(rng)), GraphSettings.Alignn()),
            GraphBuilder.Build(Perovskite(4.1).WithId("b"), GraphSettings.Alignn()),
        };
        var batch = GraphBatch.Collate(graphs);
        Assert.Equal(3, batch.Count);
        Assert.Equal(new[] { 0, 5, 8, 13 }, batch.NodeOffsets);
        Assert.Equal(graphs.Sum(g => g.EdgeCount), batch.EdgeCount);
        for (int b = 0; b < 3; b++)
        {
            var g = graphs[b];
            int n0 = batch.NodeOffsets[b], e0 = batch.EdgeOffsets[b], l0 = batch.LineOffsets![b];
            Assert.All(Enumerable.Range(n0, g.NodeCount), n => Assert.Equal(b, batch.NodeCrystal[n]));
            for (int e = 0; e < g.EdgeCount; e++)
            {
                Assert.Equal(g.EdgeSource[e] + n0, batch.EdgeSource[e0 + e]);
                Assert.Equal(g.EdgeTarget[e] + n0, batch.EdgeTarget[e0 + e]);
                Assert.Equal(g.Distances[e], batch.Distances[e0 + e]);
                Assert.Equal(g.BondVectors[3 * e + 2], batch.BondVectors[3 * (e0 + e) + 2]);
            }
            for (int p = 0; p < g.LineGraph!.Count; p++)
            {
                Assert.Equal(g.LineGraph.Source[p] + e0, batch.LineSource![l0 + p]);
                Assert.Equal(g.LineGraph.Target[p] + e0, batch.LineTarget![l0 + p]);
                Assert.Equal(g.LineGraph.AngleCosines[p], batch.AngleCosines![l0 + p]);
            }
        }
        Assert.Null(GraphBatch.Collate(new[] { GraphBuilder.Build(Perovskite(), GraphSettings.Cgcnn()) }).LineSource);
        Assert.Equal(0, GraphBatch.Collate(Array.Empty<CrystalGraph>()).NodeCount);
    }

    [Fact]
    public void BuildAll_matches_one_by_one_and_keeps_order()
    {
        var rng = new Random(9);
        var structures = Enumerable.Range(0, 30).Select(k => RandomCrystals.Structure(rng, 1 + rng.Next(6), RandomCrystals.Lattice(rng)).WithId($"s{k}")).ToList();
        var parallel = GraphBuilder.BuildAll(structures, GraphSettings.Alignn(), threads: 2);
        for (int k = 0; k < structures.Count; k++)
        {
            var single = GraphBuilder.Build(structures[k], GraphSettings.Alignn());
            Assert.Equal($"s{k}", parallel[k].Id);
            Assert.Equal(single.EdgeTarget, parallel[k].EdgeTarget);
            Assert.Equal(single.BondVectors, parallel[k].BondVectors);
            Assert.Equal(single.LineGraph!.AngleCosines, parallel[k].LineGraph!.AngleCosines);
        }
    }

    [Fact]
    public void Disordered_or_empty_structures_are_input_errors_naming_the_structure()
    {
        var site = new Site(new[] { new Occupant(PeriodicTable.Get("Fe"), 0.5), new Occupant(PeriodicTable.Get("Co"), 0.5) }, Vec3.Zero, "M1");
        var disordered = new Structure(Lattice.Cubic(3), new[] { site }, "alloy");
        var e = Assert.Throws<InputError>(() => GraphBuilder.Build(disordered, GraphSettings.Cgcnn()));
        Assert.Contains("alloy", e.Message);
        var g = GraphBuilder.Build(disordered, GraphSettings.Cgcnn() with { Disorder = DisorderPolicy.Majority });
        Assert.Equal(26, g.AtomicNumbers[0]);
        var empty = new Structure(Lattice.Cubic(3), Array.Empty<Site>(), "nothing");
        Assert.Contains("nothing", Assert.Throws<InputError>(() => GraphBuilder.Build(empty, GraphSettings.Cgcnn())).Message);
        Assert.Throws<InputError>(() => GraphBuilder.Build(Perovskite(), new CgcnnGraphSettings { MaxNeighbors = 0 }));
    }

    [Fact]
    public void Absurd_densities_are_refused_with_a_message_naming_the_structure()
    {
        // 0.01 Å cell: a radius graph at 5 Å would hold ~10^11 pairs; refuse before allocating.
        var s = Structure.FromFractional(Lattice.Cubic(0.01), new[] { PeriodicTable.Get("H") }, new[] { Vec3.Zero }, "tiny");
        var e = Assert.Throws<InputError>(() => GraphBuilder.Build(s, GraphSettings.RadiusGraph(5)));
        Assert.Contains("tiny", e.Message);
        Assert.Contains("smaller cutoff", e.Message);
    }

    [Fact]
    public void Settings_keys_distinguish_every_setting()
    {
        var keys = new[]
        {
            GraphSettings.Cgcnn().Key, (GraphSettings.Cgcnn() with { Radius = 6 }).Key, (GraphSettings.Cgcnn() with { MaxNeighbors = 8 }).Key,
            (GraphSettings.Cgcnn() with { PadMissing = false }).Key, (GraphSettings.Cgcnn() with { LineGraph = true }).Key,
            (GraphSettings.Cgcnn() with { Disorder = DisorderPolicy.Majority }).Key, GraphSettings.Alignn().Key,
            (GraphSettings.Alignn() with { Canonize = false }).Key, GraphSettings.RadiusGraph(5).Key, GraphSettings.RadiusGraph(6).Key,
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(GraphSettings.Cgcnn().Key, new CgcnnGraphSettings().Key);
    }
}
