using CrystalTransformer.Structures;

namespace CrystalTransformer.Graphs;

/// <summary>
/// All periodic neighbour pairs within a cutoff, as flat arrays (CSR by centre) ready to become tensors.
/// <para>
/// Pair k says: atom <see cref="Neighbors"/>[k] translated by the image offset n = <see cref="Images"/>[3k..3k+3]
/// lattice vectors lies at distance <see cref="Distances"/>[k] from atom <see cref="Centers"/>[k]:
/// d = |r_j + n·L − r_i|, where r are the structure's <b>stored</b> coordinates (not wrapped into the cell) and the rows
/// of L are the cell vectors — the convention of pymatgen's <c>get_neighbor_list</c>. Pairs are included when
/// d² &lt; cutoff² + 1e-8 Å² (pymatgen's tolerance, so pairs exactly at the cutoff count). Periodic self-images
/// (i == j, n ≠ 0) are included; the zero-distance self pair is not. Two distinct atoms at the same position are a pair at
/// distance 0.
/// </para>
/// <para>
/// Centres are sorted ascending (pairs of centre i are [<see cref="RowOffsets"/>[i], <see cref="RowOffsets"/>[i+1])).
/// Within a centre the order is deterministic: by distance (then neighbour index, then image) when built with
/// <c>sortByDistance</c>, otherwise the search order. The list is symmetric: (i, j, n) at d implies (j, i, −n) at d.
/// </para>
/// </summary>
public sealed class NeighborList
{
    /// <summary>Number of atoms (centres).</summary>
    public int AtomCount { get; }
    /// <summary>The cutoff radius (Å) the list was built with.</summary>
    public double Cutoff { get; }
    /// <summary>[AtomCount + 1]: pairs of centre i are RowOffsets[i] .. RowOffsets[i+1]−1.</summary>
    public int[] RowOffsets { get; }
    /// <summary>[Count] centre atom of each pair, ascending.</summary>
    public int[] Centers { get; }
    /// <summary>[Count] neighbour atom of each pair.</summary>
    public int[] Neighbors { get; }
    /// <summary>[3·Count] image offset (na, nb, nc) of each pair, relative to the stored coordinates.</summary>
    public int[] Images { get; }
    /// <summary>[Count] distance (Å).</summary>
    public double[] Distances { get; }

    /// <summary>Number of pairs (each unordered pair appears twice, once from each end).</summary>
    public int Count => Neighbors.Length;

    internal NeighborList(int atoms, double cutoff, int[] rowOffsets, int[] centers, int[] neighbors, int[] images, double[] distances)
    {
        AtomCount = atoms; Cutoff = cutoff; RowOffsets = rowOffsets; Centers = centers; Neighbors = neighbors; Images = images; Distances = distances;
    }

    /// <summary>Image offset of pair k.</summary>
    public (int A, int B, int C) Image(int k) => (Images[3 * k], Images[3 * k + 1], Images[3 * k + 2]);

    /// <summary>Number of neighbours of each atom (what <c>ct inspect --neighbors</c> prints).</summary>
    public int[] CountPerAtom()
    {
        var counts = new int[AtomCount];
        for (int i = 0; i < AtomCount; i++) counts[i] = RowOffsets[i + 1] - RowOffsets[i];
        return counts;
    }

    /// <summary>Distance to the nearest neighbour of each atom (Å); NaN for an atom with none within the cutoff.</summary>
    public double[] NearestDistancePerAtom()
    {
        var nearest = new double[AtomCount];
        for (int i = 0; i < AtomCount; i++)
        {
            double best = double.NaN;
            for (int k = RowOffsets[i]; k < RowOffsets[i + 1]; k++)
                if (!(Distances[k] >= best)) best = Distances[k];
            nearest[i] = best;
        }
        return nearest;
    }

    /// <summary>Builds the neighbour list of a structure (only the lattice and coordinates are used).</summary>
    /// <param name="structure">Any structure; species do not matter.</param>
    /// <param name="cutoff">Cutoff radius in Å (positive).</param>
    /// <param name="threads">Threads to split the centres over (1 = the calling thread only).</param>
    /// <param name="sortByDistance">Sort each centre's neighbours by distance, then index, then image.</param>
    public static NeighborList Build(Structure structure, double cutoff, int threads = 1, bool sortByDistance = false)
    {
        var frac = new Vec3[structure.Count];
        for (int i = 0; i < frac.Length; i++) frac[i] = structure.Sites[i].Frac;
        return Build(structure.Lattice, frac, cutoff, threads, sortByDistance);
    }

    /// <summary>Builds the neighbour list of fractional coordinates in a lattice.</summary>
    public static NeighborList Build(Lattice lattice, ReadOnlySpan<Vec3> frac, double cutoff, int threads = 1, bool sortByDistance = false)
    {
        if (!(cutoff > 0) || !double.IsFinite(cutoff)) throw new InputError($"neighbour cutoff must be a positive number of Å, got {cutoff}");
        CheckSize(frac.Length, lattice, cutoff);
        var grid = new PeriodicGrid(lattice.Matrix, frac, cutoff);
        int n = frac.Length;
        threads = Math.Max(1, threads);
        // Blocks of centres; a fixed block layout makes the output order independent of the thread count.
        int blockSize = Math.Max(64, Math.Min(4096, (n + 15) / 16));
        int blocks = n == 0 ? 0 : (n + blockSize - 1) / blockSize;
        var results = new PairSegments[blocks];
        var counts = new int[n];
        void RunBlock(int b)
        {
            var seg = new PairSegments();
            var sink = new SegmentSink(seg);
            int start = b * blockSize, end = Math.Min(n, start + blockSize);
            var scratch = sortByDistance ? new PairList(64) : default;
            for (int i = start; i < end; i++)
            {
                long before = seg.Count;
                if (sortByDistance)
                {
                    scratch.Count = 0;
                    grid.Query(i, cutoff, ref scratch);
                    var span = scratch.AsSpan();
                    span.Sort(new PairComparer());
                    foreach (ref readonly var p in span) seg.Add(p.J, p.Na, p.Nb, p.Nc, p.D2);
                }
                else grid.Query(i, cutoff, ref sink);
                counts[i] = checked((int)(seg.Count - before));
            }
            results[b] = seg;
        }
        if (threads == 1 || blocks <= 1) for (int b = 0; b < blocks; b++) RunBlock(b);
        else Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, RunBlock);

        long total = 0;
        foreach (var r in results) total += r.Count;
        if (total > Array.MaxLength / 3) throw new InputError($"{total} neighbour pairs within {cutoff} Å is more than one list can hold; use a smaller cutoff");
        int count = (int)total;
        var rowOffsets = new int[n + 1];
        for (int i = 0; i < n; i++) rowOffsets[i + 1] = rowOffsets[i] + counts[i];
        // Every element is written below, so skip the zeroing pass (for large lists it costs as much as the copy).
        var centers = GC.AllocateUninitializedArray<int>(count);
        var neighbors = GC.AllocateUninitializedArray<int>(count);
        var images = GC.AllocateUninitializedArray<int>(3 * count);
        var distances = GC.AllocateUninitializedArray<double>(count);
        void CopyBlock(int b)
        {
            int start = b * blockSize, end = Math.Min(n, start + blockSize);
            for (int i = start; i < end; i++) centers.AsSpan(rowOffsets[i], counts[i]).Fill(i);
            int k = rowOffsets[start];
            foreach (var segment in results[b].Segments())
            {
                foreach (ref readonly var p in segment.AsSpan())
                {
                    neighbors[k] = p.J;
                    images[3 * k] = p.Na; images[3 * k + 1] = p.Nb; images[3 * k + 2] = p.Nc;
                    distances[k] = Math.Sqrt(p.D2);
                    k++;
                }
            }
            results[b] = null!; // release the block as soon as it is copied
        }
        // Blocks land at their own offsets, so the copy runs in parallel too.
        if (threads == 1 || blocks <= 1) for (int b = 0; b < blocks; b++) CopyBlock(b);
        else Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, CopyBlock);
        return new NeighborList(n, cutoff, rowOffsets, centers, neighbors, images, distances);
    }

    /// <summary>
    /// Most pairs one list may hold (about 50 bytes each while building, so about 2 GB): far beyond any real crystal at
    /// sane cutoffs (a 97,000-atom NaCl supercell has 9 million pairs within 8 Å).
    /// </summary>
    public const double MaxPairs = 4e7;

    /// <summary>Most periodic images a search may visit per atom (cells far thinner than the cutoff).</summary>
    public const double MaxImages = 1e6;

    /// <summary>Refuses cutoffs that would produce more pairs than memory can hold, before trying.</summary>
    internal static void CheckSize(int atoms, Lattice lattice, double cutoff)
    {
        double volume = lattice.Volume;
        var w = lattice.PerpendicularWidths;
        double images = (2 * Math.Ceiling(cutoff / w.X) + 1) * (2 * Math.Ceiling(cutoff / w.Y) + 1) * (2 * Math.Ceiling(cutoff / w.Z) + 1);
        if (!(images <= MaxImages))
            throw new InputError($"a cutoff of {cutoff:G4} Å reaches about {images:G3} periodic images of a cell {Math.Min(w.X, Math.Min(w.Y, w.Z)):G3} Å thin: the cell is too thin for this cutoff (use a smaller cutoff)");
        double expected = atoms * PeriodicGrid.ExpectedNeighbors(atoms, volume, cutoff);
        if (!(expected <= MaxPairs))
            throw new InputError($"a cutoff of {cutoff:G4} Å gives about {expected:G3} neighbour pairs for {atoms} atoms in {volume:G4} Å³; use a smaller cutoff");
    }
}
