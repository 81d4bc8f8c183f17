using System.Globalization;
using System.Text;
using System.Text.Json;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.PymatgenJson;

/// <summary>
/// Reads pymatgen's JSON: a Structure dict (<c>Structure.as_dict()</c>, <c>Structure.to(fmt="json")</c>), a list of
/// them, and the layouts matbench-style data ship in, each record a <c>structure</c> dict beside its targets:
/// <list type="bullet">
/// <item>a list of records (<c>DataFrame.to_dict(orient="records")</c>): <c>[{"material_id": ..., "structure": {...}, "e_form": -1.2}, ...]</c>;</item>
/// <item>pandas' split layout that matminer's <c>store_dataframe_as_json</c> and matbench use: <c>{"index": [ids], "columns": ["structure", "e_form"], "data": [[{...}, -1.2], ...]}</c>;</item>
/// <item>records keyed by id (orient="index"): <c>{"mb-1": {"structure": {...}, "e_form": -1.2}, ...}</c>.</item>
/// </list>
/// A record's other fields become labels (numbers; null or NaN = missing) or text information (strings, e.g.
/// <c>split</c>); its id is the split layout's index or key, else a field <c>id</c>, <c>material_id</c>, <c>mp_id</c>
/// or <c>task_id</c>. A Structure's numeric <c>properties</c> become labels too. Sites: <c>species</c> with element,
/// occupancy and oxidation state (several species or an occupancy below 1 = a disordered site), fractional <c>abc</c>
/// (else Cartesian <c>xyz</c>), <c>label</c>. Python's bare NaN and Infinity (json.dump writes them) are read as missing.
/// </summary>
public static class PymatgenJsonReader
{
    private static readonly string[] IdFields = ["id", "material_id", "mp_id", "task_id"];

    public static IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options)
    {
        string text = TextInput.ReadAll(reader, source, options.MaxTextLength);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(PythonLiteralsToNull(text), new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new InputError($"not valid JSON ({FirstSentence(ex.Message)})", source, ex.LineNumber is long line ? (int)line + 1 : null);
        }
        using (doc)
            foreach (var s in Records(doc.RootElement, source, options))
                yield return s;
    }

    /// <summary>One record: where it is (1-based), its id if known, and the element holding the structure plus its other fields.</summary>
    private sealed record Record(int Number, string Id, JsonElement Structure, IReadOnlyList<(string Name, JsonElement Value)> Fields);

    private static IEnumerable<Structure> Records(JsonElement root, string source, ReadOptions options)
    {
        foreach (var record in Enumerate(root, source))
        {
            Structure? structure = null;
            try { structure = Build(record); }
            catch (InputError ex)
            {
                var located = new InputError($"{(record.Number > 0 ? $"record {record.Number}{(record.Id.Length > 0 ? $" ({record.Id})" : "")}: " : "")}{ex.Reason}", source);
                if (options.BadRecord is null) throw located;
                options.BadRecord(located);
            }
            if (structure is not null) yield return structure;
        }
    }

    private static IEnumerable<Record> Enumerate(JsonElement root, string source)
    {
        if (root.ValueKind == JsonValueKind.Object && IsStructure(root))
        {
            yield return new Record(0, "", root, []);
            yield break;
        }
        if (root.ValueKind == JsonValueKind.Array)
        {
            int k = 0;
            foreach (var item in root.EnumerateArray())
            {
                k++;
                if (item.ValueKind == JsonValueKind.Object && IsStructure(item)) yield return new Record(k, "", item, []);
                else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("structure", out var st))
                    yield return new Record(k, IdOf(item), st, Fields(item).ToArray());
                else yield return new Record(k, "", default, []);   // reported by Build
            }
            yield break;
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("columns", out var columns) && root.TryGetProperty("data", out var data))
        {
            if (columns.ValueKind != JsonValueKind.Array || data.ValueKind != JsonValueKind.Array)
                throw new InputError("split layout: 'columns' and 'data' must be arrays", source);
            var names = columns.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.ToString()).ToArray();
            int structureColumn = Array.IndexOf(names, "structure");
            if (structureColumn < 0) throw new InputError($"split layout without a 'structure' column (columns: {string.Join(", ", names)})", source);
            var index = root.TryGetProperty("index", out var ix) && ix.ValueKind == JsonValueKind.Array ? ix.EnumerateArray().Select(Scalar).ToArray() : null;
            int k = 0;
            foreach (var row in data.EnumerateArray())
            {
                k++;
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != names.Length)
                    throw new InputError($"record {k}: a data row must be an array of {names.Length} values", source);
                var cells = row.EnumerateArray().ToArray();
                var fields = names.Select((name, c) => (name, cells[c])).Where((_, c) => c != structureColumn).ToArray();
                string id = index is not null && k <= index.Length ? index[k - 1] : IdOf(fields);
                yield return new Record(k, id, cells[structureColumn], fields);
            }
            yield break;
        }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ids", out _) && root.TryGetProperty("nextid", out _))
            throw new InputError("an ASE JSON database, not pymatgen JSON: convert it with 'ase db FILE.json --insert-into FILE.db' and read the .db", source);
        if (root.ValueKind == JsonValueKind.Object && root.EnumerateObject().Any()
            && root.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("structure", out _)))
        {
            int k = 0;
            foreach (var p in root.EnumerateObject())
                yield return new Record(++k, p.Name, p.Value.GetProperty("structure"), Fields(p.Value).ToArray());
            yield break;
        }
        throw new InputError("not a pymatgen Structure (no 'lattice' and 'sites'), a list of them, or records with a 'structure' field", source);
    }

    private static bool IsStructure(JsonElement e) => e.TryGetProperty("sites", out _) || e.TryGetProperty("lattice", out _)
        || (e.TryGetProperty("@class", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is "Structure" or "IStructure");

    private static IEnumerable<(string Name, JsonElement Value)> Fields(JsonElement record) =>
        record.EnumerateObject().Where(p => p.Name != "structure").Select(p => (p.Name, p.Value));

    private static string IdOf(JsonElement record) => IdOf(Fields(record).ToArray());

    private static string IdOf(IReadOnlyList<(string Name, JsonElement Value)> fields)
    {
        foreach (var name in IdFields)
            foreach (var (n, v) in fields)
                if (n.Equals(name, StringComparison.OrdinalIgnoreCase) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    return Scalar(v);
        return "";
    }

    private static string Scalar(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();

    private static Structure Build(Record record)
    {
        var s = record.Structure;
        if (s.ValueKind != JsonValueKind.Object)
            throw new InputError("not a Structure dict or a record with a 'structure' field");
        if (!s.TryGetProperty("lattice", out var lattice) || lattice.ValueKind != JsonValueKind.Object)
            throw new InputError("the structure has no 'lattice' (a Molecule, or not a pymatgen Structure)");
        if (!lattice.TryGetProperty("matrix", out var matrix)) throw new InputError("the lattice has no 'matrix'");
        var m = Numbers(matrix, "lattice matrix", 3, 3);
        if (lattice.TryGetProperty("pbc", out var pbc) && pbc.ValueKind == JsonValueKind.Array && pbc.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.False))
            throw new InputError("the lattice is not periodic along every axis (pbc has false): crystal structures need a full cell");
        var cell = new Lattice(new Mat3(m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2]));
        if (!s.TryGetProperty("sites", out var sitesElement) || sitesElement.ValueKind != JsonValueKind.Array)
            throw new InputError("the structure has no 'sites' list");
        var sites = new List<Site>();
        int k = 0;
        foreach (var site in sitesElement.EnumerateArray())
        {
            k++;
            try { sites.Add(ReadSite(site, cell)); }
            catch (InputError ex) { throw new InputError($"site {k}: {ex.Reason}"); }
        }
        if (sites.Count == 0) throw new InputError("the structure has no sites");

        var labels = new Dictionary<string, double>(StringComparer.Ordinal);
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        if (s.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
            foreach (var p in props.EnumerateObject()) Add(p.Name, p.Value, labels, info);
        foreach (var (name, value) in record.Fields) Add(name, value, labels, info);
        foreach (var name in IdFields) info.Remove(name);
        foreach (var name in IdFields) labels.Remove(name);
        return new Structure(cell, sites, record.Id, labels, info);
    }

    /// <summary>Numbers become labels (null = missing), strings text information, booleans "True"/"False"; nested values are skipped.</summary>
    private static void Add(string name, JsonElement value, Dictionary<string, double> labels, Dictionary<string, string> info)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number: labels[name] = value.GetDouble(); break;
            case JsonValueKind.Null: labels[name] = double.NaN; break;
            case JsonValueKind.String: info[name] = value.GetString()!; break;
            case JsonValueKind.True: info[name] = "True"; break;
            case JsonValueKind.False: info[name] = "False"; break;
        }
    }

    private static Site ReadSite(JsonElement site, Lattice cell)
    {
        if (site.ValueKind != JsonValueKind.Object) throw new InputError("not an object");
        if (!site.TryGetProperty("species", out var species) || species.ValueKind != JsonValueKind.Array || species.GetArrayLength() == 0)
            throw new InputError("no 'species'");
        var occupants = new List<Occupant>();
        foreach (var sp in species.EnumerateArray())
        {
            if (sp.ValueKind != JsonValueKind.Object) throw new InputError($"a species that is not an object ({sp.ValueKind.ToString().ToLowerInvariant()})");
            if (!sp.TryGetProperty("element", out var el) || el.ValueKind != JsonValueKind.String) throw new InputError("a species without 'element'");
            string symbol = el.GetString()!;
            if (!PeriodicTable.TryGet(symbol, out var element)) throw new InputError($"unknown element '{symbol}'");
            double occu = sp.TryGetProperty("occu", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetDouble() : 1.0;
            if (!(occu > 0 && occu <= 1 + 1e-8)) throw new InputError($"occupancy {occu.ToString(CultureInfo.InvariantCulture)} of {symbol} is not in (0, 1]");
            double? oxidation = sp.TryGetProperty("oxidation_state", out var ox) && ox.ValueKind == JsonValueKind.Number ? ox.GetDouble() : null;
            occupants.Add(new Occupant(element, occu, oxidation));
        }
        if (occupants.Sum(o => o.Occupancy) > 1 + 1e-8) throw new InputError("occupancies add up to more than 1");
        Vec3 frac;
        if (site.TryGetProperty("abc", out var abc)) frac = Vector(abc, "abc");
        else if (site.TryGetProperty("xyz", out var xyz)) frac = cell.ToFractional(Vector(xyz, "xyz"));
        else throw new InputError("no coordinates ('abc' or 'xyz')");
        string? label = site.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        return new Site(occupants, frac, label);
    }

    private static Vec3 Vector(JsonElement e, string what)
    {
        var v = Numbers(e, what, 3);
        return new Vec3(v[0], v[1], v[2]);
    }

    private static double[] Numbers(JsonElement e, string what, int count)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != count) throw new InputError($"'{what}' must be {count} numbers");
        var values = e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : double.NaN).ToArray();
        if (values.Any(x => !double.IsFinite(x))) throw new InputError($"'{what}' holds a value that is not a finite number");
        return values;
    }

    private static double[][] Numbers(JsonElement e, string what, int rows, int columns)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != rows) throw new InputError($"'{what}' must be {rows} rows of {columns} numbers");
        return e.EnumerateArray().Select(r => Numbers(r, what, columns)).ToArray();
    }

    /// <summary>Python's json.dump writes NaN, Infinity and -Infinity bare; outside strings they become null (missing).</summary>
    internal static string PythonLiteralsToNull(string text)
    {
        if (!text.Contains("NaN", StringComparison.Ordinal) && !text.Contains("Infinity", StringComparison.Ordinal)) return text;
        var sb = new StringBuilder(text.Length);
        bool inString = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < text.Length) sb.Append(text[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            if (string.CompareOrdinal(text, i, "NaN", 0, 3) == 0) { sb.Append("null"); i += 2; continue; }
            if (string.CompareOrdinal(text, i, "Infinity", 0, 8) == 0) { sb.Append("null"); i += 7; continue; }
            if (string.CompareOrdinal(text, i, "-Infinity", 0, 9) == 0) { sb.Append("null"); i += 8; continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? message[..dot] : message).ReplaceLineEndings(" ");
    }
}
