using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Csv;

/// <summary>One CSV record: its fields and the 1-based line on which it starts (for error messages).</summary>
public sealed record CsvRecord(string[] Fields, int Line);

/// <summary>
/// Streaming RFC 4180 CSV reader: comma separated, fields optionally in double quotes, "" inside quotes is a quote,
/// quoted fields may span lines (CIF text in a CSV column), LF or CRLF line ends. Fully blank lines are skipped.
/// </summary>
public static class CsvRowReader
{
    /// <summary>Largest field accepted (one CIF in a CSV column is a few kB; 64 M characters means a broken file).</summary>
    public const int MaxFieldLength = 64 << 20;

    /// <summary>Reads every record of a file (.gz transparently); the first record is usually the header.</summary>
    public static IEnumerable<CsvRecord> ReadFile(string path)
    {
        using var reader = TextFiles.OpenText(path);
        foreach (var record in Read(reader, path)) yield return record;
    }

    /// <summary>Reads every record; <paramref name="source"/> names the text in errors (unterminated quote).</summary>
    public static IEnumerable<CsvRecord> Read(TextReader reader, string source)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool inQuotes = false, fieldStarted = false;
        int quoteLine = 1;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                    // An unclosed quote must not pull a whole large file into one field.
                    if (field.Length > MaxFieldLength)
                        throw new InputError($"quoted field is longer than {MaxFieldLength >> 20} M characters (unclosed quote?)", source, recordLine);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when !fieldStarted:
                    inQuotes = true; fieldStarted = true; quoteLine = line;
                    break;
                case ',':
                    fields.Add(field.ToString()); field.Clear(); fieldStarted = false;
                    break;
                case '\r':
                    break; // CRLF: the LF ends the record; a lone CR inside a field is dropped
                case '\n':
                    fields.Add(field.ToString()); field.Clear(); fieldStarted = false;
                    if (!(fields.Count == 1 && fields[0].Length == 0)) yield return new CsvRecord(fields.ToArray(), recordLine);
                    fields.Clear();
                    line++;
                    recordLine = line;
                    break;
                default:
                    // Text after a closing quote ("x"y) is kept, as Python's csv module and pandas do.
                    field.Append(ch); fieldStarted = true;
                    break;
            }
        }
        if (inQuotes) throw new InputError($"quoted field opened at line {quoteLine} is never closed", source, recordLine);
        if (fieldStarted || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return new CsvRecord(fields.ToArray(), recordLine);
        }
    }

    /// <summary>Quotes a field when it needs it (comma, quote or line break).</summary>
    public static string Escape(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}

/// <summary>A CSV file read as header + rows, with columns looked up by name.</summary>
public sealed class CsvTable
{
    public string Source { get; }
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<CsvRecord> Rows { get; }

    private CsvTable(string source, string[] header, List<CsvRecord> rows) { Source = source; Header = header; Rows = rows; }

    /// <summary>Reads a whole CSV file (.gz transparently). Rows with a different number of fields than the header are an error.</summary>
    public static CsvTable ReadFile(string path)
    {
        using var reader = TextFiles.OpenText(path);
        return Read(reader, path);
    }

    public static CsvTable Read(TextReader reader, string source)
    {
        string[]? header = null;
        var rows = new List<CsvRecord>();
        foreach (var r in CsvRowReader.Read(reader, source))
        {
            if (header is null) { header = r.Fields.Select(f => f.Trim()).ToArray(); continue; }
            if (r.Fields.Length != header.Length)
                throw new InputError($"row has {r.Fields.Length} fields, the header has {header.Length}", source, r.Line);
            rows.Add(r);
        }
        if (header is null) throw new InputError("file is empty (no header)", source);
        return new CsvTable(source, header, rows);
    }

    /// <summary>Index of a column by name (ordinal); an error naming the file when absent.</summary>
    public int Column(string name)
    {
        int i = Array.IndexOf((string[])Header, name);
        return i >= 0 ? i : throw new InputError($"no column '{name}' (columns: {string.Join(", ", Header)})", Source, 1);
    }

    public int? TryColumn(string name)
    {
        int i = Array.IndexOf((string[])Header, name);
        return i >= 0 ? i : null;
    }
}
