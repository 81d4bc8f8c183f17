using System.Globalization;
using System.Text;
using CrystalTransformer.IO.Cif;
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

    /// <summary>Largest single field (one CIF), so a missing closing quote cannot swallow a huge file into memory.</summary>
    public const int MaxFieldLength = 64 << 20;

    public bool Sniff(string head)
    {
        int nl = head.IndexOfAny(['\n', '\r']);
        string first = nl < 0 ? head : head[..nl];
        return first.Contains(',') && first.Split(',').Any(c => c.Trim().Trim('"').Equals("cif", StringComparison.OrdinalIgnoreCase));
    }

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options)
    {
        var csv = new CsvRecordReader(reader, source);
        if (!csv.TryRead(out var header, out _)) throw new InputError("empty CSV file (no header row)", source, 1);
        for (int i = 0; i < header.Count; i++) header[i] = header[i].Trim();
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
        while (csv.TryRead(out var fields, out int line))
        {
            row++;
            if (fields.Count == 1 && fields[0].Length == 0) { row--; continue; } // blank line
            if (fields.Count != header.Count)
                throw new InputError($"row {row} has {fields.Count} fields, the header has {header.Count}", source, line);
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

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}

/// <summary>RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines. Tracks the line each record starts on.</summary>
internal sealed class CsvRecordReader
{
    private readonly TextReader _reader;
    private readonly string _source;
    private readonly StringBuilder _field = new();
    private int _line = 1;
    private int _peeked = -2;

    public CsvRecordReader(TextReader reader, string source)
    {
        _reader = reader;
        _source = source;
    }

    private int Read()
    {
        if (_peeked != -2) { int p = _peeked; _peeked = -2; return p; }
        return _reader.Read();
    }

    private int Peek()
    {
        if (_peeked == -2) _peeked = _reader.Read();
        return _peeked;
    }

    public bool TryRead(out List<string> fields, out int startLine)
    {
        fields = new List<string>();
        startLine = _line;
        int c = Read();
        if (c < 0) return false;
        _field.Clear();
        while (true)
        {
            if (c == '"' && _field.Length == 0)
            {
                int quoteLine = _line;
                while (true)
                {
                    c = Read();
                    if (c < 0) throw new InputError($"quoted field opened at line {quoteLine} is never closed", _source, quoteLine);
                    if (c == '"')
                    {
                        if (Peek() == '"') { Read(); _field.Append('"'); continue; }
                        break;
                    }
                    if (c == '\n') _line++;
                    else if (c == '\r') { _line++; if (Peek() == '\n') { Read(); _field.Append('\r'); c = '\n'; } }
                    _field.Append((char)c);
                    if (_field.Length > CsvCifFormat.MaxFieldLength)
                        throw new InputError($"field starting at line {quoteLine} is longer than {CsvCifFormat.MaxFieldLength >> 20} M characters", _source, quoteLine);
                }
                c = Read();
                // Characters between the closing quote and the separator are kept (lenient, as most CSV readers).
                continue;
            }
            if (c < 0 || c == ',' || c == '\n' || c == '\r')
            {
                fields.Add(_field.ToString());
                _field.Clear();
                if (c == ',') { c = Read(); continue; }
                if (c == '\r' && Peek() == '\n') Read();
                if (c >= 0) _line++;
                return true;
            }
            _field.Append((char)c);
            if (_field.Length > CsvCifFormat.MaxFieldLength)
                throw new InputError($"field longer than {CsvCifFormat.MaxFieldLength >> 20} M characters", _source, _line);
            c = Read();
        }
    }
}
