using System.Globalization;

namespace CrystalTransformer.IO.Csv;

/// <summary>Writes result tables as CSV (atomic replace; numbers in invariant culture at round-trip precision, NaN and null as empty cells).</summary>
public static class CsvWriter
{
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows) =>
        TextFiles.WriteAtomic(path, w =>
        {
            w.Write(string.Join(",", header.Select(CsvRowReader.Escape)) + "\n");
            foreach (var row in rows) w.Write(string.Join(",", row.Select(Cell)) + "\n");
        });

    public static string Cell(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => CsvRowReader.Escape(value.ToString() ?? ""),
    };
}
