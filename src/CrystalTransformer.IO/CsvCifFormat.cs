using System.Globalization;
using System.Text;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// A CSV table with one crystal per row, the CIF text in a quoted (multi-line) column — the layout of the perov5, MP-20
/// and carbon-24 sets. Numeric columns become <see cref="Structure.Labels"/> (empty or "nan" = missing), text columns
/// <see cref="Structure.Info"/> (for example Info["split"]); the id comes from "id", else "material_id", else the row
/// number. A row that cannot be used is an error naming the file, its line and row number.
/// </summary>
public sealed class CsvCifFormat : IStructureFormat
{
    public string Name => "csv";
    public IReadOnlyList<string> Extensions { get; } = [".csv"];
    public bool CanWrite => true;

    public bool Sniff(string head)
    {
        int nl = head.IndexOfAny(['\n', '\r']);
        string first = nl < 0 ? head : head[..nl];
        return first.Contains(',') && first.Split(',').Any(c => c.Trim().Trim('"').Equals("cif", StringComparison.OrdinalIgnoreCase));
    }

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options)
    {
        using var records = CsvRowReader.Read(reader, source).GetEnumerator();
        if (!records.MoveNext()) throw new InputError("empty CSV file (no header row)", source, 1);
        var header = records.Current.Fields.Select(h => h.Trim()).ToList();
        int cifCol = header.FindIndex(h => h.Equals(options.CifColumn, StringComparison.OrdinalIgnoreCase));
        if (cifCol < 0)
            throw new InputError($"no '{options.CifColumn}' column holding CIF text (columns: {string.Join(", ", header)})", source, 1);
        int idCol = options.IdColumn is { } named
            ? header.FindIndex(h => h.Equals(named, StringComparison.OrdinalIgnoreCase))
            : header.FindIndex(h => h.Equals("id", StringComparison.OrdinalIgnoreCase)) is var i0 and >= 0
                ? i0 : header.FindIndex(h => h.Equals("material_id", StringComparison.OrdinalIgnoreCase));
        if (options.IdColumn is not null && idCol < 0)
            throw new InputError($"no id column '{options.IdColumn}' (columns: {string.Join(", ", header)})", source, 1);

        // A column's kind (number or text) is set by its first non-empty value.
        var numeric = new bool?[header.Count];
        int row = 0;
        while (records.MoveNext())
        {
            var (fields, line) = (records.Current.Fields, records.Current.Line);
            row++;
            if (fields.Length != header.Count)
                throw new InputError($"row {row} has {fields.Length} fields, the header has {header.Count}", source, line);
            string id = idCol >= 0 ? fields[idCol].Trim() : row.ToString(CultureInfo.InvariantCulture);
            if (id.Length == 0) throw new InputError($"row {row}: empty id", source, line);

            var labels = new Dictionary<string, double>();
            var info = new Dictionary<string, string>();
            for (int c = 0; c < header.Count; c++)
            {
                if (c == cifCol || c == idCol) continue;
                string value = fields[c].Trim();
                bool missing = value.Length == 0 || value.Equals("nan", StringComparison.OrdinalIgnoreCase);
                bool isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number);
                if (numeric[c] is null && !missing) numeric[c] = isNumber;
                if (numeric[c] == true)
                {
                    if (!missing && !isNumber)
                        throw new InputError($"row {row} (id {id}): column '{header[c]}' is not a number ('{Shorten(value)}')", source, line);
                    labels[header[c]] = missing ? double.NaN : number;
                }
                else if (!missing || numeric[c] is null) info[header[c]] = value;
            }

            Structure structure;
            try
            {
                structure = CifFormat.ReadText(fields[cifCol], source, options with { AllBlocks = false }, id).First();
            }
            catch (InputError e)
            {
                string where = e.Line is int l ? $" (CIF line {l})" : "";
                throw new InputError($"row {row} (id {id}): {e.Reason}{where}", source, line, e);
            }
            foreach (var (k, v) in structure.Info) info.TryAdd(k, v);
            yield return new Structure(structure.Lattice, structure.Sites, id, labels, info);
        }
    }

    /// <summary>Writes id, numeric labels, text info and the P1 CIF of each structure (columns from the first structure).</summary>
    public void Write(TextWriter writer, IReadOnlyList<Structure> structures)
    {
        var labelNames = structures.SelectMany(s => s.Labels.Keys).Distinct().ToList();
        var infoNames = structures.SelectMany(s => s.Info.Keys).Where(k => k != "block").Distinct().ToList();
        var header = new List<string> { "id" };
        header.AddRange(labelNames);
        header.AddRange(infoNames);
        header.Add("cif");
        writer.Write(string.Join(",", header.Select(Quote)) + "\n");
        foreach (var s in structures)
        {
            var cells = new List<string> { Quote(s.Id) };
            cells.AddRange(labelNames.Select(n => s.Labels.TryGetValue(n, out var v) && !double.IsNaN(v) ? v.ToString("R", CultureInfo.InvariantCulture) : ""));
            cells.AddRange(infoNames.Select(n => Quote(s.Info.TryGetValue(n, out var v) ? v : "")));
            var cif = new StringWriter { NewLine = "\n" };
            CifWriter.Write(cif, [s]);
            cells.Add(Quote(cif.ToString()));
            writer.Write(string.Join(",", cells) + "\n");
        }
    }

    private static string Quote(string s) => s != s.Trim() ? "\"" + s.Replace("\"", "\"\"") + "\"" : CsvRowReader.Escape(s);

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
