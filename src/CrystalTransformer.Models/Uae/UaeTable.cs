using CrystalTransformer.Structures;

namespace CrystalTransformer.Models.Uae;

/// <summary>
/// A ct-UAE: one 128-d (or other width) vector per element Z = 1..MaxZ, taken from the Linear(MaxZ → width) element layer as
/// UAE(Z) = W[:, Z−1] + b (the layer's output for the one-hot vector of Z), plus which rows were trained.
/// </summary>
public sealed class UaeTable
{
    /// <summary>[Z−1][feature]</summary>
    public float[][] Vectors { get; }
    /// <summary>True for elements present in the training data; the other rows are the random initialisation.</summary>
    public bool[] Trained { get; }
    public int Width => Vectors.Length == 0 ? 0 : Vectors[0].Length;
    public int MaxZ => Vectors.Length;

    public UaeTable(float[][] vectors, bool[] trained)
    {
        if (vectors.Length != trained.Length) throw new ArgumentException("vectors and trained flags differ in length");
        Vectors = vectors;
        Trained = trained;
    }

    /// <summary>
    /// Builds the table from a Linear layer's weight (row-major [width, maxZ], PyTorch layout) and bias [width].
    /// <paramref name="trainedZ"/> null means "unknown": every row is taken as trained.
    /// </summary>
    public static UaeTable FromLinear(ReadOnlySpan<float> weight, int width, int maxZ, ReadOnlySpan<float> bias, IEnumerable<int>? trainedZ)
    {
        if (weight.Length != width * maxZ) throw new InputError($"element layer weight has {weight.Length} values, expected {width}×{maxZ}");
        if (bias.Length != width) throw new InputError($"element layer bias has {bias.Length} values, expected {width}");
        var vectors = new float[maxZ][];
        for (int z = 0; z < maxZ; z++)
        {
            vectors[z] = new float[width];
            for (int f = 0; f < width; f++) vectors[z][f] = weight[f * maxZ + z] + bias[f];
        }
        var trained = new bool[maxZ];
        if (trainedZ is null) Array.Fill(trained, true);
        else foreach (int z in trainedZ) if (z >= 1 && z <= maxZ) trained[z - 1] = true;
        return new UaeTable(vectors, trained);
    }

    /// <summary>The shared element-table type (every row; the untrained ones flagged), e.g. for ElementTableIO.WriteUaeFolder.</summary>
    public ElementTable ToElementTable(string name, string? source = null) =>
        ElementTable.FromRows(name,
            Enumerable.Range(1, MaxZ).Select(z => (PeriodicTable.Get(z), (IReadOnlyList<double>)Vectors[z - 1].Select(v => (double)v).ToArray())),
            UntrainedElements, source: source);

    public IEnumerable<Element> TrainedElements => Enumerable.Range(1, MaxZ).Where(z => Trained[z - 1]).Select(PeriodicTable.Get);
    public IEnumerable<Element> UntrainedElements => Enumerable.Range(1, MaxZ).Where(z => !Trained[z - 1]).Select(PeriodicTable.Get);
}
