using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// One setting of a space group: its number, symbols and full list of operations. <see cref="Id"/> identifies the
/// setting; two instances with the same id hold the same operations, possibly in another order.
/// </summary>
public sealed record SpaceGroupSetting(int Id, int Number, string Hall, string HermannMauguin, string UniversalSymbol,
    IReadOnlyList<SymmetryOperation> Operations)
{
    /// <summary>The same setting with its operations as another source lists them (order, translations as written).</summary>
    public SpaceGroupSetting WithOperations(IReadOnlyList<SymmetryOperation> operations) => this with { Operations = operations };

    public override string ToString() => $"{UniversalSymbol} (No. {Number}, {Operations.Count} operations)";
}

/// <summary>
/// The 230 space groups in 752 settings (data/spacegroups/README.md: derived from pymatgen's tables, MIT).
/// Symbol look-up first gives exactly pymatgen's choice, then accepts spellings pymatgen does not: any letter case,
/// setting suffixes (":2", "Z"/"S" origin choices, ":H"/":R" or "H"/"R" axes, "(origin choice 2)"), and the old cubic
/// notation without the bar ("Fm3m").
/// </summary>
public static partial class SpaceGroupTable
{
    private sealed class Tables
    {
        public readonly List<SpaceGroupSetting> Settings = new();
        public readonly Dictionary<string, SpaceGroupSetting> Pymatgen = new(StringComparer.Ordinal);
        public readonly Dictionary<int, SpaceGroupSetting> ByNumber = new();
        public readonly Dictionary<string, int> Universal = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> Folded = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> Hall = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> Alias = new(StringComparer.Ordinal);
        public readonly Dictionary<string, List<int>> SettingsOfSymbol = new(StringComparer.Ordinal);
    }

    private static readonly Lazy<Tables> Data = new(Load);

    public static IReadOnlyList<SpaceGroupSetting> Settings => Data.Value.Settings;

    /// <summary>pymatgen's normalisation of a symbol: white space and underscores removed.</summary>
    public static string Normalize(string symbol)
    {
        var sb = new StringBuilder(symbol.Length);
        foreach (char c in symbol)
            if (!char.IsWhiteSpace(c) && c != '_' && c != '\'' && c != '"') sb.Append(c);
        return sb.ToString();
    }

    /// <summary>Hall symbols separate their parts by spaces ("P 3 2" is not "P 32"), so spaces are collapsed, not removed.</summary>
    private static string NormalizeHall(string hall) =>
        string.Join(' ', hall.Trim().Trim('\'', '"').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    /// <summary>Looks up a Hermann–Mauguin symbol ("P 21/c", "F d -3 m :2", "R -3 m H", "Fm3m").</summary>
    public static bool TryFindBySymbol(string symbol, out SpaceGroupSetting setting)
    {
        var t = Data.Value;
        setting = null!;
        string norm = Normalize(symbol);
        if (norm.Length == 0) return false;
        // pymatgen's own choice first, with its order of operations (which decides the order of equivalent sites).
        if (t.Pymatgen.TryGetValue(norm, out var exact)) { setting = exact; return true; }
        if (t.Universal.TryGetValue(norm, out int id) || t.Alias.TryGetValue(norm, out id))
        {
            setting = t.Settings[id];
            return true;
        }
        foreach (var candidate in Variants(symbol))
        {
            if (t.Pymatgen.TryGetValue(candidate, out exact)) { setting = exact; return true; }
            if (t.Universal.TryGetValue(candidate, out id) || t.Alias.TryGetValue(candidate, out id)
                || t.Folded.TryGetValue(candidate.ToLowerInvariant(), out id))
            {
                setting = t.Settings[id];
                return true;
            }
        }
        return false;
    }

    /// <summary>True when pymatgen's CifParser itself resolves this symbol (without falling back to the number).</summary>
    public static bool IsPymatgenSymbol(string symbol) => Data.Value.Pymatgen.ContainsKey(Normalize(symbol));

    /// <summary>Looks up a Hall symbol ("-P 2ybc"); letter case and repeated spaces are not significant (single spaces are).</summary>
    public static bool TryFindByHall(string hall, out SpaceGroupSetting setting)
    {
        var t = Data.Value;
        if (t.Hall.TryGetValue(NormalizeHall(hall), out int id)) { setting = t.Settings[id]; return true; }
        setting = null!;
        return false;
    }

    /// <summary>The setting pymatgen uses for a bare space-group number (hexagonal axes for R groups).</summary>
    public static bool TryFindByNumber(int number, out SpaceGroupSetting setting)
    {
        var t = Data.Value;
        if (t.ByNumber.TryGetValue(number, out var found)) { setting = found; return true; }
        setting = null!;
        return false;
    }

    /// <summary>All settings sharing this setting's Hermann–Mauguin symbol (origin choices 1/2, hexagonal/rhombohedral axes).</summary>
    public static IReadOnlyList<SpaceGroupSetting> Alternatives(SpaceGroupSetting setting)
    {
        var t = Data.Value;
        return t.SettingsOfSymbol.TryGetValue(Normalize(setting.HermannMauguin), out var ids)
            ? ids.Select(i => i == setting.Id ? setting : t.Settings[i]).ToArray()
            : [setting];
    }

    /// <summary>True when the symbol names the setting explicitly (":1", ":2", ":H", ":R", ICSD's "Z"/"S"/"H"/"R", "origin").</summary>
    public static bool NamesSetting(string symbol) => SettingSuffix().IsMatch(symbol.Trim()) || symbol.Contains(':')
        || symbol.Contains("origin", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\s+[ZSHR]$|[)]$", RegexOptions.CultureInvariant)]
    private static partial Regex SettingSuffix();

    [GeneratedRegex(@"\(?\s*origin\s*(choice)?\s*(?<n>[12])\s*\)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OriginPhrase();

    [GeneratedRegex(@"\{[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex BraceNote();

    [GeneratedRegex(@"([mnadbce])3", RegexOptions.CultureInvariant)]
    private static partial Regex OldCubic();

    /// <summary>Spellings to try after the exact ones, most specific first.</summary>
    private static IEnumerable<string> Variants(string symbol)
    {
        string s = symbol.Trim().Trim('\'', '"').Trim();
        // Notes in braces ("R 3 c {rhombohedral axes}") are dropped; the cell then decides the axes.
        s = BraceNote().Replace(s, " ").Trim();
        var m = OriginPhrase().Match(s);
        if (m.Success) s = s.Remove(m.Index, m.Length).Trim() + ":" + m.Groups["n"].Value;
        // ICSD: "F d -3 m Z" (origin 2), "S" (origin 1), "R -3 m H" / "R" (axes).
        var suffix = Regex.Match(s, @"^(?<sym>.*\S)\s+(?<s>[ZSHR])$");
        if (suffix.Success)
        {
            string code = suffix.Groups["s"].Value switch { "Z" => "2", "S" => "1", var x => x };
            s = suffix.Groups["sym"].Value + ":" + code;
        }
        string n = Normalize(s);
        yield return n;
        if (n.EndsWith(":1", StringComparison.Ordinal) || n.EndsWith(":2", StringComparison.Ordinal)
            || n.EndsWith(":H", StringComparison.OrdinalIgnoreCase) || n.EndsWith(":R", StringComparison.OrdinalIgnoreCase))
        {
            yield return n[..^2] + ":" + char.ToUpperInvariant(n[^1]);
            yield return n[..^2]; // a setting we do not hold: fall back to the symbol
        }
        if (!n.Contains('-') && n.Contains('3') && OldCubic().IsMatch(n.Length > 1 ? n[1..] : n))
            yield return n[0] + OldCubic().Replace(n[1..], "$1-3", 1);
    }

    /// <summary>The setting with pymatgen's own operations (Q line named in the fourth column), if any.</summary>
    private static SpaceGroupSetting Ordered(SpaceGroupSetting setting, string[] fields, Dictionary<string, SymmetryOperation[]> ordered) =>
        fields.Length > 3 && fields[3].Length > 0 ? setting.WithOperations(ordered[fields[3]]) : setting;

    private static Tables Load()
    {
        var t = new Tables();
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("spacegroups.txt.gz")
            ?? throw new InvalidOperationException("space-group table resource is missing from the assembly");
        using var gz = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        var symmOpsHalls = new List<(string, int)>();
        var ordered = new Dictionary<string, SymmetryOperation[]>(StringComparer.Ordinal);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            switch (f[0])
            {
                case "S":
                    var ops = f[6].Split(';').Select(SymmetryOperation.Parse).ToArray();
                    int id = t.Settings.Count;
                    var setting = new SpaceGroupSetting(id, int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4], f[5], ops);
                    t.Settings.Add(setting);
                    t.Universal.TryAdd(Normalize(setting.UniversalSymbol), id);
                    if (setting.Hall.Length > 0) symmOpsHalls.Add((NormalizeHall(setting.Hall), id));
                    string hm = Normalize(setting.HermannMauguin);
                    if (!t.SettingsOfSymbol.TryGetValue(hm, out var list)) t.SettingsOfSymbol[hm] = list = new List<int>();
                    if (!setting.UniversalSymbol.Contains('(')) list.Add(id);
                    break;
                case "P":
                    t.Pymatgen[f[1]] = Ordered(t.Settings[int.Parse(f[2], CultureInfo.InvariantCulture)], f, ordered);
                    break;
                case "Q":
                    ordered[f[1]] = f[3].Split(';').Select(SymmetryOperation.Parse).ToArray();
                    break;
                case "H":
                    t.Hall.TryAdd(NormalizeHall(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture));
                    break;
                case "A":
                    t.Alias.TryAdd(f[1], int.Parse(f[2], CultureInfo.InvariantCulture));
                    break;
                case "N":
                    t.ByNumber[int.Parse(f[1], CultureInfo.InvariantCulture)] = Ordered(t.Settings[int.Parse(f[2], CultureInfo.InvariantCulture)], f, ordered);
                    break;
            }
        }
        // spglib's Hall symbols first (authoritative), then those of pymatgen's table.
        foreach (var (hall, id) in symmOpsHalls) t.Hall.TryAdd(hall, id);
        // Case-insensitive look-ups keep pymatgen's choice first, then the settings' own symbols, then spglib's spellings.
        foreach (var (key, found) in t.Pymatgen) t.Folded.TryAdd(key.ToLowerInvariant(), found.Id);
        for (int i = 0; i < t.Settings.Count; i++)
        {
            t.Folded.TryAdd(Normalize(t.Settings[i].UniversalSymbol).ToLowerInvariant(), i);
            t.Folded.TryAdd(Normalize(t.Settings[i].HermannMauguin).ToLowerInvariant(), i);
        }
        foreach (var (key, id) in t.Alias) t.Folded.TryAdd(key.ToLowerInvariant(), id);
        return t;
    }
}
