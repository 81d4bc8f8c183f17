using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Structures;
using FsCheck.Xunit;

namespace CrystalTransformer.Tests.IO;

/// <summary>The transforms of a table specification: std:SPEC, pca:K:SPEC and SPEC+SPEC.</summary>
public sealed class ElementTableSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-specs-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Element E(string s) => PeriodicTable.Get(s);

    [Fact]
    public void TransformsNestAndTheTableIsNamedAfterTheSpecification()
    {
        var joined = ElementTableIO.Load("std:ct-uae-mp+std:cgcnn92");
        Assert.Equal("std:ct-uae-mp+std:cgcnn92", joined.Name);
        Assert.Equal(128 + 92, joined.Dimension);
        Assert.Equal("std:ct-uae-mp/f0", joined.ColumnNames[0]);
        Assert.Equal("std:cgcnn92/f0", joined.ColumnNames[128]);
        var uae = ElementTableIO.Load("ct-uae-mp");
        Assert.Equal(uae.Trained.Where(e => ElementTableIO.Load("cgcnn92").Covers(e)), joined.Elements);
        Assert.Equal(ElementTableIO.Load("std:cgcnn92").Vector(E("Fe")), joined.Vector(E("Fe"))[128..]);

        var reduced = ElementTableIO.Load(" pca:16:std:magpie ");
        Assert.Equal("pca:16:std:magpie", reduced.Name);
        Assert.Equal(16, reduced.Dimension);
        Assert.Equal("pc1", reduced.ColumnNames[0]);
        Assert.Equal(ElementTableIO.Load("magpie").Elements, reduced.Elements);

        // '+' binds loosest: each part carries its own transforms.
        var mixed = ElementTableIO.Load("pca:3:random:8:1+std:random:4:2");
        Assert.Equal(7, mixed.Dimension);
        Assert.Equal("pca:3:random:8:1/pc3", mixed.ColumnNames[2]);

        var standardized = ElementTableIO.Load("std:magpie");
        Assert.Equal("std:magpie", standardized.Name);
        Assert.NotNull(standardized.Scaling);
    }

    [Theory]
    [InlineData("pca:23:magpie", "the number of components must be 1..22 (min of 97 trained elements and width 22 of table 'magpie')")]
    [InlineData("pca:0:magpie", "the number of components must be 1..22")]
    [InlineData("pca:x:magpie", "'x' is not an integer")]
    [InlineData("pca:4", "expected pca:K:SPEC")]
    [InlineData("std:", "the transform names no table")]
    [InlineData("magpie+", "a '+' has no table on one side")]
    [InlineData("std:no-such-table", "unknown embedding 'no-such-table'")]
    public void BadSpecificationsAreOneLineErrors(string spec, string expected)
    {
        var error = Assert.Throws<InputError>(() => ElementTableIO.Load(spec));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void AnExistingPathWinsOverTheGrammar()
    {
        string path = Path.Combine(_dir, "std:a+b.csv");
        File.WriteAllText(path, "element,x\nH,1\nO,3\n");
        var table = ElementTableIO.Load(path);
        Assert.Equal([1.0], table.Vector(E("H")));
        // Transforms of such a path read it too.
        Assert.Equal([-1.0], ElementTableIO.Load($"std:{path}").Vector(E("H")));
        Assert.Equal([1.0], ElementTableIO.Load($"pca:1:std:{path}").Vector(E("O")));
    }

    [Property(MaxTest = 30)]
    public bool StdGivesEveryColumnMeanZeroAndStdOne(int seed)
    {
        int width = 1 + Math.Abs(seed % 7);
        var t = ElementTableIO.Load($"std:random:{width}:{seed}");
        for (int c = 0; c < width; c++)
        {
            var column = t.Trained.Select(e => t[e][c]).ToArray();
            double mean = column.Average(), variance = column.Select(x => (x - mean) * (x - mean)).Average();
            if (Math.Abs(mean) > 1e-12 || Math.Abs(variance - 1) > 1e-12) return false;
        }
        return t.Name == $"std:random:{width}:{seed}";
    }

    /// <summary>Rows mean + A·B over a seeded set of elements: centred rank <paramref name="rank"/>, some extra untrained rows.</summary>
    private static ElementTable LowRank(Random rng, int elements, int width, int rank)
    {
        var a = new double[elements, rank];
        var b = new double[rank, width];
        for (int i = 0; i < elements; i++) for (int k = 0; k < rank; k++) a[i, k] = rng.NextDouble() * 2 - 1;
        for (int k = 0; k < rank; k++) for (int c = 0; c < width; c++) b[k, c] = rng.NextDouble() * 2 - 1;
        var offset = Enumerable.Range(0, width).Select(_ => rng.NextDouble() * 100).ToArray();
        var rows = Enumerable.Range(0, elements + 2).Select(i => (PeriodicTable.Get(i + 1), (IReadOnlyList<double>)Enumerable.Range(0, width)
            .Select(c => offset[c] + (i < elements ? Enumerable.Range(0, rank).Sum(k => a[i, k] * b[k, c]) : rng.NextDouble())).ToArray()));
        return ElementTable.FromRows("low-rank", rows, untrained: [PeriodicTable.Get(elements + 1), PeriodicTable.Get(elements + 2)]);
    }

    [Property(MaxTest = 50)]
    public bool PcaWithAsManyComponentsAsTheRankReconstructsTheTableWithOrthonormalComponents(int seed)
    {
        var rng = new Random(seed);
        int elements = rng.Next(3, 40), width = rng.Next(1, 12), rank = rng.Next(1, Math.Min(elements - 1, width) + 1);
        var table = LowRank(rng, elements, width, rank);
        var pca = ElementTablePca.Fit(table, rank, "pca");
        double scale = table.Trained.Max(e => table.Vector(e).Max(Math.Abs));
        foreach (var e in table.Trained)
            for (int c = 0; c < width; c++)
            {
                double rebuilt = pca.Mean[c] + Enumerable.Range(0, rank).Sum(k => pca.Table[e][k] * pca.Components[k, c]);
                if (Math.Abs(rebuilt - table[e][c]) > 1e-9 * scale) return false;
            }
        for (int k = 0; k < rank; k++)
            for (int l = 0; l < rank; l++)
            {
                double dot = Enumerable.Range(0, width).Sum(c => pca.Components[k, c] * pca.Components[l, c]);
                if (Math.Abs(dot - (k == l ? 1 : 0)) > 1e-10) return false;
            }
        // Sign convention: the largest-magnitude loading of every component is positive.
        for (int k = 0; k < rank; k++)
        {
            var loadings = Enumerable.Range(0, width).Select(c => pca.Components[k, c]).ToArray();
            if (loadings[Array.IndexOf(loadings, loadings.MaxBy(Math.Abs))] <= 0) return false;
        }
        // Projected scores are centred over the trained elements, and untrained rows are projected too.
        var again = ElementTablePca.Fit(table, rank, "pca");
        return table.Elements.All(e => again.Table.Vector(e).SequenceEqual(pca.Table.Vector(e)))
            && pca.Table.Untrained.SequenceEqual(table.Untrained)
            && Enumerable.Range(0, rank).All(k => Math.Abs(table.Trained.Average(e => pca.Table[e][k])) < 1e-9 * scale);
    }

    [Fact]
    public void PcaComponentsComeInOrderOfVariance()
    {
        var pca = ElementTablePca.Fit(ElementTableIO.Load("std:magpie"), 5, "pca:5:std:magpie");
        Assert.Equal(pca.SingularValues.OrderDescending(), pca.SingularValues);
        var variance = Enumerable.Range(0, 5).Select(k => pca.Table.Trained.Average(e => pca.Table[e][k] * pca.Table[e][k])).ToArray();
        Assert.Equal(variance.OrderDescending(), variance);
    }
}
