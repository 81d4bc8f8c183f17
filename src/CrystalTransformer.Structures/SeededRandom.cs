namespace CrystalTransformer.Structures;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by this code alone — not by the .NET version — so that
/// random tables, initialisations and samplings are the same on every machine for a given seed.
/// </summary>
public sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(long seed) => _state = (ulong)seed ^ 0x9E3779B97F4A7C15UL;

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Uniform in (0, 1] (safe for logarithms).</summary>
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / 9007199254740992.0);

    /// <summary>Uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong bound = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % bound);
    }

    /// <summary>Standard normal pair by Box–Muller.</summary>
    public (double, double) NextGaussianPair()
    {
        double r = Math.Sqrt(-2 * Math.Log(NextDoubleNonZero())), t = 2 * Math.PI * NextDoubleNonZero();
        return (r * Math.Cos(t), r * Math.Sin(t));
    }

    public double NextGaussian() => NextGaussianPair().Item1;

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
