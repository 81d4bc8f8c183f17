using System.Text.Json;

namespace CrystalTransformer.Tests.Analysis;

/// <summary>Values computed by scikit-learn/scipy (Fixtures/analysis/generate.py) on fixed inputs.</summary>
internal static class Reference
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "analysis", "reference.json"))));

    public static JsonElement Get(string name) => Doc.Value.RootElement.GetProperty(name);

    public static double[,] Matrix(this JsonElement e, string name)
    {
        var rows = e.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[0].Length; j++) m[i, j] = rows[i][j];
        return m;
    }

    public static double[] Vector(this JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(this JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static double Number(this JsonElement e, string name) => e.GetProperty(name).GetDouble();
}
