using System.Globalization;
using System.Text;
using CrystalTransformer.IO.Text;

namespace CrystalTransformer.IO.ExtXyz;

/// <summary>
/// The key=value pairs of an extended XYZ comment line, split exactly as ASE's key_val_str_to_dict does:
/// values (and keys) may be delimited by "...", '...', {...} or [...]; a backslash takes the next character
/// verbatim; a key without "=" means true ("T"); a later duplicate key replaces an earlier one.
/// </summary>
internal static class ExtXyzHeader
{
    public static List<KeyValuePair<string, string>> Parse(ReadOnlySpan<char> line)
    {
        var pairs = new List<List<StringBuilder>>();
        var current = new List<StringBuilder> { new() };
        bool started = false; // the current key or value has begun (a pair of quotes begins an empty value)
        char closing = '\0';
        bool escaped = false;
        foreach (char ch in line.Trim())
        {
            if (escaped) { current[^1].Append(ch); escaped = false; }
            else if (ch == '\\') { escaped = true; started = true; }
            else if (closing != '\0')
            {
                if (ch == closing) closing = '\0';
                else current[^1].Append(ch);
            }
            else if (ch is '"' or '\'' or '{' or '[') { closing = ch switch { '{' => '}', '[' => ']', _ => ch }; started = true; }
            else if (char.IsWhiteSpace(ch))
            {
                if (!started) continue; // between pairs, or "key =" before the value
                pairs.Add(current);
                current = [new StringBuilder()];
                started = false;
            }
            else if (ch == '=')
            {
                // "key = value": the key was already closed by the space, so reopen it.
                if (current.Count == 1 && !started && pairs.Count > 0) { current = pairs[^1]; pairs.RemoveAt(pairs.Count - 1); }
                current.Add(new StringBuilder());
                started = false;
            }
            else { current[^1].Append(ch); started = true; }
        }
        if (current.Count > 1 || started) pairs.Add(current);

        var result = new List<KeyValuePair<string, string>>(pairs.Count);
        foreach (var pair in pairs)
        {
            string key = pair[0].ToString();
            string value = pair.Count == 1 ? "T" : string.Join("=", pair.Skip(1).Select(p => p.ToString()));
            int existing = result.FindIndex(kv => kv.Key == key);
            if (existing >= 0) result.RemoveAt(existing);
            result.Add(new(key, value));
        }
        return result;
    }

    /// <summary>The parts of a value as ASE splits arrays: at whitespace and commas.</summary>
    public static string[] Parts(string value) =>
        value.Split([' ', '\t', ',', '\n', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A number as ASE reads one (Python int or float syntax, including nan and inf).</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        if (Tokens.TryParseDouble(text, out value)) return true;
        string t = text.TrimStart('+');
        bool negative = t.StartsWith('-');
        if (negative) t = t[1..];
        if (t.Equals("inf", StringComparison.OrdinalIgnoreCase) || t.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (t.Equals("nan", StringComparison.OrdinalIgnoreCase)) { value = double.NaN; return true; }
        return false;
    }

    /// <summary>ASE's booleans in a header or a logical column.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "T" or "True" or "true" or "TRUE": value = true; return true;
            case "F" or "False" or "false" or "FALSE": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>A value as it must be written so that the parser above (and ASE's) reads it back unchanged.</summary>
    public static string Quote(string value)
    {
        value = value.ReplaceLineEndings(" ");
        bool plain = value.Length > 0;
        foreach (char c in value)
            if (char.IsWhiteSpace(c) || c is '"' or '\'' or '{' or '}' or '[' or ']' or '\\' or '=' or ',') { plain = false; break; }
        if (plain) return value;
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>True when a name can be written as a header key without quoting.</summary>
    public static bool IsPlainKey(string key)
    {
        if (key.Length == 0) return false;
        foreach (char c in key)
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '{' or '}' or '[' or ']' or '\\' or '=' or ',') return false;
        return true;
    }

    public static string Format(double value) =>
        double.IsNaN(value) ? "nan" : double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf"
            : value.ToString("R", CultureInfo.InvariantCulture);
}
