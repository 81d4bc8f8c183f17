using System.Globalization;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// The CGCNN data folder: id_prop.csv (no header: id, value[, value ...]) next to one &lt;id&gt;.cif per crystal. The
/// values become labels "target" (one column) or "target0", "target1", ... (several); a first row whose values are not
/// numbers is taken as a header naming them. ALIGNN's variant, whose first column is a file name with its extension
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

    private static IEnumerable<Structure> ReadRows(string folder, string index, ReadOptions options)
    {
        string[]? names = null;
        int row = 0;
        foreach (var record in CsvRowReader.ReadFile(index))
        {
            var fields = record.Fields.Select(f => f.Trim()).ToList();
            int line = record.Line;
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            row++;
            if (fields.Count < 2) throw new InputError($"row {row}: expected 'id,value', found '{Shorten(string.Join(",", fields))}'", index, line);
            var values = new double[fields.Count - 1];
            bool allNumbers = true;
            for (int i = 1; i < fields.Count; i++)
            {
                string v = fields[i];
                if (v.Length == 0 || v.Equals("nan", StringComparison.OrdinalIgnoreCase)) values[i - 1] = double.NaN;
                else if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1])) allNumbers = false;
            }
            if (names is null)
            {
                if (!allNumbers && row == 1)
                {
                    names = fields.Skip(1).ToArray(); // a header row
                    continue;
                }
                names = values.Length == 1 ? ["target"] : Enumerable.Range(0, values.Length).Select(i => $"target{i}").ToArray();
            }
            if (!allNumbers)
            {
                int bad = Enumerable.Range(1, fields.Count - 1).First(i => !double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _) && fields[i].Length > 0 && !fields[i].Equals("nan", StringComparison.OrdinalIgnoreCase));
                throw new InputError($"row {row} (id {fields[0]}): value '{Shorten(fields[bad])}' is not a number", index, line);
            }
            if (values.Length != names.Length)
                throw new InputError($"row {row} (id {fields[0]}): {values.Length} values, earlier rows have {names.Length}", index, line);
            string id = fields[0];
            if (id.Length == 0) throw new InputError($"row {row}: empty id", index, line);
            string file = FindFile(folder, id)
                ?? throw new InputError($"row {row}: no structure file for id '{id}' ({id}.cif) in {folder}", index, line);
            Structure s;
            try
            {
                s = StructureIO.ReadOne(file, options);
            }
            catch (InputError e) when (e.Origin is null)
            {
                throw e.At(file);
            }
            var labels = new Dictionary<string, double>();
            for (int i = 0; i < names.Length; i++) labels[names[i]] = values[i];
            yield return new Structure(s.Lattice, s.Sites, id, labels, s.Info);
        }
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
