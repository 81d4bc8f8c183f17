using System.Globalization;
using System.IO.Compression;
using CrystalTransformer.Models;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>
/// Reads composition-only data: a CSV (optionally .gz) with a <c>composition</c> column (formula), an optional id column
/// (<c>task_id</c>, <c>id</c> or <c>material_id</c>), numeric target columns and an optional <c>split</c> column.
/// </summary>
public static class CompositionData
{
    private static readonly string[] NonLabelColumns = ["composition", "formula", "task_id", "id", "material_id", "split"];

    /// <summary>The header's column names.</summary>
    public static string[] Header(string path)
    {
        using var reader = Open(path);
        return Split(reader.ReadLine() ?? "", path, 1).Select(h => h.Trim().Trim('"')).ToArray();
    }

    /// <summary>The columns that can be targets: every column except the composition, id and split columns.</summary>
    public static IReadOnlySet<string> LabelColumns(string path) =>
        Header(path).Where(h => !NonLabelColumns.Contains(h.ToLowerInvariant())).ToHashSet(StringComparer.Ordinal);

    private static StreamReader Open(string path)
    {
        if (!File.Exists(path)) throw new InputError("file not found", path);
        Stream stream = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream);
    }

    public static LabelledData Read(string path, IReadOnlyList<string> targets, int splitSeed = 42)
    {
        using var reader = Open(path);
        var header = Split(reader.ReadLine() ?? throw new InputError("empty file", path), path, 1);
        int col(string name) => Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        int compCol = col("composition");
        if (compCol < 0) compCol = col("formula");
        if (compCol < 0) throw new InputError("no 'composition' (or 'formula') column in the header", path, 1);
        int idCol = new[] { "task_id", "id", "material_id" }.Select(col).FirstOrDefault(i => i >= 0, -1);
        int splitCol = col("split");
        var targetCols = targets.Select(t => col(t) is int c and >= 0 ? c
            : throw new InputError($"no column '{t}' (columns: {string.Join(", ", header)})", path, 1)).ToArray();

        var entries = new List<DataEntry>();
        var labels = new List<double[]>();
        var rows = new List<int>();
        var splits = new List<Split>();
        string? line;
        int lineNo = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var f = Split(line, path, lineNo);
            if (f.Length != header.Length) throw new InputError($"{f.Length} fields where the header has {header.Length}", path, lineNo);
            Composition comp;
            try { comp = Composition.Parse(f[compCol]); }
            catch (InputError e) { throw e.At(path, lineNo); }
            string id = idCol >= 0 ? f[idCol] : $"{lineNo - 1}";
            entries.Add(new DataEntry(id, comp));
            labels.Add(targetCols.Select((c, k) => ParseLabel(f[c], targets[k], path, lineNo)).ToArray());
            rows.Add(lineNo);
            if (splitCol >= 0) splits.Add(LabelledData.ParseSplit(f[splitCol], path, lineNo));
        }
        string how = splitCol >= 0 ? "column 'split' of the data" : $"random 80/10/10 (System.Random seed {splitSeed})";
        var splitArray = splitCol >= 0 ? splits.ToArray() : LabelledData.RandomSplit(entries.Count, splitSeed);
        return new LabelledData(entries, targets, labels.ToArray(), splitArray, rows.ToArray(), path,
            RunEnvironment.HashFiles([path]), how);
    }

    private static double ParseLabel(string text, string target, string path, int line)
    {
        text = text.Trim();
        if (text.Length == 0 || text.Equals("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InputError($"'{target}' value '{text}' is not a number", path, line);
    }

    /// <summary>Splits a CSV line, honouring double-quoted fields (no embedded newlines in this format).</summary>
    private static string[] Split(string line, string path, int lineNo)
    {
        if (!line.Contains('"')) return line.Split(',');
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        if (quoted) throw new InputError("unterminated quoted field", path, lineNo);
        fields.Add(current.ToString());
        return fields.ToArray();
    }
}
