using System.Globalization;
using System.Text;

namespace CrystalTransformer.IO.Text;

/// <summary>Whitespace tokenising and invariant number parsing for line-oriented formats.</summary>
internal static class Tokens
{
    /// <summary>
    /// Splits a line at whitespace (spaces, tabs, any Unicode space, as Python's str.split does). Fills at most
    /// <paramref name="ranges"/>.Length ranges and returns the total number of tokens, which may be larger.
    /// </summary>
    public static int Split(ReadOnlySpan<char> line, Span<Range> ranges)
    {
        int count = 0, i = 0, n = line.Length;
        while (true)
        {
            while (i < n && char.IsWhiteSpace(line[i])) i++;
            if (i == n) return count;
            int start = i;
            while (i < n && !char.IsWhiteSpace(line[i])) i++;
            if (count < ranges.Length) ranges[count] = new Range(start, i);
            count++;
        }
    }

    /// <summary>The first whitespace-separated token (empty for a blank line).</summary>
    public static ReadOnlySpan<char> First(ReadOnlySpan<char> line)
    {
        line = line.TrimStart();
        int i = 0;
        while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
        return line[..i];
    }

    public static bool IsBlank(ReadOnlySpan<char> line) => line.IsWhiteSpace();

    public static bool TryParseDouble(ReadOnlySpan<char> s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>A finite number (NaN and infinities are refused, as coordinates and cells cannot use them).</summary>
    public static bool TryParseFinite(ReadOnlySpan<char> s, out double value) =>
        TryParseDouble(s, out value) && double.IsFinite(value);

    public static bool TryParseInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryParseLong(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>A token quoted for an error message: at most 40 characters, control characters escaped.</summary>
    public static string Show(ReadOnlySpan<char> token)
    {
        const int max = 40;
        var sb = new StringBuilder(Math.Min(token.Length, max) + 8);
        sb.Append('\'');
        foreach (char c in token.Length > max ? token[..max] : token)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085')
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        if (token.Length > max) sb.Append("...");
        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>Shortest text that parses back to exactly the same double ("0.5", "1E-05", "-3.25").</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
