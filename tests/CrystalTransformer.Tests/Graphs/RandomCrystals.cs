using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.Graphs;

/// <summary>Random small crystals for property tests, including very skewed cells and unwrapped coordinates.</summary>
internal static class RandomCrystals
{
    /// <summary>A random lattice: random rows (often far from orthogonal), faces at least <paramref name="minWidth"/> Å apart.</summary>
    public static Lattice Lattice(Random rng, double minWidth = 0.8, double maxLength = 7)
    {
        while (true)
        {
            Vec3 Row() => new((rng.NextDouble() * 2 - 1) * maxLength, (rng.NextDouble() * 2 - 1) * maxLength, (rng.NextDouble() * 2 - 1) * maxLength);
            var m = Mat3.FromRows(Row(), Row(), Row());
            if (Math.Abs(m.Determinant) < 1.0) continue;
            var lattice = new Lattice(m);
            var w = lattice.PerpendicularWidths;
            if (Math.Min(w.X, Math.Min(w.Y, w.Z)) >= minWidth) return lattice;
        }
    }

    /// <summary>Random fractional coordinates, deliberately outside [0, 1) (stored coordinates need not be wrapped).</summary>
    public static Vec3[] Frac(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => new Vec3(rng.NextDouble() * 4 - 1.5, rng.NextDouble() * 4 - 1.5, rng.NextDouble() * 4 - 1.5)).ToArray();

    public static Structure Structure(Random rng, int n, Lattice lattice)
    {
        var elements = Enumerable.Range(0, n).Select(_ => PeriodicTable.Get(1 + rng.Next(80))).ToArray();
        return CrystalTransformer.Structures.Structure.FromFractional(lattice, elements, Frac(rng, n), "random");
    }

    /// <summary>A random unimodular integer matrix (determinant ±1): a product of shears and a swap.</summary>
    public static int[,] Unimodular(Random rng)
    {
        var m = new int[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        for (int step = 0; step < 4; step++)
        {
            int a = rng.Next(3), b = (a + 1 + rng.Next(2)) % 3, k = rng.Next(-2, 3);
            for (int c = 0; c < 3; c++) m[a, c] += k * m[b, c]; // row a += k · row b
        }
        if (rng.Next(2) == 0)
            for (int c = 0; c < 3; c++) (m[0, c], m[1, c]) = (m[1, c], m[0, c]);
        return m;
    }

    public static Mat3 ToMat3(int[,] m) => new(m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2], m[2, 0], m[2, 1], m[2, 2]);
}
