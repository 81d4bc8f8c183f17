using System.Globalization;
using System.Text.RegularExpressions;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// Element names in CIF atom sites: _atom_site_type_symbol ("Fe", "Fe3+", "FE") or, without it, the site label
/// ("Fe1", "O2a", "Ow1"). Follows pymatgen's CifParser._parse_symbol: special water/hydroxide labels first, then the
/// first two letters if they are a symbol, else the first letter. Deuterium and tritium ("D1", "T") are hydrogen.
/// </summary>
internal static partial class CifSpecies
{
    // pymatgen's special prefixes (re.match of "Hw|Ow|Wat|wat|OH|OH2|NO3"). pymatgen drops "OH"/"OH2" sites entirely;
    // they are hydroxide or water oxygens, so they are read as O here.
    private static readonly (string Prefix, string Symbol)[] Special =
        [("Hw", "H"), ("Ow", "O"), ("Wat", "O"), ("wat", "O"), ("OH", "O"), ("NO3", "N")];

    [GeneratedRegex(@"^(?<el>[A-Za-z]{1,2})(?<n>[0-9]*(?:\.[0-9]+)?)(?<sign>[+-])$", RegexOptions.CultureInvariant)]
    private static partial Regex ChargeAfterRegex();

    [GeneratedRegex(@"^(?<el>[A-Za-z]{1,2})(?<sign>[+-])(?<n>[0-9]*(?:\.[0-9]+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex ChargeBeforeRegex();

    /// <summary>The element named by a type symbol or label, or null when none can be read.</summary>
    public static Element? ParseElement(string symbol)
    {
        var sym = symbol.AsSpan().Trim();
        if (sym.Length == 0) return null;
        foreach (var (prefix, el) in Special)
            if (sym.StartsWith(prefix, StringComparison.Ordinal)) return PeriodicTable.Get(el);
        if (sym.Length >= 2 && char.IsLetter(sym[0]) && char.IsLetter(sym[1]))
        {
            Span<char> two = [char.ToUpperInvariant(sym[0]), char.ToLowerInvariant(sym[1])];
            if (PeriodicTable.TryGet(new string(two), out var e2)) return e2;
        }
        if (char.IsLetter(sym[0]))
        {
            char first = char.ToUpperInvariant(sym[0]);
            if (first is 'D' or 'T') return PeriodicTable.Get(1);
            if (PeriodicTable.TryGet(first.ToString(), out var e1)) return e1;
        }
        return null;
    }

    /// <summary>The oxidation state written in a type symbol such as "Fe3+", "O2-", "Na+" or "Fe+3"; null when there is none.</summary>
    public static double? ParseOxidationState(string symbol)
    {
        if (symbol.IndexOfAny(['+', '-']) < 0) return null;
        var text = symbol.Trim();
        var m = ChargeAfterRegex().Match(text);
        if (!m.Success) m = ChargeBeforeRegex().Match(text);
        if (!m.Success) return null;
        double mag = m.Groups["n"].Value.Length > 0 ? double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : 1;
        return m.Groups["sign"].Value == "-" ? -mag : mag;
    }

    /// <summary>pymatgen's str(Species): "Fe3+", "O2-", "Na+", "Fe0+"; the bare symbol without an oxidation state.</summary>
    public static string SpeciesString(Element element, double? oxidation)
    {
        if (oxidation is not double ox) return element.Symbol;
        string mag = Composition.FormatAmount(Math.Abs(ox), ignoreOnes: true);
        return element.Symbol + mag + (ox >= 0 ? "+" : "-");
    }
}
