using System.Globalization;
using System.Text;

namespace CrystalTransformer.Models.Uae;

/// <summary>
/// Writes a ct-UAE folder: <c>uae.csv</c> (element,f0..f127; trained elements only), <c>untrained.txt</c> (one symbol per
/// line), <c>atom_init.json</c> (CGCNN format, keys "1".."MaxZ", every row; untrained rows listed in untrained.txt) and
/// <c>uae_elementembeddings.json</c> (symbol → vector, trained elements only, as the ElementEmbeddings package reads).
/// </summary>
public static class UaeFolder
{
    public const string CsvFile = "uae.csv", UntrainedFile = "untrained.txt", AtomInitFile = "atom_init.json", ElementEmbeddingsFile = "uae_elementembeddings.json";

    public static void Write(UaeTable table, string dir)
    {
        Directory.CreateDirectory(dir);
        var trained = table.TrainedElements.ToArray();
        var csv = new StringBuilder("element");
        for (int f = 0; f < table.Width; f++) csv.Append(",f").Append(f);
        csv.Append('\n');
        foreach (var e in trained) csv.Append(e.Symbol).Append(',').Append(Numbers(table.Vectors[e.Z - 1])).Append('\n');
        File.WriteAllText(Path.Combine(dir, CsvFile), csv.ToString());
        File.WriteAllText(Path.Combine(dir, UntrainedFile), string.Concat(table.UntrainedElements.Select(e => e.Symbol + "\n")));
        File.WriteAllText(Path.Combine(dir, AtomInitFile),
            "{" + string.Join(", ", Enumerable.Range(1, table.MaxZ).Select(z => $"\"{z}\": [{Numbers(table.Vectors[z - 1], ", ")}]")) + "}\n");
        File.WriteAllText(Path.Combine(dir, ElementEmbeddingsFile),
            "{" + string.Join(", ", trained.Select(e => $"\"{e.Symbol}\": [{Numbers(table.Vectors[e.Z - 1], ", ")}]")) + "}\n");
    }

    private static string Numbers(float[] v, string separator = ",") =>
        string.Join(separator, v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
}
