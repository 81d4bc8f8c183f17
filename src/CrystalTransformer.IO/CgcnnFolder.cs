using System.Globalization;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// The CGCNN data folder: id_prop.csv (no header: id, value[, value ...]) next to one &lt;id&gt;.cif per crystal. The
/// values become labels "target" (one column) or "target0", "target1", ... (several); a first row whose values are not
/// numbers is taken as a header naming them (unless its id names a structure file: then it is a data row with a bad value). ALIGNN's variant, whose first column is a file name with its extension
/// (POSCAR-JVASP-10.vasp), is read the same way. Errors name id_prop.csv and the row.
/// </summary>
public static class CgcnnFolder
{
    public const string IndexFile = "id_prop.csv";

    public static bool IsCgcnnFolder(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, IndexFile));

    public static IEnumerable<Structure> Read(string folder, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        string index = Path.Combine(folder, IndexFile);
        if (!File.Exists(index)) throw new InputError($"folder has no {IndexFile} (the CGCNN layout: {IndexFile} + <id>.cif files)", folder);
        return ReadRows(folder, index, options);
    }

    /// <summary>Most row errors one message lists (the count says how many there are).</summary>
    private const int ShownErrors = 20;

    private sealed record Row(int Number, int Line, string Id, double[] Values, string File);

    /// <summary>
    /// Checks every row of the index first and reports all bad rows in one message (ids without a file, values that are
    /// not numbers, wrong value counts, empty or repeated ids); then reads the structures.
    /// </summary>
    private static IEnumerable<Structure> ReadRows(string folder, string index, ReadOptions options)
    {
        var (names, rows) = ReadIndex(folder, index);
        foreach (var r in rows)
        {
            Structure s;
            try
            {
                s = StructureIO.ReadOne(r.File, options);
            }
            catch (InputError e) when (e.Origin is null)
            {
                throw e.At(r.File);
            }
            var labels = new Dictionary<string, double>();
            for (int i = 0; i < names.Length; i++) labels[names[i]] = r.Values[i];
            yield return new Structure(s.Lattice, s.Sites, r.Id, labels, s.Info);
        }
    }

    private static (string[] Names, List<Row> Rows) ReadIndex(string folder, string index)
    {
        string[]? names = null;
        int row = 0;
        var rows = new List<Row>();
        var errors = new List<(int Line, string Text)>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in CsvRowReader.ReadFile(index))
        {
            var fields = record.Fields.Select(f => f.Trim()).ToList();
            int line = record.Line;
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            row++;
            if (fields.Count < 2) { errors.Add((line, $"row {row}: expected 'id,value', found '{Shorten(string.Join(",", fields))}'")); continue; }
            string id = fields[0];
            var values = new double[fields.Count - 1];
            var bad = new List<string>();
            for (int i = 1; i < fields.Count; i++)
            {
                string v = fields[i];
                if (v.Length == 0 || v.Equals("nan", StringComparison.OrdinalIgnoreCase)) values[i - 1] = double.NaN;
                else if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1])) bad.Add(v);
            }
            string? file = id.Length == 0 ? null : FindFile(folder, id);
            if (names is null)
            {
                // The first row names the columns when its values are not numbers and its id names no structure file;
                // a first row whose id has a file is data, and a bad value there is an error like in any other row.
                if (bad.Count > 0 && row == 1 && file is null)
                {
                    names = fields.Skip(1).ToArray();
                    continue;
                }
                names = values.Length == 1 ? ["target"] : Enumerable.Range(0, values.Length).Select(i => $"target{i}").ToArray();
            }
            string what = $"row {row} (id {id})";
            if (id.Length == 0) errors.Add((line, $"row {row}: empty id"));
            else if (file is null) errors.Add((line, $"row {row}: no structure file for id '{id}' ({id}.cif) in {folder}"));
            if (bad.Count > 0) errors.Add((line, $"{what}: value '{Shorten(bad[0])}' is not a number"));
            if (values.Length != names.Length) errors.Add((line, $"{what}: {values.Length} values, earlier rows have {names.Length}"));
            if (id.Length > 0 && !firstLine.TryAdd(id, line)) errors.Add((line, $"{what}: the id repeats line {firstLine[id]}"));
            if (file is not null && bad.Count == 0 && values.Length == names.Length && id.Length > 0)
                rows.Add(new Row(row, line, id, values, file));
        }
        if (errors.Count == 1) throw new InputError(errors[0].Text, index, errors[0].Line);
        if (errors.Count > 1)
            throw new InputError($"{errors.Count} bad rows: " + string.Join("; ", errors.Take(ShownErrors).Select(e => $"line {e.Line}: {e.Text}"))
                + (errors.Count > ShownErrors ? $"; … ({errors.Count - ShownErrors} more)" : ""), index);
        return (names ?? ["target"], rows);
    }

    private static string? FindFile(string folder, string id)
    {
        if (id.Contains('/') || id.Contains('\\') || id is "." or "..") return null; // ids name files in this folder only
        foreach (var candidate in new[] { id + ".cif", id + ".cif.gz", id })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
