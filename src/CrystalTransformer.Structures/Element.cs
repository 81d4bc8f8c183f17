using System.Globalization;
using System.Reflection;

namespace CrystalTransformer.Structures;

/// <summary>A chemical element with its tabulated properties (mendeleev's table, see data/elements/README.md).</summary>
public sealed class Element : IEquatable<Element>, IComparable<Element>
{
    public int Z { get; }
    public string Symbol { get; }
    public string Name { get; }
    /// <summary>Group 1–18; null for the lanthanides Ce–Lu and actinides Th–Lr, as in the source table.</summary>
    public int? Group { get; }
    public int Period { get; }
    /// <summary>'s', 'p', 'd' or 'f'.</summary>
    public char Block { get; }
    public int MendeleevNumber { get; }
    /// <summary>Relative atomic mass (Da).</summary>
    public double AtomicWeight { get; }
    /// <summary>Pauling electronegativity, NaN when not tabulated.</summary>
    public double Electronegativity => Property("en_pauling");

    private readonly double[] _values;

    internal Element(int z, string symbol, string name, int? group, int period, char block, int mendeleev, double weight, double[] values)
    {
        Z = z; Symbol = symbol; Name = name; Group = group; Period = period; Block = block;
        MendeleevNumber = mendeleev; AtomicWeight = weight; _values = values;
    }

    /// <summary>A numeric property by its column name in elements.csv (e.g. "atomic_radius"); NaN when the table has no value.</summary>
    public double Property(string name)
    {
        int i = PeriodicTable.PropertyIndex(name);
        return _values[i];
    }

    public bool Equals(Element? other) => other is not null && other.Z == Z;
    public override bool Equals(object? obj) => obj is Element e && e.Z == Z;
    public override int GetHashCode() => Z;
    public int CompareTo(Element? other) => Z.CompareTo(other?.Z ?? 0);
    public static bool operator ==(Element? a, Element? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Element? a, Element? b) => !(a == b);
    public override string ToString() => Symbol;
}

/// <summary>The 118 elements, looked up by symbol or atomic number.</summary>
public static class PeriodicTable
{
    public const int MaxZ = 118;

    private static readonly Lazy<Loaded> Table = new(Load);

    private sealed record Loaded(Element[] ByZ, Dictionary<string, Element> BySymbol, string[] PropertyNames, Dictionary<string, int> PropertyIndex);

    /// <summary>Elements in order of Z (index 0 is H).</summary>
    public static IReadOnlyList<Element> Elements => Table.Value.ByZ;

    /// <summary>Names of the numeric property columns of the element table.</summary>
    public static IReadOnlyList<string> PropertyNames => Table.Value.PropertyNames;

    public static Element Get(int z) =>
        z is >= 1 and <= MaxZ ? Table.Value.ByZ[z - 1] : throw new InputError($"no element with atomic number {z}");

    /// <summary>Exact symbol lookup ("Fe"); for labels such as "Fe3+" or "Fe1" use <see cref="Species.Parse"/>.</summary>
    public static Element Get(string symbol) =>
        TryGet(symbol, out var e) ? e : throw new InputError($"unknown element symbol '{symbol}'");

    public static bool TryGet(string symbol, out Element element)
    {
        if (symbol is not null && Table.Value.BySymbol.TryGetValue(symbol, out var e)) { element = e; return true; }
        element = null!;
        return false;
    }

    public static bool IsSymbol(string symbol) => symbol is not null && Table.Value.BySymbol.ContainsKey(symbol);

    internal static int PropertyIndex(string name) =>
        Table.Value.PropertyIndex.TryGetValue(name, out int i) ? i : throw new ArgumentException($"unknown element property '{name}'");

    private static Loaded Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("elements.csv")
            ?? throw new InvalidOperationException("element table resource is missing from the assembly");
        using var reader = new StreamReader(stream);
        string[] header = reader.ReadLine()!.Split(',');
        int col(string n) => Array.IndexOf(header, n);
        int cZ = col("atomic_number"), cSym = col("symbol"), cName = col("name"), cGroup = col("group_id"),
            cPeriod = col("period"), cBlock = col("block"), cMend = col("mendeleev_number"), cWeight = col("atomic_weight");
        var numericCols = Enumerable.Range(0, header.Length).Where(i => i != cSym && i != cName && i != cBlock).ToArray();
        var names = numericCols.Select(i => header[i]).ToArray();
        var byZ = new Element[MaxZ];
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            var f = line.Split(',');
            double num(int i) => f[i].Length == 0 ? double.NaN : double.Parse(f[i], CultureInfo.InvariantCulture);
            int z = int.Parse(f[cZ], CultureInfo.InvariantCulture);
            var values = numericCols.Select(num).ToArray();
            byZ[z - 1] = new Element(z, f[cSym], f[cName], f[cGroup].Length == 0 ? null : int.Parse(f[cGroup], CultureInfo.InvariantCulture),
                int.Parse(f[cPeriod], CultureInfo.InvariantCulture), f[cBlock][0], int.Parse(f[cMend], CultureInfo.InvariantCulture),
                num(cWeight), values);
        }
        if (byZ.Any(e => e is null)) throw new InvalidOperationException("element table is incomplete");
        var bySymbol = byZ.ToDictionary(e => e.Symbol, StringComparer.Ordinal);
        var index = names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i, StringComparer.Ordinal);
        return new Loaded(byZ, bySymbol, names, index);
    }
}
