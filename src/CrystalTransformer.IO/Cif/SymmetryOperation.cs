using System.Globalization;
using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// A space-group operation on fractional coordinates: x' = R·x + t, written in CIF as "-y, x-y, z+1/2".
/// </summary>
public readonly record struct SymmetryOperation(Mat3 Rotation, Vec3 Translation)
{
    public static readonly SymmetryOperation Identity = new(Mat3.Identity, Vec3.Zero);

    public Vec3 Apply(Vec3 frac) => Rotation * frac + Translation;

    /// <summary>
    /// Parses "x,y,z", "-x+1/2, y, -z", "1/2+x", "x-y", "+x", "X,Y,Z", "x+0.5", optional spaces anywhere, an optional
    /// leading running number ("3 -x,y,z") and a fourth time-reversal component of magnetic CIFs ("x,y,z,+1").
    /// </summary>
    public static SymmetryOperation Parse(string text) =>
        TryParse(text, out var op, out var reason) ? op : throw new InputError($"cannot read symmetry operation '{text}': {reason}");

    // Files repeat the same few hundred operation strings; parsing each once keeps large batches fast.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SymmetryOperation> Parsed = new(StringComparer.Ordinal);

    public static bool TryParse(string text, out SymmetryOperation operation, out string reason)
    {
        if (Parsed.TryGetValue(text, out operation)) { reason = ""; return true; }
        if (!TryParseUncached(text, out operation, out reason)) return false;
        if (Parsed.Count < 100_000) Parsed.TryAdd(text, operation);
        return true;
    }

    private static bool TryParseUncached(string text, out SymmetryOperation operation, out string reason)
    {
        operation = Identity;
        var s = StripRunningNumber(text.Trim().Trim('\'', '"'));
        var compact = new StringBuilder(s.Length);
        foreach (char c in s)
            if (!char.IsWhiteSpace(c)) compact.Append(char.ToLowerInvariant(c));
        var parts = compact.ToString().Split(',');
        if (parts.Length == 4 && parts[3] is "+1" or "1" or "-1") parts = parts[..3];
        if (parts.Length != 3) { reason = $"expected 3 comma-separated components, found {parts.Length}"; return false; }
        var rot = new double[3, 3];
        var trans = new double[3];
        for (int i = 0; i < 3; i++)
        {
            if (!TryParseComponent(parts[i], i, rot, trans, out reason)) return false;
        }
        var r = new Mat3(rot[0, 0], rot[0, 1], rot[0, 2], rot[1, 0], rot[1, 1], rot[1, 2], rot[2, 0], rot[2, 1], rot[2, 2]);
        double det = r.Determinant;
        if (Math.Abs(Math.Abs(det) - 1) > 1e-6) { reason = $"the rotation part has determinant {det:G4}, not ±1"; return false; }
        operation = new SymmetryOperation(r, new Vec3(trans[0], trans[1], trans[2]));
        reason = "";
        return true;
    }

    private static string StripRunningNumber(string s)
    {
        int i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i > 0 && i < s.Length && (char.IsWhiteSpace(s[i]) || s[i] == ':') && s.Count(c => c == ',') >= 2)
            return s[(i + 1)..].TrimStart();
        return s;
    }

    /// <summary>One component: a sum of terms "±[n[/m]][*]v" (v = x, y or z) and "±n[/m]" or "±0.5".</summary>
    private static bool TryParseComponent(string s, int row, double[,] rot, double[] trans, out string reason)
    {
        if (s.Length == 0) { reason = $"component {row + 1} is empty"; return false; }
        int pos = 0;
        bool any = false;
        while (pos < s.Length)
        {
            double sign = 1;
            bool signSeen = false;
            while (pos < s.Length && s[pos] is '+' or '-')
            {
                if (s[pos] == '-') sign = -sign;
                signSeen = true;
                pos++;
            }
            if (!signSeen && any) { reason = $"missing '+' or '-' in '{s}'"; return false; }
            double? number = null;
            int numStart = pos;
            while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '.')) pos++;
            if (pos > numStart)
            {
                if (!double.TryParse(s.AsSpan(numStart, pos - numStart), NumberStyles.Float, CultureInfo.InvariantCulture, out double n))
                { reason = $"bad number in '{s}'"; return false; }
                if (pos < s.Length && s[pos] == '/')
                {
                    int denStart = ++pos;
                    while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '.')) pos++;
                    if (pos == denStart || !double.TryParse(s.AsSpan(denStart, pos - denStart), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || d == 0)
                    { reason = $"bad fraction in '{s}'"; return false; }
                    n /= d;
                }
                number = n;
                if (pos < s.Length && s[pos] == '*') pos++;
            }
            if (pos < s.Length && s[pos] is 'x' or 'y' or 'z')
            {
                rot[row, s[pos] - 'x'] += sign * (number ?? 1);
                pos++;
                // "x/2" style divisors are not crystallographic; reject rather than misread.
                if (pos < s.Length && s[pos] is '/' or '*') { reason = $"unsupported term in '{s}'"; return false; }
            }
            else if (number is double t) trans[row] += sign * t;
            else { reason = pos < s.Length ? $"unexpected '{s[pos]}' in '{s}'" : $"dangling sign in '{s}'"; return false; }
            any = true;
        }
        reason = "";
        return true;
    }

    /// <summary>The CIF form, e.g. "-y, x-y, z+1/2" (translations as fractions with denominators up to 12 where exact).</summary>
    public string ToXyz()
    {
        var parts = new string[3];
        for (int i = 0; i < 3; i++)
        {
            var sb = new StringBuilder();
            for (int j = 0; j < 3; j++)
            {
                double c = Rotation[i, j];
                if (Math.Abs(c) < 1e-12) continue;
                string v = ((char)('x' + j)).ToString();
                string mag = Math.Abs(Math.Abs(c) - 1) < 1e-12 ? "" : Math.Abs(c).ToString("R", CultureInfo.InvariantCulture);
                sb.Append(c < 0 ? "-" : sb.Length > 0 ? "+" : "").Append(mag).Append(v);
            }
            double t = Translation[i];
            if (Math.Abs(t) > 1e-12)
                sb.Append(t < 0 ? "-" : sb.Length > 0 ? "+" : "").Append(Fraction(Math.Abs(t)));
            parts[i] = sb.Length == 0 ? "0" : sb.ToString();
        }
        return string.Join(", ", parts);
    }

    private static string Fraction(double v)
    {
        for (int den = 1; den <= 12; den++)
        {
            double num = v * den;
            if (Math.Abs(num - Math.Round(num)) < 1e-9)
                return den == 1 ? ((long)Math.Round(num)).ToString(CultureInfo.InvariantCulture) : $"{(long)Math.Round(num)}/{den}";
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    public override string ToString() => ToXyz();
}
