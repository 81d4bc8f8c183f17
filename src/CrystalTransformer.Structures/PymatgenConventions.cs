using System.Globalization;
using System.Reflection;

namespace CrystalTransformer.Structures;

/// <summary>
/// The few pymatgen conventions that decide formula strings and site order: its electronegativity table
/// (data/elements/pymatgen_electronegativity.csv, which differs from mendeleev's for 27 elements), Python's sort
/// (elements without a value compare as NaN, which Python's sort treats as "not less" in both directions) and Python's
/// float formatting. Matching them makes our formulas and site order equal pymatgen's.
/// </summary>
public static class PymatgenConventions
{
    private static readonly Lazy<double[]> Table = new(Load);

    /// <summary>pymatgen's Element.X (NaN for He, Ne, Ar and Z ≥ 104).</summary>
    public static double Electronegativity(Element e) => Table.Value[e.Z - 1];

    private static double[] Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("pymatgen_electronegativity.csv")
            ?? throw new InvalidOperationException("electronegativity table resource is missing from the assembly");
        using var reader = new StreamReader(stream);
        reader.ReadLine();
        var x = new double[PeriodicTable.MaxZ];
        Array.Fill(x, double.NaN);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            var f = line.Split(',');
            int z = int.Parse(f[0], CultureInfo.InvariantCulture);
            if (f[2].Length > 0) x[z - 1] = double.Parse(f[2], CultureInfo.InvariantCulture);
        }
        return x;
    }

    /// <summary>
    /// Sorts in place exactly as CPython's list.sort does for lists shorter than 64 (run detection, then binary
    /// insertion), so results agree with Python even when <paramref name="less"/> is not a consistent order (NaN keys).
    /// Longer lists use a stable merge sort, which agrees with Python whenever the order is consistent.
    /// </summary>
    public static void PythonSort<T>(IList<T> items, Func<T, T, bool> less)
    {
        int n = items.Count;
        if (n < 2) return;
        if (n >= 64)
        {
            var sorted = StableSort(items.ToArray(), less);
            for (int i = 0; i < n; i++) items[i] = sorted[i];
            return;
        }
        // count_run: a strictly descending start is reversed, otherwise the non-descending start is kept.
        int run = 2;
        if (less(items[1], items[0]))
        {
            while (run < n && less(items[run], items[run - 1])) run++;
            for (int i = 0, j = run - 1; i < j; i++, j--) (items[i], items[j]) = (items[j], items[i]);
        }
        else
        {
            while (run < n && !less(items[run], items[run - 1])) run++;
        }
        // binarysort of the rest into the run.
        for (int start = run; start < n; start++)
        {
            var pivot = items[start];
            int l = 0, r = start;
            do
            {
                int p = l + ((r - l) >> 1);
                if (less(pivot, items[p])) r = p;
                else l = p + 1;
            } while (l < r);
            for (int p = start; p > l; p--) items[p] = items[p - 1];
            items[l] = pivot;
        }
    }

    /// <summary>A stable merge sort by a "less than" predicate: it agrees with Python's sort whenever the order is consistent.</summary>
    public static T[] StableSort<T>(T[] a, Func<T, T, bool> less)
    {
        if (a.Length < 2) return a;
        int mid = a.Length / 2;
        var left = StableSort(a[..mid], less);
        var right = StableSort(a[mid..], less);
        var result = new T[a.Length];
        int i = 0, j = 0, k = 0;
        while (i < left.Length && j < right.Length)
            result[k++] = less(right[j], left[i]) ? right[j++] : left[i++];
        while (i < left.Length) result[k++] = left[i++];
        while (j < right.Length) result[k++] = right[j++];
        return result;
    }

    /// <summary>pymatgen's order of species (Element/Species): by electronegativity (none = ∞), then symbol, then oxidation state.</summary>
    public static int CompareSpecies(Element a, double? oxidationA, Element b, double? oxidationB)
    {
        double xa = Electronegativity(a), xb = Electronegativity(b);
        if (double.IsNaN(xa)) xa = double.PositiveInfinity;
        if (double.IsNaN(xb)) xb = double.PositiveInfinity;
        int c = xa.CompareTo(xb);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Symbol, b.Symbol);
        return c != 0 ? c : (oxidationA ?? 0).CompareTo(oxidationB ?? 0);
    }

    /// <summary>Python's str(float): shortest round-trip digits, "3.0" for integral values, "1e-05" / "1e+16" exponents.</summary>
    public static string PythonFloat(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        var (digits, exp10) = ShortestDigits(Math.Abs(v));
        string sign = v < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16)
        {
            string mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return $"{sign}{mantissa}e{(exp10 < 0 ? "-" : "+")}{Math.Abs(exp10):00}";
        }
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E')) s = decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        return s.Contains('.') ? s : s + ".0";
    }

    /// <summary>The shortest round-trip significant digits of a positive number and the power of ten of the first one.</summary>
    private static (string Digits, int Exp10) ShortestDigits(double abs)
    {
        string r = abs.ToString("R", CultureInfo.InvariantCulture);
        int e = 0, ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0) { e = int.Parse(r[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); r = r[..ePos]; }
        int dot = r.IndexOf('.');
        string intPart = dot < 0 ? r : r[..dot], all = intPart + (dot < 0 ? "" : r[(dot + 1)..]);
        int first = 0;
        while (first < all.Length - 1 && all[first] == '0') first++;
        string digits = all[first..].TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, e + intPart.Length - 1 - first);
    }
}
