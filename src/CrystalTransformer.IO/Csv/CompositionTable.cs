using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Csv;

/// <summary>One compound of a composition table: id, parsed composition and its numeric columns (NaN = empty).</summary>
public sealed record CompoundRow(string Id, Composition Composition, double[] Values);

/// <summary>One row of a formula CSV as read, before the formula is parsed: id, formula text and its 1-based line.</summary>
public sealed record FormulaRecord(string Id, string Formula, int Line);

/// <summary>
/// Compounds read from a CSV with a formula column (e.g. perov5's <c>formula</c>, the MP compositions' <c>composition</c>)
/// and numeric property columns; other columns (such as CIF text) are streamed past without being kept.
/// </summary>
public sealed class CompositionTable
{
    public string Source { get; }
    public string FormulaColumn { get; }
    public IReadOnlyList<string> ValueColumns { get; }
    public IReadOnlyList<CompoundRow> Rows { get; }

    private CompositionTable(string source, string formulaColumn, IReadOnlyList<string> valueColumns, List<CompoundRow> rows)
    {
        Source = source; FormulaColumn = formulaColumn; ValueColumns = valueColumns; Rows = rows;
    }

    /// <summary>Column names tried, in order, when no formula column is given.</summary>
    public static readonly IReadOnlyList<string> FormulaColumnNames = ["formula", "composition", "reduced_formula", "pretty_formula"];

    private static readonly string[] IdColumnNames = ["id", "material_id", "task_id", "mp_id"];

    /// <summary>
    /// Reads the file (.gz transparently). <paramref name="valueColumns"/> null = every column whose non-empty cells are all
    /// numbers (except id columns). A formula that cannot be parsed or a value that is not a number is an error naming
    /// the line.
    /// </summary>
    public static CompositionTable Read(string path, string? formulaColumn = null, IReadOnlyList<string>? valueColumns = null)
    {
        string[]? header = null;
        int formulaIndex = -1, idIndex = -1;
        int[] valueIndex = [];
        var raw = new List<(string Id, string Formula, string[] Cells, int Line)>();
        foreach (var record in CsvRowReader.ReadFile(path))
        {
            if (header is null)
            {
                header = record.Fields.Select(f => f.Trim()).ToArray();
                formulaColumn ??= FormulaColumnNames.FirstOrDefault(c => header.Contains(c))
                    ?? throw new InputError($"no formula column (looked for {string.Join(", ", FormulaColumnNames)})", path, 1);
                formulaIndex = Array.IndexOf(header, formulaColumn);
                if (formulaIndex < 0) throw new InputError($"no column '{formulaColumn}'", path, 1);
                idIndex = IdColumnNames.Select(c => Array.IndexOf(header, c)).FirstOrDefault(i => i >= 0, -1);
                if (valueColumns is not null)
                {
                    valueIndex = valueColumns.Select(c => Array.IndexOf(header, c) is int i and >= 0 ? i
                        : throw new InputError($"no column '{c}'", path, 1)).ToArray();
                }
                else valueIndex = Enumerable.Range(0, header.Length).Where(i => i != formulaIndex && i != idIndex).ToArray();
                continue;
            }
            if (record.Fields.Length != header.Length)
                throw new InputError($"row has {record.Fields.Length} fields, the header has {header.Length}", path, record.Line);
            string id = idIndex >= 0 ? record.Fields[idIndex] : (raw.Count + 1).ToString(CultureInfo.InvariantCulture);
            raw.Add((id, record.Fields[formulaIndex], valueIndex.Select(i => record.Fields[i].Trim()).ToArray(), record.Line));
        }
        if (header is null) throw new InputError("file is empty", path);
        if (valueColumns is null)
        {
            // Keep the columns that hold numbers only (split names, CIF text and the like drop out).
            var keep = Enumerable.Range(0, valueIndex.Length).Where(c =>
                raw.All(r => r.Cells[c].Length == 0 || double.TryParse(r.Cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                && raw.Any(r => r.Cells[c].Length > 0)).ToArray();
            valueColumns = keep.Select(c => header[valueIndex[c]]).ToArray();
            raw = raw.Select(r => (r.Id, r.Formula, keep.Select(c => r.Cells[c]).ToArray(), r.Line)).ToList();
        }
        var rows = new List<CompoundRow>(raw.Count);
        foreach (var (id, formula, cells, line) in raw)
        {
            Composition composition;
            try { composition = Composition.Parse(formula); }
            catch (InputError e) { throw e.At(path, line); }
            var values = new double[cells.Length];
            for (int c = 0; c < cells.Length; c++)
            {
                if (cells[c].Length == 0) { values[c] = double.NaN; continue; }
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out values[c]))
                    throw new InputError($"column '{valueColumns[c]}': '{cells[c]}' is not a number", path, line);
            }
            rows.Add(new CompoundRow(id, composition, values));
        }
        return new CompositionTable(path, formulaColumn!, valueColumns, rows);
    }

    /// <summary>
    /// Streams the formulas of a CSV (.gz transparently) without parsing them, so a bad formula is the caller's error for
    /// that row only: the id is the first id column present (id, material_id, task_id, mp_id), else the formula text.
    /// <paramref name="formulaColumn"/> null = the first of <see cref="FormulaColumnNames"/> in the header. A missing
    /// column or a row with the wrong number of fields is an error naming the file and line.
    /// </summary>
    public static IEnumerable<FormulaRecord> ReadFormulas(string path, string? formulaColumn = null)
    {
        string[]? header = null;
        int formulaIndex = -1, idIndex = -1;
        foreach (var record in CsvRowReader.ReadFile(path))
        {
            if (header is null)
            {
                header = record.Fields.Select(f => f.Trim()).ToArray();
                var h = header;
                formulaIndex = formulaColumn is null
                    ? FormulaColumnNames.Select(c => Array.FindIndex(h, x => x.Equals(c, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(i => i >= 0, -1)
                    : Array.IndexOf(header, formulaColumn);
                if (formulaIndex < 0)
                    throw new InputError(formulaColumn is null
                        ? $"no formula column (looked for {string.Join(", ", FormulaColumnNames)}; name one with the formula-column option)"
                        : $"no column '{formulaColumn}' (columns: {string.Join(", ", header)})", path, record.Line);
                idIndex = IdColumnNames.Select(c => Array.FindIndex(h, x => x.Equals(c, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(i => i >= 0, -1);
                continue;
            }
            if (record.Fields.Length != header.Length)
                throw new InputError($"row has {record.Fields.Length} fields, the header has {header.Length}", path, record.Line);
            string formula = record.Fields[formulaIndex].Trim();
            yield return new FormulaRecord(idIndex >= 0 && record.Fields[idIndex].Trim().Length > 0 ? record.Fields[idIndex].Trim() : formula, formula, record.Line);
        }
        if (header is null) throw new InputError("file is empty", path);
    }

    public int Column(string name) =>
        ValueColumns.ToList().IndexOf(name) is int i and >= 0 ? i : throw new InputError($"no numeric column '{name}'", Source);
}
