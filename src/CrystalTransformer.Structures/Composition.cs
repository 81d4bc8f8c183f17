using System.Globalization;

namespace CrystalTransformer.Structures;

/// <summary>
/// Amounts of each element (in order of first appearance), with pymatgen's formula conventions:
/// <see cref="Formula"/> = "Ca1 Ti1 O3" sorted by electronegativity, <see cref="ReducedFormula"/> = "CaTiO3".
/// </summary>
public sealed class Composition
{
    private const double AmountTolerance = 1e-8;
    private readonly List<(Element Element, double Amount)> _amounts;

    private static readonly Dictionary<string, string> SpecialFormulas = new(StringComparer.Ordinal)
    {
        ["LiO"] = "Li2O2", ["NaO"] = "Na2O2", ["KO"] = "K2O2", ["HO"] = "H2O2", ["CsO"] = "Cs2O2",
        ["RbO"] = "Rb2O2", ["O"] = "O2", ["N"] = "N2", ["F"] = "F2", ["Cl"] = "Cl2", ["H"] = "H2",
    };

    /// <summary>Amounts per species (element and oxidation state) when built from sites; pymatgen decides whether a
    /// formula reduces from these, so "Fe2+ Fe3+" amounts of 0.5 each do not reduce even though Fe sums to 1.</summary>
    private readonly double[] _speciesAmounts;

    public Composition(IEnumerable<(Element Element, double Amount)> amounts) : this(amounts, null) { }

    private Composition(IEnumerable<(Element Element, double Amount)> amounts, double[]? speciesAmounts)
    {
        _amounts = new List<(Element, double)>();
        foreach (var (e, a) in amounts)
        {
            int i = _amounts.FindIndex(t => t.Item1 == e);
            if (i >= 0) _amounts[i] = (e, _amounts[i].Item2 + a);
            else _amounts.Add((e, a));
        }
        _speciesAmounts = speciesAmounts ?? _amounts.Select(t => t.Item2).ToArray();
    }

    /// <summary>
    /// Amounts summed as pymatgen's Structure.composition does: first per species (element and oxidation state, in
    /// order of first appearance), then per element. The order of additions decides the last bits of fractional
    /// amounts, and with them formula strings such as "Al2" versus "Al2.0".
    /// </summary>
    public static Composition FromSites(IEnumerable<Site> sites)
    {
        var species = new List<(Element Element, double? Oxidation, double Amount)>();
        foreach (var site in sites)
            foreach (var o in site.Occupants)
            {
                int i = species.FindIndex(t => t.Element == o.Element && t.Oxidation == o.OxidationState);
                if (i >= 0) species[i] = (o.Element, o.OxidationState, species[i].Amount + o.Occupancy);
                else species.Add((o.Element, o.OxidationState, o.Occupancy));
            }
        return new Composition(species.Select(t => (t.Element, t.Amount)),
            species.Where(t => Math.Abs(t.Amount) >= AmountTolerance).Select(t => t.Amount).ToArray());
    }

    /// <summary>Parses "CaTiO3", "Fe2(SO4)3", "Li0.5CoO2" or "Ca1 Ti1 O3".</summary>
    public static Composition Parse(string formula) => new(FormulaParser.Parse(formula));

    /// <summary>Elements and amounts in order of first appearance.</summary>
    public IReadOnlyList<(Element Element, double Amount)> Amounts => _amounts;

    public IEnumerable<Element> Elements => _amounts.Select(t => t.Element);

    public double this[Element e] => _amounts.FirstOrDefault(t => t.Element == e).Amount;

    public double TotalAmount => _amounts.Sum(t => t.Amount);

    /// <summary>Molar mass of the formula unit (Da).</summary>
    public double Weight => _amounts.Sum(t => t.Amount * t.Element.AtomicWeight);

    /// <summary>Atomic fraction of each element.</summary>
    public IReadOnlyList<(Element Element, double Fraction)> Fractions
    {
        get
        {
            double total = TotalAmount;
            return _amounts.Select(t => (t.Element, t.Amount / total)).ToArray();
        }
    }

    /// <summary>pymatgen's Composition.formula: "Ca1 Ti1 O3", ordered by pymatgen's electronegativity (Python sort, so
    /// elements without a value keep pymatgen's placement); amounts below 1e-8 are left out as pymatgen does.</summary>
    public string Formula
    {
        get
        {
            var elements = Significant().Select(t => t.Element).ToList();
            PymatgenConventions.PythonSort(elements, (x, y) => X(x) < X(y));
            return string.Join(" ", elements.Select(e => e.Symbol + FormatAmount(this[e], ignoreOnes: false)));
        }
    }

    /// <summary>pymatgen's Composition.reduced_formula: "CaTiO3", gcd-reduced, with its special cases (O2, H2O2, ...).</summary>
    public string ReducedFormula => ReducedFormulaAndFactor().Formula;

    public (string Formula, double Factor) ReducedFormulaAndFactor()
    {
        var amounts = Significant().ToList();
        if (amounts.Count == 0) return ("", 1);
        bool allInt = _speciesAmounts.All(a => Math.Abs(a - Math.Round(a)) < AmountTolerance);
        if (!allInt) return (Formula.Replace(" ", ""), 1);
        var ints = amounts.Select(t => (t.Element, Amount: (double)(long)Math.Round(t.Amount))).ToList();
        var (formula, factor) = Reduce(ints);
        if (SpecialFormulas.TryGetValue(formula, out var special)) { formula = special; factor /= 2; }
        return (formula, factor);
    }

    private IEnumerable<(Element Element, double Amount)> Significant() => _amounts.Where(t => Math.Abs(t.Amount) >= AmountTolerance);

    private static double X(Element e) => PymatgenConventions.Electronegativity(e);

    /// <summary>pymatgen's reduce_formula: sort by [X, symbol], divide by the gcd, and bracket a final polyanion.</summary>
    private static (string, double) Reduce(List<(Element Element, double Amount)> amounts)
    {
        var syms = amounts.Select(t => t.Element).ToList();
        // Python compares the keys [X, symbol] element by element; NaN differs from everything and is never less.
        PymatgenConventions.PythonSort(syms, (p, q) => X(p) == X(q) ? string.CompareOrdinal(p.Symbol, q.Symbol) < 0 : X(p) < X(q));
        double amountOf(Element e) => amounts.First(t => t.Element == e).Amount;
        syms = syms.Where(e => Math.Abs(amountOf(e)) > AmountTolerance).ToList();
        long factor = 1;
        if (amounts.All(t => t.Amount == Math.Truncate(t.Amount)))
        {
            long g = 0;
            foreach (var (_, a) in amounts) g = Gcd(g, Math.Abs((long)a));
            factor = g == 0 ? 1 : g;
        }
        string polyanion = "";
        if (syms.Count >= 3 && X(syms[^1]) - X(syms[^2]) < 1.65)
        {
            var poly = new List<(Element, double)> { (syms[^2], amountOf(syms[^2]) / factor), (syms[^1], amountOf(syms[^1]) / factor) };
            var (polyForm, polyFactor) = Reduce(poly);
            if (polyFactor != 1) polyanion = $"({polyForm}){(long)polyFactor}";
        }
        if (polyanion.Length > 0) syms = syms.Take(syms.Count - 2).ToList();
        var parts = syms.Select(e => e.Symbol + FormatAmount(amountOf(e) / factor, ignoreOnes: true));
        return (string.Concat(parts) + polyanion, factor);
    }

    private static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }

    /// <summary>pymatgen's formula_double_format: integers without decimals, others as Python prints round(x, 8).</summary>
    public static string FormatAmount(double amount, bool ignoreOnes)
    {
        if (ignoreOnes && amount == 1) return "";
        if (Math.Abs(amount - Math.Truncate(amount)) < 1e-8) return ((long)Math.Truncate(amount)).ToString(CultureInfo.InvariantCulture);
        return PymatgenConventions.PythonFloat(Math.Round(amount, 8, MidpointRounding.ToEven));
    }

    public override string ToString() => Formula;
}

/// <summary>Parses chemical formulas with parentheses and fractional amounts.</summary>
internal static class FormulaParser
{
    public static List<(Element, double)> Parse(string formula)
    {
        if (string.IsNullOrWhiteSpace(formula)) throw new InputError("empty formula");
        int pos = 0;
        var result = ParseGroup(formula.Replace(" ", ""), ref pos, 1.0);
        if (pos != formula.Replace(" ", "").Length) throw new InputError($"cannot parse formula '{formula}' at position {pos + 1}");
        if (result.Count == 0) throw new InputError($"formula '{formula}' names no element");
        return result;
    }

    private static List<(Element, double)> ParseGroup(string s, ref int pos, double multiplier)
    {
        var list = new List<(Element, double)>();
        while (pos < s.Length)
        {
            char c = s[pos];
            if (c is '(' or '[')
            {
                pos++;
                var inner = ParseGroup(s, ref pos, 1.0);
                if (pos >= s.Length || s[pos] is not (')' or ']')) throw new InputError($"unbalanced parenthesis in formula '{s}'");
                pos++;
                double n = ParseNumber(s, ref pos);
                list.AddRange(inner.Select(t => (t.Item1, t.Item2 * n * multiplier)));
            }
            else if (c is ')' or ']') break;
            else if (char.IsUpper(c))
            {
                int start = pos++;
                while (pos < s.Length && char.IsLower(s[pos])) pos++;
                string sym = s[start..pos];
                if (!PeriodicTable.TryGet(sym, out var e)) throw new InputError($"unknown element '{sym}' in formula '{s}'");
                list.Add((e, ParseNumber(s, ref pos) * multiplier));
            }
            else throw new InputError($"unexpected character '{c}' in formula '{s}'");
        }
        return list;
    }

    private static double ParseNumber(string s, ref int pos)
    {
        int start = pos;
        while (pos < s.Length && (char.IsDigit(s[pos]) || s[pos] == '.')) pos++;
        if (start == pos) return 1.0;
        return double.TryParse(s[start..pos], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InputError($"bad amount '{s[start..pos]}' in formula '{s}'");
    }
}
