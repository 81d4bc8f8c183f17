namespace CrystalTransformer.Training;

/// <summary>Order of the training batches of one epoch.</summary>
public static class Batching
{
    /// <summary>Crystals per bucket window: sorting inside windows of this many batches keeps the order random across windows.</summary>
    public const int BucketWindowBatches = 32;

    /// <summary>
    /// Shuffles <paramref name="indices"/> with <paramref name="rng"/> and cuts them into batches. With
    /// <paramref name="bucketBySize"/>, each window of <see cref="BucketWindowBatches"/> batches is sorted by size before
    /// cutting (so a batch holds crystals of similar size and little padding) and the batches are shuffled again.
    /// </summary>
    public static List<int[]> Plan(IReadOnlyList<int> indices, IReadOnlyList<int> sizes, int batchSize, Random rng, bool bucketBySize)
    {
        var order = indices.ToArray();
        rng.Shuffle(order);
        var batches = new List<int[]>();
        if (!bucketBySize)
        {
            for (int start = 0; start < order.Length; start += batchSize)
                batches.Add(order[start..Math.Min(order.Length, start + batchSize)]);
            return batches;
        }
        int window = batchSize * BucketWindowBatches;
        for (int w = 0; w < order.Length; w += window)
        {
            var part = order[w..Math.Min(order.Length, w + window)].OrderBy(i => sizes[i]).ToArray(); // stable sort: deterministic
            for (int start = 0; start < part.Length; start += batchSize)
                batches.Add(part[start..Math.Min(part.Length, start + batchSize)]);
        }
        var shuffled = batches.ToArray();
        rng.Shuffle(shuffled);
        return shuffled.ToList();
    }

    /// <summary>
    /// Cuts one batch into consecutive parts whose summed <paramref name="cost"/> stays within <paramref name="budget"/>
    /// (a part holds at least one item; budget ≤ 0 or a batch within it gives the batch itself).
    /// </summary>
    public static List<int[]> SplitByCost(int[] batch, Func<int, double> cost, double budget)
    {
        if (budget <= 0) return [batch];
        var parts = new List<int[]>();
        int start = 0;
        double sum = 0;
        for (int k = 0; k < batch.Length; k++)
        {
            double c = cost(batch[k]);
            if (k > start && sum + c > budget)
            {
                parts.Add(batch[start..k]);
                start = k;
                sum = 0;
            }
            sum += c;
        }
        parts.Add(batch[start..]);
        return parts;
    }

    /// <summary>Fraction of padded token slots over all batches (0 = no padding).</summary>
    public static double PaddingFraction(IEnumerable<int[]> batches, IReadOnlyList<int> sizes)
    {
        long slots = 0, real = 0;
        foreach (var b in batches)
        {
            int max = b.Max(i => sizes[i]);
            slots += (long)max * b.Length;
            real += b.Sum(i => (long)sizes[i]);
        }
        return slots == 0 ? 0 : 1.0 - (double)real / slots;
    }
}
