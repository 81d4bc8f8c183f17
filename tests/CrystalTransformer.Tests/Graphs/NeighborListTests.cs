using CrystalTransformer.Graphs;
using CrystalTransformer.Structures;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.Graphs;

public class NeighborListTests
{
    private static HashSet<(int, int, int, int, int)> Keys(NeighborList nl) =>
        Enumerable.Range(0, nl.Count).Select(k => (nl.Centers[k], nl.Neighbors[k], nl.Images[3 * k], nl.Images[3 * k + 1], nl.Images[3 * k + 2])).ToHashSet();

    private static NeighborList Build(Lattice lattice, Vec3[] frac, double r, int threads = 1) => NeighborList.Build(lattice, frac, r, threads);

    [Property(MaxTest = 150)]
    public void Equals_brute_force_on_random_skewed_cells(int seed)
    {
        var rng = new Random(seed);
        var lattice = RandomCrystals.Lattice(rng);
        var frac = RandomCrystals.Frac(rng, 1 + rng.Next(6));
        double r = 0.5 + rng.NextDouble() * 5;
        var nl = Build(lattice, frac, r);
        var brute = BruteForce.Pairs(lattice, frac, r);
        Assert.Equal(brute.Count, nl.Count);
        var expected = brute.ToDictionary(p => (p.I, p.J, p.Na, p.Nb, p.Nc), p => p.D);
        for (int k = 0; k < nl.Count; k++)
        {
            var key = (nl.Centers[k], nl.Neighbors[k], nl.Images[3 * k], nl.Images[3 * k + 1], nl.Images[3 * k + 2]);
            Assert.True(expected.TryGetValue(key, out double d), $"unexpected pair {key} at {nl.Distances[k]} (r = {r})");
            Assert.Equal(d, nl.Distances[k], 1e-9);
        }
    }

    [Property(MaxTest = 100)]
    public void Is_symmetric(int seed)
    {
        var rng = new Random(seed);
        var lattice = RandomCrystals.Lattice(rng);
        var frac = RandomCrystals.Frac(rng, 1 + rng.Next(8));
        var nl = Build(lattice, frac, 1 + rng.NextDouble() * 5);
        var map = new Dictionary<(int, int, int, int, int), double>();
        for (int k = 0; k < nl.Count; k++)
            map[(nl.Centers[k], nl.Neighbors[k], nl.Images[3 * k], nl.Images[3 * k + 1], nl.Images[3 * k + 2])] = nl.Distances[k];
        foreach (var ((i, j, a, b, c), d) in map)
        {
            Assert.True(map.TryGetValue((j, i, -a, -b, -c), out double back), $"({i},{j},{a},{b},{c}) has no reverse pair");
            Assert.Equal(d, back, 1e-12);
        }
    }

    [Property(MaxTest = 60)]
    public void Is_invariant_under_origin_shift_and_wrapping(int seed)
    {
        var rng = new Random(seed);
        var lattice = RandomCrystals.Lattice(rng, minWidth: 1.5);
        var frac = RandomCrystals.Frac(rng, 2 + rng.Next(8));
        double r = 1 + rng.NextDouble() * 5;
        var shift = new Vec3(rng.NextDouble() * 3 - 1, rng.NextDouble() * 3 - 1, rng.NextDouble() * 3 - 1);
        var before = Keys(Build(lattice, frac, r));
        // A common translation leaves every r_j + n·L − r_i, hence every (i, j, n), unchanged.
        Assert.Equal(before, Keys(Build(lattice, frac.Select(f => f + shift).ToArray(), r)));
        // Wrapping the stored coordinates moves atom j by an integer s_j: the image becomes n + s_j − s_i.
        var wrapped = frac.Select(f => f.Wrap()).ToArray();
        var s = frac.Select((f, i) => f - wrapped[i]).Select(d => (A: (int)Math.Round(d.X), B: (int)Math.Round(d.Y), C: (int)Math.Round(d.Z))).ToArray();
        var mapped = Keys(Build(lattice, wrapped, r)).Select(k =>
            (k.Item1, k.Item2, k.Item3 - s[k.Item2].A + s[k.Item1].A, k.Item4 - s[k.Item2].B + s[k.Item1].B, k.Item5 - s[k.Item2].C + s[k.Item1].C)).ToHashSet();
        Assert.Equal(before, mapped);
    }

    [Property(MaxTest = 60)]
    public void Is_invariant_under_change_of_cell_basis(int seed)
    {
        var rng = new Random(seed);
        var lattice = RandomCrystals.Lattice(rng, minWidth: 1.5);
        var frac = RandomCrystals.Frac(rng, 1 + rng.Next(6));
        double r = 1 + rng.NextDouble() * 4;
        // Same crystal, other basis: L' = M·L and f' = f·M⁻¹; an image n' in the new basis is n = n'·M in the old one.
        var m = RandomCrystals.Unimodular(rng);
        var mm = RandomCrystals.ToMat3(m);
        var other = new Lattice(mm * lattice.Matrix);
        var inv = mm.Inverse();
        var frac2 = frac.Select(f => f * inv).ToArray();
        var expected = Keys(Build(lattice, frac, r));
        var actual = Keys(Build(other, frac2, r)).Select(k =>
        {
            var (i, j, a, b, c) = k;
            return (i, j, a * m[0, 0] + b * m[1, 0] + c * m[2, 0], a * m[0, 1] + b * m[1, 1] + c * m[2, 1], a * m[0, 2] + b * m[1, 2] + c * m[2, 2]);
        }).ToHashSet();
        Assert.Equal(expected, actual);
    }

    [Property(MaxTest = 40)]
    public void Supercell_has_eight_times_the_pairs_at_the_same_distances(int seed)
    {
        var rng = new Random(seed);
        var lattice = RandomCrystals.Lattice(rng, minWidth: 1.2);
        var frac = RandomCrystals.Frac(rng, 1 + rng.Next(4));
        double r = 1 + rng.NextDouble() * 4;
        var big = new Lattice(2 * lattice.Matrix);
        var cells = new List<(int I, int A, int B, int C)>();
        var bigFrac = new List<Vec3>();
        for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++)
            for (int i = 0; i < frac.Length; i++) { cells.Add((i, a, b, c)); bigFrac.Add((frac[i] + new Vec3(a, b, c)) / 2); }
        var small = Build(lattice, frac, r);
        var super = Build(big, bigFrac.ToArray(), r);
        Assert.Equal(8 * small.Count, super.Count);
        Assert.Equal(small.Distances.SelectMany(d => Enumerable.Repeat(d, 8)).Order(), super.Distances.Order(), new DoubleTolerance(1e-9));
        // Every supercell pair maps to an original pair: n = c_j − c_i + 2n'; each appears once per copy of its centre.
        var counts = new Dictionary<(int, int, int, int, int), int>();
        for (int k = 0; k < super.Count; k++)
        {
            var ci = cells[super.Centers[k]]; var cj = cells[super.Neighbors[k]];
            var key = (ci.I, cj.I, cj.A - ci.A + 2 * super.Images[3 * k], cj.B - ci.B + 2 * super.Images[3 * k + 1], cj.C - ci.C + 2 * super.Images[3 * k + 2]);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(Keys(small), counts.Keys.ToHashSet());
        Assert.All(counts.Values, v => Assert.Equal(8, v));
    }

    [Fact]
    public void Includes_self_images_and_excludes_the_zero_distance_self_pair()
    {
        var nl = NeighborList.Build(Lattice.Cubic(3.0), new[] { new Vec3(0.2, 0.3, 0.4) }, 3.05);
        Assert.Equal(6, nl.Count);
        Assert.All(nl.Neighbors, j => Assert.Equal(0, j));
        Assert.All(nl.Distances, d => Assert.Equal(3.0, d, 1e-12));
        var images = Enumerable.Range(0, 6).Select(k => nl.Image(k)).ToHashSet();
        Assert.Contains((1, 0, 0), images);
        Assert.Contains((0, 0, -1), images);
    }

    [Fact]
    public void Reports_images_relative_to_stored_coordinates_like_pymatgen()
    {
        // pymatgen: Structure(Lattice.cubic(4), ["Cu","Cu"], [[0.2,0.3,1.7],[0.5,-0.5,0.5]]).get_neighbor_list(3.0)
        // gives (0, 1, [0, 1, 1], 1.649242250247064) and (1, 0, [0, -1, -1], 1.649242250247064).
        var nl = NeighborList.Build(Lattice.Cubic(4.0), new[] { new Vec3(0.2, 0.3, 1.7), new Vec3(0.5, -0.5, 0.5) }, 3.0, sortByDistance: true);
        Assert.Equal(2, nl.Count);
        Assert.Equal((0, 1), (nl.Centers[0], nl.Neighbors[0]));
        Assert.Equal((0, 1, 1), nl.Image(0));
        Assert.Equal((0, -1, -1), nl.Image(1));
        Assert.Equal(1.649242250247064, nl.Distances[0], 1e-12);
    }

    [Fact]
    public void Counts_pairs_at_exactly_the_cutoff()
    {
        var nl = NeighborList.Build(Lattice.Cubic(4.0), new[] { Vec3.Zero }, 4.0);
        Assert.Equal(6, nl.Count);
    }

    [Fact]
    public void Tiny_perovskite_cell_reaches_many_images_at_8_angstrom()
    {
        var lattice = Lattice.Cubic(3.9);
        var frac = new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0.5, 0.5), new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5) };
        var nl = NeighborList.Build(lattice, frac, 8.0);
        Assert.Equal(BruteForce.Pairs(lattice, frac, 8.0).Count, nl.Count);
        Assert.True(nl.Count > 5 * 100);
        Assert.True(nl.Images.Max() >= 2);
    }

    [Fact]
    public void Output_is_identical_for_any_thread_count()
    {
        var rng = new Random(7);
        var lattice = new Lattice(new Mat3(30, 0, 0, 4, 29, 0, -3, 5, 31));
        var frac = Enumerable.Range(0, 3000).Select(_ => new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble())).ToArray();
        var one = NeighborList.Build(lattice, frac, 4.0, threads: 1);
        var two = NeighborList.Build(lattice, frac, 4.0, threads: 2);
        Assert.Equal(one.RowOffsets, two.RowOffsets);
        Assert.Equal(one.Neighbors, two.Neighbors);
        Assert.Equal(one.Images, two.Images);
        Assert.Equal(one.Distances, two.Distances);
        var sample = Enumerable.Range(0, 40).Select(i => frac[i * 70]).ToArray();
        Assert.Equal(BruteForce.Pairs(lattice, sample, 9.0).Count, NeighborList.Build(lattice, sample, 9.0).Count);
    }

    [Fact]
    public void Sorted_lists_are_ordered_by_distance_within_each_centre()
    {
        var rng = new Random(3);
        var lattice = RandomCrystals.Lattice(rng);
        var frac = RandomCrystals.Frac(rng, 5);
        var nl = NeighborList.Build(lattice, frac, 4.0, sortByDistance: true);
        for (int i = 0; i < nl.AtomCount; i++)
            for (int k = nl.RowOffsets[i] + 1; k < nl.RowOffsets[i + 1]; k++)
                Assert.True(nl.Distances[k - 1] <= nl.Distances[k]);
    }

    [Fact]
    public void Bad_cutoffs_are_one_line_input_errors()
    {
        var frac = new[] { Vec3.Zero };
        Assert.Throws<InputError>(() => NeighborList.Build(Lattice.Cubic(3), frac, 0));
        Assert.Throws<InputError>(() => NeighborList.Build(Lattice.Cubic(3), frac, double.NaN));
        var e = Assert.Throws<InputError>(() => NeighborList.Build(Lattice.Cubic(1), frac, 2000));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Per_atom_counts_and_nearest_distances()
    {
        // Rock salt (a = 5.64 Å) at 3 Å: every atom has 6 neighbours at 2.82 Å; an isolated atom has none.
        var nacl = NeighborList.Build(Lattice.Cubic(5.64), new[] { new Vec3(0, 0, 0), new Vec3(0.5, 0, 0), new Vec3(0, 0.5, 0), new Vec3(0, 0, 0.5),
            new Vec3(0.5, 0.5, 0), new Vec3(0.5, 0, 0.5), new Vec3(0, 0.5, 0.5), new Vec3(0.5, 0.5, 0.5) }, 3.0);
        Assert.All(nacl.CountPerAtom(), c => Assert.Equal(6, c));
        Assert.All(nacl.NearestDistancePerAtom(), d => Assert.Equal(2.82, d, 1e-9));
        var lonely = NeighborList.Build(Lattice.Cubic(10), new[] { Vec3.Zero }, 3.0);
        Assert.Equal(new[] { 0 }, lonely.CountPerAtom());
        Assert.True(double.IsNaN(lonely.NearestDistancePerAtom()[0]));
    }

    [Fact]
    public void Empty_structure_has_no_pairs()
    {
        var nl = NeighborList.Build(Lattice.Cubic(3), Array.Empty<Vec3>(), 5);
        Assert.Equal(0, nl.Count);
        Assert.Equal(new[] { 0 }, nl.RowOffsets);
    }

    private sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
