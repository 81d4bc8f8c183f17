using System.Globalization;

namespace CrystalTransformer.IO.Cif;

/// <summary>CIF numbers: "5.4307", "5.4307(2)" (standard uncertainty in the last digits), "-.5", "1e-3".</summary>
public static class CifNumber
{
    /// <summary>
    /// Parses a CIF number, ignoring a standard uncertainty in parentheses (also an unclosed one, as written by some
    /// programs). "." counts as 0 where a number is required only if <paramref name="dotIsZero"/> (pymatgen's rule for
    /// coordinates and cell values). Non-finite values are rejected.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value, bool dotIsZero = false, bool allowFraction = false)
    {
        text = text.Trim();
        if (text.Length > 0 && text[0] == '\u2212')
        {
            // A typographic minus sign (U+2212), as some journals' files have: read as '-'.
            Span<char> ascii = stackalloc char[Math.Min(text.Length, 64)];
            if (text.Length > 64) { value = double.NaN; return false; }
            text.CopyTo(ascii);
            ascii[0] = '-';
            return TryParse(ascii, out value, dotIsZero, allowFraction);
        }
        int paren = text.IndexOf('(');
        if (paren >= 0) text = text[..paren].TrimEnd();
        if (dotIsZero && text is ".") { value = 0; return true; }
        int slash = text.IndexOf('/');
        if (allowFraction && slash > 0)
        {
            // Coordinates written as simple fractions ("1/4", "-2/3"), as some COD files do.
            if (TryParse(text[..slash], out double num) && TryParse(text[(slash + 1)..], out double den) && den != 0)
            {
                value = num / den;
                return true;
            }
            value = double.NaN;
            return false;
        }
        if (text.Length == 0 || text.Length > 64) { value = double.NaN; return false; }
        // Only plain decimal notation; double.TryParse alone would also take "Infinity", "NaN" and thousands forms.
        foreach (char c in text)
            if (!(char.IsAsciiDigit(c) || c is '.' or '-' or '+' or 'e' or 'E')) { value = double.NaN; return false; }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            value = double.NaN;
            return false;
        }
        return true;
    }

    public static bool TryParse(CifValue value, out double number, bool dotIsZero = false, bool allowFraction = false) =>
        TryParse(value.Text.AsSpan(), out number, dotIsZero, allowFraction);
}
