using CrystalTransformer.Models;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

/// <summary>Small synthetic data sets for fast training tests.</summary>
internal static class TinyData
{
    private static readonly int[] Pool = [1, 3, 8, 11, 14, 20, 22, 26, 29, 38, 56, 82];

    /// <summary>Crystals of 2–<paramref name="maxAtoms"/> atoms in a cubic cell; two targets depending on Z and positions.</summary>
    public static LabelledData Structures(int count = 60, int maxAtoms = 5, int seed = 1, bool withMissing = false)
    {
        var rng = new Random(seed);
        var structures = new List<Structure>();
        for (int i = 0; i < count; i++)
        {
            int n = rng.Next(2, maxAtoms + 1);
            var lattice = Lattice.Cubic(3 + rng.NextDouble() * 2);
            var elements = Enumerable.Range(0, n).Select(_ => PeriodicTable.Get(Pool[rng.Next(Pool.Length)])).ToArray();
            var frac = Enumerable.Range(0, n).Select(_ => new Vec3(rng.NextDouble(), rng.NextDouble(), rng.NextDouble())).ToArray();
            double a = elements.Average(e => e.Z) / 20.0 + frac[0].X;
            double b = withMissing && i % 4 == 1 ? double.NaN : elements.Max(e => e.Z) / 30.0;
            var labels = new Dictionary<string, double> { ["a"] = a, ["b"] = b };
            var s = Structure.FromFractional(lattice, elements, frac, $"s{i}").WithLabels(labels);
            structures.Add(s);
        }
        return LabelledData.FromStructures(structures, ["a", "b"], "tiny", "0", splitSeed: 3);
    }

    public static TransformerConfig TinyModel(bool preNorm = false, Readout readout = Readout.FirstAtom) => new()
    {
        ElementWidth = 8, InputWidth = 8, Layers = 2, Heads = 2, FeedForward = 16, Dropout = 0.1, PreNorm = preNorm, Readout = readout,
    };

    public static TrainingOptions Options(int epochs = 4) => new()
    {
        Epochs = epochs, BatchSize = 8, Optimizer = OptimizerKind.AdamW, LearningRate = 3e-3, WeightDecay = 1e-4,
        Schedule = ScheduleKind.Cosine, WarmupEpochs = 1, GradientClip = 1.0, Seed = 5,
    };

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ct-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
