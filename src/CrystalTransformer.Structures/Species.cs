using System.Globalization;
using System.Text.RegularExpressions;

namespace CrystalTransformer.Structures;

/// <summary>An element with an optional oxidation state, parsed from the spellings crystal files use.</summary>
public readonly record struct Species(Element Element, double? OxidationState = null)
{
    // "Fe3+", "O2-", "Fe+" and "Fe+3": letters, then a charge.
    private static readonly Regex ChargeAfter = new(@"^(?<el>[A-Za-z]+)(?<n>\d+(?:\.\d+)?)?(?<sign>[+-])$", RegexOptions.CultureInvariant);
    private static readonly Regex ChargeBefore = new(@"^(?<el>[A-Za-z]+)(?<sign>[+-])(?<n>\d+(?:\.\d+)?)$", RegexOptions.CultureInvariant);

    /// <summary>Labels that name a molecule or water site rather than an element (as pymatgen treats them).</summary>
    private static readonly Dictionary<string, string> Special = new(StringComparer.Ordinal)
    {
        ["Hw"] = "H", ["Ow"] = "O", ["Wat"] = "O", ["wat"] = "O", ["NO3"] = "N",
    };

    /// <summary>
    /// Parses "Fe", "Fe3+", "Fe+3", "O2-", site labels like "Fe1" or "O1a", upper-case "FE", and deuterium/tritium
    /// ("D", "T") as hydrogen. Follows pymatgen's rule for labels: the first two letters if they form a symbol, else the first.
    /// </summary>
    public static Species Parse(string label) =>
        TryParse(label, out var s) ? s : throw new InputError($"unknown element '{label}'");

    public static bool TryParse(string? label, out Species species)
    {
        species = default;
        if (string.IsNullOrWhiteSpace(label)) return false;
        string text = label.Trim().Trim('\'', '"');
        double? oxidation = null;
        var m = ChargeAfter.Match(text);
        if (!m.Success) m = ChargeBefore.Match(text);
        if (m.Success)
        {
            double mag = m.Groups["n"].Success ? double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : 1;
            oxidation = m.Groups["sign"].Value == "-" ? -mag : mag;
            text = m.Groups["el"].Value;
        }
        if (Special.TryGetValue(text, out var special)) text = special;
        var element = ParseSymbol(text);
        if (element is null) return false;
        species = new Species(element, oxidation);
        return true;
    }

    /// <summary>The element named at the start of a label, or null.</summary>
    public static Element? ParseSymbol(string text)
    {
        if (text.Length == 0) return null;
        if (text.Length >= 2 && char.IsLetter(text[0]) && char.IsLetter(text[1]))
        {
            string two = char.ToUpperInvariant(text[0]) + char.ToLowerInvariant(text[1]).ToString();
            if (PeriodicTable.TryGet(two, out var e2)) return e2;
        }
        if (char.IsLetter(text[0]))
        {
            string one = char.ToUpperInvariant(text[0]).ToString();
            if (one is "D" or "T") return PeriodicTable.Get(1); // deuterium and tritium are hydrogen
            if (PeriodicTable.TryGet(one, out var e1)) return e1;
        }
        return null;
    }

    public override string ToString()
    {
        if (OxidationState is not double ox) return Element.Symbol;
        string mag = Math.Abs(ox) == Math.Round(Math.Abs(ox)) ? ((int)Math.Abs(ox)).ToString(CultureInfo.InvariantCulture) : Math.Abs(ox).ToString(CultureInfo.InvariantCulture);
        return Element.Symbol + mag + (ox < 0 ? "-" : "+");
    }
}
