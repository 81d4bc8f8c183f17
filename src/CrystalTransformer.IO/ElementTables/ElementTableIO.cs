using System.Globalization;
using System.Text;
using System.Text.Json;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.ElementTables;

/// <summary>
/// Element tables on disk. Formats:
/// <list type="bullet">
/// <item>CSV (.csv/.csv.gz): header <c>element,f0,...</c>, one row per element keyed by symbol; an empty cell is a missing value
/// (filled with the column mean, see <see cref="ElementTable.FilledValues"/>).</item>
/// <item>CGCNN <c>atom_init.json</c>: an object keyed by atomic number as a string ("1".."100") → list of numbers.</item>
/// <item>ElementEmbeddings JSON (WMD-group/ElementEmbeddings <c>Embedding.from_json</c>/<c>to("json")</c>): an object keyed by
/// element symbol → list of numbers (a "Null" key, MEGNet's padding row, is skipped; <c>null</c> values are missing values);
/// scalar values ("linear" representations such as mod_petti) become one-hot vectors as that package does.</item>
/// <item>A ct-UAE folder written by <see cref="WriteUaeFolder"/> (<c>ct embed</c>), or a run directory holding one in
/// <c>embedding/</c>.</item>
/// </list>
/// </summary>
public static class ElementTableIO
{
    /// <summary>Tables shipped in data/embeddings (each as name.csv.gz).</summary>
    public static readonly IReadOnlyList<string> BuiltInNames =
        ["cgcnn92", "megnet16", "mat2vec", "magpie", "magpie_sc", "oliynyk", "oliynyk_sc", "skipatom", "matscholar", "cgnf", "xenonpy", "random_200"];

    /// <summary>ct-UAEs pretrained by <c>ct pretrain</c> and shipped in data/uae/NAME (a ct embed folder plus run metadata).</summary>
    public static readonly IReadOnlyList<string> ShippedUaeNames = ["ct-uae-perov5-mt", "ct-uae-perov5-st", "ct-uae-perov5-paper", "ct-uae-mp", "ct-uae-multi"];

    /// <summary>File names inside a ct-UAE folder.</summary>
    public static class UaeFiles
    {
        /// <summary>CSV layout, trained elements only.</summary>
        public const string Csv = "uae.csv";
        /// <summary>Symbols of the rows that were never trained, one per line.</summary>
        public const string Untrained = "untrained.txt";
        /// <summary>Every row (Z = 1..100), keyed by Z as CGCNN expects; includes the untrained rows.</summary>
        public const string AtomInit = "atom_init.json";
        /// <summary>ElementEmbeddings JSON, trained elements only.</summary>
        public const string ElementEmbeddingsJson = "uae_elementembeddings.json";
        /// <summary>Sub-folder of a run directory that holds the ct-UAE folder.</summary>
        public const string RunSubfolder = "embedding";
    }

    /// <summary>What a table specification may be (help texts and errors); the names come from the lists above.</summary>
    public static string Syntax => $"a built-in name ({string.Join(", ", BuiltInNames)}), a shipped ct-UAE ({string.Join(", ", ShippedUaeNames)}), " +
        "onehot[:MAXZ], random[:DIM[:SEED]], a .csv/.json file or a ct embed folder; " +
        "transformed with std:SPEC (columns standardised), pca:K:SPEC (first K principal components) or SPEC+SPEC (rows side by side, elements common to all), e.g. std:magpie+ct-uae-mp";

    /// <summary>
    /// Resolves a table specification, in this order:
    /// <list type="number">
    /// <item>a built-in name (see <see cref="BuiltInNames"/>) or shipped ct-UAE (see <see cref="ShippedUaeNames"/>);</item>
    /// <item>a path to an existing file or ct-UAE folder (a path wins over the grammar below: file names may hold '+' or ':');</item>
    /// <item><c>SPEC+SPEC(+...)</c>: <see cref="ElementTable.Concatenate"/> of the parts (split at every '+'; a path holding '+'
    /// can be transformed, e.g. <c>std:a+b.csv</c>, but not be a part);</item>
    /// <item><c>std:SPEC</c>: <see cref="ElementTable.Standardized"/>;</item>
    /// <item><c>pca:K:SPEC</c>: the first K principal components over the trained elements (<see cref="ElementTablePca.Fit"/>);</item>
    /// <item><c>onehot</c> or <c>onehot:MAXZ</c> (default 100), <c>random</c>, <c>random:DIM</c> or <c>random:DIM:SEED</c>
    /// (default dimension 128, seed <paramref name="seed"/>).</item>
    /// </list>
    /// '+' binds loosest: <c>pca:8:a+std:b</c> is (pca:8:a) + (std:b); transforms nest (<c>pca:16:std:magpie</c>). A transformed or
    /// concatenated table is named after its specification text (trimmed), which model files and results record.
    /// </summary>
    public static ElementTable Load(string spec, int seed = 0)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new InputError($"empty embedding name; expected {Syntax}");
        string name = spec.Trim();
        string lower = name.ToLowerInvariant();
        if (BuiltInNames.Contains(lower))
        {
            string path = BuiltInData.PathOf("embeddings", lower + ".csv.gz");
            return ReadCsv(path, lower);
        }
        if (ShippedUaeNames.Contains(lower))
        {
            string folder = BuiltInData.PathOf("uae", lower);
            if (!Directory.Exists(folder)) throw new InputError($"the shipped ct-UAE '{lower}' is missing from this installation", folder);
            return ReadUaeFolder(folder, lower);
        }
        if (File.Exists(name) || Directory.Exists(name)) return Read(name);
        if (name.Contains('+') && !IsPath(WithoutTransforms(name)))
        {
            var parts = name.Split('+', StringSplitOptions.TrimEntries);
            if (parts.Any(p => p.Length == 0)) throw new InputError($"embedding '{spec}': a '+' has no table on one side");
            return ElementTable.Concatenate(name, parts.Select(p => Load(p, seed)).ToArray());
        }
        if (lower.StartsWith(StandardizePrefix, StringComparison.Ordinal))
            return Load(Inner(name[StandardizePrefix.Length..], spec), seed).Standardized().WithName(name);
        if (lower.StartsWith(PcaPrefix, StringComparison.Ordinal))
        {
            string rest = name[PcaPrefix.Length..];
            int colon = rest.IndexOf(':');
            if (colon < 0) throw new InputError($"embedding '{spec}': expected pca:K:SPEC");
            return ElementTablePca.Fit(Load(Inner(rest[(colon + 1)..], spec), seed), ParseInt(rest[..colon], spec), name).Table;
        }
        if (lower == "onehot" || lower.StartsWith("onehot:", StringComparison.Ordinal))
        {
            int maxZ = lower == "onehot" ? 100 : ParseInt(lower["onehot:".Length..], spec);
            return ElementTable.OneHot(maxZ);
        }
        if (lower == "random" || lower.StartsWith("random:", StringComparison.Ordinal))
        {
            var parts = lower.Split(':');
            if (parts.Length > 3) throw new InputError($"embedding '{spec}': expected random[:DIM[:SEED]]");
            int dim = parts.Length > 1 ? ParseInt(parts[1], spec) : 128;
            int s = parts.Length > 2 ? ParseInt(parts[2], spec) : seed;
            return ElementTable.Random(dim, s);
        }
        if (File.Exists(name) || Directory.Exists(name)) return Read(name);
        throw new InputError($"unknown embedding '{spec}': no such file or folder; expected {Syntax}");
    }

    private const string StandardizePrefix = "std:", PcaPrefix = "pca:";

    private static bool IsPath(string text) => File.Exists(text) || Directory.Exists(text);

    /// <summary>The specification inside any leading std: and pca:K: transforms.</summary>
    private static string WithoutTransforms(string spec)
    {
        while (true)
        {
            if (spec.StartsWith(StandardizePrefix, StringComparison.OrdinalIgnoreCase)) spec = spec[StandardizePrefix.Length..];
            else if (spec.StartsWith(PcaPrefix, StringComparison.OrdinalIgnoreCase) && spec.IndexOf(':', PcaPrefix.Length) is int colon and > 0)
                spec = spec[(colon + 1)..];
            else return spec.Trim();
        }
    }

    private static string Inner(string text, string spec) =>
        text.Trim().Length > 0 ? text : throw new InputError($"embedding '{spec}': the transform names no table");

    private static int ParseInt(string text, string spec) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v : throw new InputError($"embedding '{spec}': '{text}' is not an integer");

    /// <summary>Reads a file (format from the extension; .json content decides between atom_init and ElementEmbeddings) or a ct-UAE folder.</summary>
    public static ElementTable Read(string path, string? name = null)
    {
        if (Directory.Exists(path)) return ReadUaeFolder(path, name);
        ContentChecksums.VerifySidecar(path);
        string bare = TextFiles.WithoutGz(path);
        string ext = Path.GetExtension(bare).ToLowerInvariant();
        name ??= Path.GetFileNameWithoutExtension(bare);
        return ext switch
        {
            ".csv" => ReadCsv(path, name),
            ".json" => ReadJson(path, name),
            _ => throw new InputError($"cannot tell the element table format from the extension '{ext}' (use .csv, .json or a ct embed folder)", path),
        };
    }

    // ---------------------------------------------------------------- CSV

    public static ElementTable ReadCsv(string path, string? name = null)
    {
        using var reader = TextFiles.OpenText(path);
        return ReadCsv(reader, path, name ?? Path.GetFileNameWithoutExtension(TextFiles.WithoutGz(path)));
    }

    public static ElementTable ReadCsv(TextReader reader, string source, string name)
    {
        string[]? header = null;
        var rows = new List<(Element, IReadOnlyList<double>)>();
        var seen = new Dictionary<int, int>();
        foreach (var record in CsvRowReader.Read(reader, source))
        {
            var f = record.Fields;
            if (header is null)
            {
                header = f.Select(h => h.Trim()).ToArray();
                if (header.Length < 2) throw new InputError("header must be 'element,f0,...' with at least one value column", source, record.Line);
                continue;
            }
            if (f.Length != header.Length)
                throw new InputError($"row has {f.Length} fields, the header has {header.Length}", source, record.Line);
            string symbol = f[0].Trim();
            if (!PeriodicTable.TryGet(symbol, out var element))
                throw new InputError($"unknown element symbol '{symbol}'", source, record.Line);
            if (seen.TryGetValue(element.Z, out int firstLine))
                throw new InputError($"element {symbol} appears twice (first on line {firstLine})", source, record.Line);
            seen[element.Z] = record.Line;
            var v = new double[f.Length - 1];
            for (int c = 1; c < f.Length; c++)
            {
                string cell = f[c].Trim();
                if (cell.Length == 0 || cell.Equals("nan", StringComparison.OrdinalIgnoreCase)) { v[c - 1] = double.NaN; continue; }
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || double.IsInfinity(x))
                    throw new InputError($"column '{header[c]}' of {symbol}: '{cell}' is not a finite number", source, record.Line);
                v[c - 1] = x;
            }
            rows.Add((element, v));
        }
        if (header is null) throw new InputError("file is empty", source);
        if (rows.Count == 0) throw new InputError("no element rows after the header", source);
        return ElementTable.FromRows(name, rows, columnNames: header[1..], source: source);
    }

    /// <summary>Writes the shared CSV layout (symbol rows in order of Z); <paramref name="trainedOnly"/> leaves out untrained rows.</summary>
    public static void WriteCsv(ElementTable table, string path, bool trainedOnly = false) =>
        TextFiles.WriteAtomic(path, w => WriteCsv(table, w, trainedOnly));

    public static void WriteCsv(ElementTable table, TextWriter writer, bool trainedOnly = false)
    {
        var sb = new StringBuilder();
        sb.Append("element");
        foreach (var c in table.ColumnNames) sb.Append(',').Append(CsvRowReader.Escape(c));
        writer.Write(sb.Append('\n').ToString());
        foreach (var e in trainedOnly ? table.Trained : table.Elements)
        {
            sb.Clear().Append(e.Symbol);
            foreach (double x in table[e]) sb.Append(',').Append(x.ToString("R", CultureInfo.InvariantCulture));
            writer.Write(sb.Append('\n').ToString());
        }
    }

    // ---------------------------------------------------------------- JSON

    /// <summary>Reads a JSON table: keys that are all integers mean CGCNN atom_init.json, otherwise element symbols (ElementEmbeddings).</summary>
    public static ElementTable ReadJson(string path, string? name = null)
    {
        name ??= Path.GetFileNameWithoutExtension(TextFiles.WithoutGz(path));
        return ParseJson(TextFiles.ReadAllText(path), path, name);
    }

    public static ElementTable ParseJson(string json, string source, string name)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException ex)
        {
            throw new InputError($"not valid JSON ({ex.Message.Split(" Path:")[0].TrimEnd('.')})", source, (int?)(ex.LineNumber + 1));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputError("expected a JSON object keyed by element (symbol or atomic number)", source);
            var props = doc.RootElement.EnumerateObject().Where(p => p.Name != "Null").ToList();
            if (props.Count == 0) throw new InputError("the JSON object has no element keys", source);
            bool byZ = props.All(p => int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out _));
            var keyed = new List<(Element Element, JsonElement Value, string Key)>();
            var seen = new HashSet<int>();
            foreach (var p in props)
            {
                Element e;
                if (byZ)
                {
                    int z = int.Parse(p.Name, CultureInfo.InvariantCulture);
                    if (z is < 1 or > PeriodicTable.MaxZ) throw new InputError($"key \"{p.Name}\" is not an atomic number 1..{PeriodicTable.MaxZ}", source);
                    e = PeriodicTable.Get(z);
                }
                else if (!PeriodicTable.TryGet(p.Name.Trim(), out e))
                    throw new InputError($"key \"{p.Name}\" is not an element symbol", source);
                if (!seen.Add(e.Z)) throw new InputError($"element {e.Symbol} appears twice (key \"{p.Name}\")", source);
                keyed.Add((e, p.Value, p.Name));
            }
            bool scalar = keyed.All(k => k.Value.ValueKind == JsonValueKind.Number);
            if (scalar) return LinearAsOneHot(keyed, source, name);
            var rows = new List<(Element, IReadOnlyList<double>)>();
            foreach (var (e, value, key) in keyed)
            {
                if (value.ValueKind != JsonValueKind.Array) throw new InputError($"key \"{key}\": expected a list of numbers", source);
                var v = new double[value.GetArrayLength()];
                int i = 0;
                foreach (var x in value.EnumerateArray())
                {
                    v[i] = x.ValueKind switch
                    {
                        JsonValueKind.Number => x.GetDouble(),
                        JsonValueKind.Null => double.NaN,
                        _ => throw new InputError($"key \"{key}\", entry {i}: '{x.GetRawText()}' is not a number", source),
                    };
                    i++;
                }
                rows.Add((e, v));
            }
            int dim = rows[0].Item2.Count;
            var ragged = keyed.Zip(rows).FirstOrDefault(t => t.Second.Item2.Count != dim);
            if (ragged.Second.Item2 is not null)
                throw new InputError($"key \"{ragged.First.Key}\" has {ragged.Second.Item2.Count} values, \"{keyed[0].Key}\" has {dim}", source);
            rows.Sort((a, b) => a.Item1.Z.CompareTo(b.Item1.Z));
            return ElementTable.FromRows(name, rows, source: source);
        }
    }

    /// <summary>
    /// A scalar representation (element → integer position, e.g. a modified Pettifor scale) as ElementEmbeddings expands it:
    /// one-hot vectors as long as the number of elements, with the 1 at the element's value.
    /// </summary>
    private static ElementTable LinearAsOneHot(List<(Element Element, JsonElement Value, string Key)> keyed, string source, string name)
    {
        int n = keyed.Count;
        var rows = new List<(Element, IReadOnlyList<double>)>();
        foreach (var (e, value, key) in keyed)
        {
            if (!value.TryGetInt32(out int pos) || pos < 0 || pos >= n)
                throw new InputError($"key \"{key}\": a scalar representation needs integer positions 0..{n - 1}, got {value.GetRawText()}", source);
            var v = new double[n];
            v[pos] = 1;
            rows.Add((e, v));
        }
        rows.Sort((a, b) => a.Item1.Z.CompareTo(b.Item1.Z));
        return ElementTable.FromRows(name, rows, source: source);
    }

    /// <summary>Writes CGCNN's atom_init.json: keys "Z" in order of Z for every covered row (untrained rows too unless <paramref name="trainedOnly"/>).</summary>
    public static void WriteAtomInit(ElementTable table, string path, bool trainedOnly = false) =>
        TextFiles.WriteAtomic(path, w => w.Write(JsonText(table, trainedOnly, e => e.Z.ToString(CultureInfo.InvariantCulture))));

    /// <summary>Writes ElementEmbeddings JSON: keys are symbols, in order of Z.</summary>
    public static void WriteElementEmbeddingsJson(ElementTable table, string path, bool trainedOnly = false) =>
        TextFiles.WriteAtomic(path, w => w.Write(JsonText(table, trainedOnly, e => e.Symbol)));

    private static string JsonText(ElementTable table, bool trainedOnly, Func<Element, string> key)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var e in trainedOnly ? table.Trained : table.Elements)
            {
                json.WriteStartArray(key(e));
                foreach (double x in table[e]) json.WriteNumberValue(x);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // ---------------------------------------------------------------- ct-UAE folder

    /// <summary>
    /// Writes a ct-UAE folder: uae.csv and uae_elementembeddings.json with the trained rows, untrained.txt with the symbols
    /// of the untrained rows, atom_init.json with every row (keyed by Z), and SHA256SUMS of these four (checked whenever
    /// the folder is read). Each file is replaced atomically.
    /// </summary>
    public static void WriteUaeFolder(ElementTable table, string folder)
    {
        Directory.CreateDirectory(folder);
        WriteCsv(table, Path.Combine(folder, UaeFiles.Csv), trainedOnly: true);
        TextFiles.WriteAllTextAtomic(Path.Combine(folder, UaeFiles.Untrained),
            string.Concat(table.Untrained.Select(e => e.Symbol + "\n")));
        WriteAtomInit(table, Path.Combine(folder, UaeFiles.AtomInit));
        WriteElementEmbeddingsJson(table, Path.Combine(folder, UaeFiles.ElementEmbeddingsJson), trainedOnly: true);
        ContentChecksums.WriteFolderSums(folder, [UaeFiles.Csv, UaeFiles.Untrained, UaeFiles.AtomInit, UaeFiles.ElementEmbeddingsJson]);
    }

    /// <summary>
    /// Reads a ct-UAE folder (or a run directory with one in embedding/). Rows come from atom_init.json when present
    /// (every row, untrained ones flagged by untrained.txt), else from uae.csv; when both exist they must agree on the
    /// trained rows. The table is named after the run (the folder, or its parent when the folder is called "embedding").
    /// </summary>
    public static ElementTable ReadUaeFolder(string path, string? name = null)
    {
        string folder = path;
        if (!File.Exists(Path.Combine(folder, UaeFiles.Csv)) && !File.Exists(Path.Combine(folder, UaeFiles.AtomInit))
            && Directory.Exists(Path.Combine(folder, UaeFiles.RunSubfolder)))
            folder = Path.Combine(folder, UaeFiles.RunSubfolder);
        string full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        name ??= Path.GetFileName(full) == UaeFiles.RunSubfolder ? Path.GetFileName(Path.GetDirectoryName(full)!) : Path.GetFileName(full);
        string csvPath = Path.Combine(folder, UaeFiles.Csv), atomInitPath = Path.Combine(folder, UaeFiles.AtomInit),
            untrainedPath = Path.Combine(folder, UaeFiles.Untrained);
        bool hasCsv = File.Exists(csvPath), hasAtomInit = File.Exists(atomInitPath);
        if (!hasCsv && !hasAtomInit)
            throw new InputError($"not a ct embed folder: neither {UaeFiles.Csv} nor {UaeFiles.AtomInit} found (nor an {UaeFiles.RunSubfolder}/ folder holding them)", path);
        ContentChecksums.VerifyFolder(folder);

        var untrained = new List<Element>();
        if (File.Exists(untrainedPath))
        {
            int lineNo = 0;
            foreach (string raw in File.ReadLines(untrainedPath))
            {
                lineNo++;
                string s = raw.Trim();
                if (s.Length == 0 || s.StartsWith('#')) continue;
                if (!PeriodicTable.TryGet(s, out var e)) throw new InputError($"unknown element symbol '{s}'", untrainedPath, lineNo);
                untrained.Add(e);
            }
        }
        ElementTable? csv = hasCsv ? ReadCsv(csvPath, name) : null;
        if (!hasAtomInit)
        {
            // Only the trained rows exist: the untrained elements are simply not covered.
            return csv!;
        }
        var all = ReadJson(atomInitPath, name);
        var rows = all.Elements.Select(e => (e, (IReadOnlyList<double>)all.Vector(e)));
        var missingRows = untrained.Where(e => !all.Covers(e)).ToList();
        if (missingRows.Count > 0)
            throw new InputError($"{UaeFiles.Untrained} lists {string.Join(" ", missingRows)} but {UaeFiles.AtomInit} has no row for them", untrainedPath);
        var table = ElementTable.FromRows(name, rows, untrained, csv?.ColumnNames, source: Path.GetFullPath(folder));
        if (csv is not null) CheckAgreement(table, csv, csvPath);
        return table;
    }

    private static void CheckAgreement(ElementTable full, ElementTable csv, string csvPath)
    {
        var extra = csv.Elements.Where(e => !full.IsTrained(e)).ToList();
        if (extra.Count > 0)
            throw new InputError($"has rows for {string.Join(" ", extra)}, which {UaeFiles.AtomInit} lacks or {UaeFiles.Untrained} marks untrained", csvPath);
        var absent = full.Trained.Where(e => !csv.Covers(e)).ToList();
        if (absent.Count > 0)
            throw new InputError($"lacks trained elements {string.Join(" ", absent)} that {UaeFiles.AtomInit} has (not listed in {UaeFiles.Untrained})", csvPath);
        if (csv.Dimension != full.Dimension)
            throw new InputError($"has {csv.Dimension} columns, {UaeFiles.AtomInit} has {full.Dimension}", csvPath);
        foreach (var e in csv.Elements)
        {
            var a = full[e]; var b = csv[e];
            for (int c = 0; c < a.Length; c++)
                if (Math.Abs(a[c] - b[c]) > 1e-6 * Math.Max(1, Math.Abs(a[c])))
                    throw new InputError($"row {e.Symbol}, column {c}: {b[c]} differs from {a[c]} in {UaeFiles.AtomInit}", csvPath);
        }
    }
}
