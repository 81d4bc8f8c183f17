namespace CrystalTransformer.Structures;

/// <summary>What to do with an element that a data set needs but a table does not cover (or covers only with an untrained row).</summary>
public enum MissingElementPolicy
{
    /// <summary>Refuse: an <see cref="InputError"/> lists every such element and the structures that need it.</summary>
    Error,
    /// <summary>Use a zero vector.</summary>
    Zero,
    /// <summary>Use the mean vector of the table's trained elements.</summary>
    Mean,
}

/// <summary>A value that was missing in the source table and was filled with its column mean.</summary>
public readonly record struct FilledValue(Element Element, int Column, double Value);

/// <summary>An element that a data set needs and the table could not supply, with the structures that need it.</summary>
public sealed record MissingElement(Element Element, bool Untrained, IReadOnlyList<string> NeededBy);

/// <summary>The outcome of <see cref="ElementTable.Resolve"/>: a table that covers every needed element, and what was filled in.</summary>
public sealed record ResolvedElementTable(ElementTable Table, IReadOnlyList<MissingElement> Filled, MissingElementPolicy Policy)
{
    /// <summary>One line for logs, e.g. "megnet16: 2 elements filled with the mean vector (Pa, Ac)"; empty when nothing was filled.</summary>
    public string Summary => Filled.Count == 0 ? ""
        : $"{Table.Name}: {Filled.Count} element{(Filled.Count == 1 ? "" : "s")} filled with " +
          $"{(Policy == MissingElementPolicy.Zero ? "a zero vector" : "the mean vector")} ({string.Join(", ", Filled.Select(m => m.Element.Symbol))})";
}

/// <summary>
/// Per-element feature vectors (a CGCNN atom_init table, a learned embedding such as a ct-UAE, a property table, one-hot, ...).
/// A table covers some elements; a covered element may be flagged untrained (its row exists but was never learned, as for
/// elements absent from a ct-UAE's training data) — such rows are kept for inspection but never used silently.
/// Missing values (empty cells, NaN) are filled with the column mean over the covered elements that have a value;
/// <see cref="FilledValues"/> reports each one. Immutable; file formats live in CrystalTransformer.IO.
/// </summary>
public sealed class ElementTable
{
    private readonly double[] _data;          // [PeriodicTable.MaxZ * Dimension], row Z-1; zeros for uncovered elements
    private readonly bool[] _covered;         // by Z-1
    private readonly bool[] _untrained;       // by Z-1
    private readonly Element[] _elements;
    private readonly Element[] _untrainedList;
    private readonly string[] _columnNames;

    public string Name { get; }
    public int Dimension { get; }

    /// <summary>Where the table came from (file path or built-in name), for messages.</summary>
    public string Source { get; }

    /// <summary>Column names (f0, f1, ... unless the source named them).</summary>
    public IReadOnlyList<string> ColumnNames => _columnNames;

    /// <summary>Covered elements (trained or not) in order of Z.</summary>
    public IReadOnlyList<Element> Elements => _elements;

    /// <summary>Covered elements whose rows are flagged as not learned, in order of Z.</summary>
    public IReadOnlyList<Element> Untrained => _untrainedList;

    /// <summary>Covered elements that are not flagged untrained, in order of Z.</summary>
    public IReadOnlyList<Element> Trained { get; }

    /// <summary>Cells that were empty in the source and were filled with the column mean.</summary>
    public IReadOnlyList<FilledValue> FilledValues { get; }

    /// <summary>Per-column mean and standard deviation applied by <see cref="Standardized"/> (null if this table is not standardised).</summary>
    public (double[] Mean, double[] Std)? Scaling { get; }

    private ElementTable(string name, string source, int dimension, double[] data, bool[] covered, bool[] untrained,
        string[] columnNames, IReadOnlyList<FilledValue> filled, (double[], double[])? scaling)
    {
        Name = name; Source = source; Dimension = dimension; _data = data; _covered = covered; _untrained = untrained;
        _columnNames = columnNames; FilledValues = filled; Scaling = scaling;
        _elements = PeriodicTable.Elements.Where(e => covered[e.Z - 1]).ToArray();
        _untrainedList = _elements.Where(e => untrained[e.Z - 1]).ToArray();
        Trained = _elements.Where(e => !untrained[e.Z - 1]).ToArray();
    }

    // ---------------------------------------------------------------- builders

    /// <summary>
    /// A table from rows. NaN entries are missing values: they are filled with the mean of their column over the other
    /// covered, trained elements and listed in <see cref="FilledValues"/>. A column without any value is an error, as are
    /// duplicate elements, rows of the wrong length and infinities.
    /// </summary>
    /// <summary>Largest |value| a table may hold.</summary>
    public const double MaxValue = 1e36;

    public static ElementTable FromRows(string name, IEnumerable<(Element Element, IReadOnlyList<double> Vector)> rows,
        IEnumerable<Element>? untrained = null, IReadOnlyList<string>? columnNames = null, string? source = null)
    {
        source ??= name;
        var list = rows.ToList();
        if (list.Count == 0) throw new InputError("the element table has no rows", source);
        int dim = columnNames?.Count ?? list[0].Vector.Count;
        if (dim == 0) throw new InputError("the element table has no columns", source);
        var data = new double[PeriodicTable.MaxZ * dim];
        var covered = new bool[PeriodicTable.MaxZ];
        var untrainedFlags = new bool[PeriodicTable.MaxZ];
        var missing = new List<(Element, int)>();
        foreach (var (e, v) in list)
        {
            if (e is null) throw new InputError("a row has no element", source);
            if (covered[e.Z - 1]) throw new InputError($"element {e.Symbol} appears twice", source);
            if (v.Count != dim) throw new InputError($"row {e.Symbol} has {v.Count} values, expected {dim}", source);
            covered[e.Z - 1] = true;
            for (int c = 0; c < dim; c++)
            {
                double x = v[c];
                if (double.IsInfinity(x)) throw new InputError($"row {e.Symbol}, column {c}: value is infinite", source);
                // Networks hold tables in float32 (largest 3.4e38), and standardising squares the values.
                if (Math.Abs(x) > MaxValue) throw new InputError($"row {e.Symbol}, column {c}: {x:G4} is beyond ±1e36, not a feature value", source);
                if (double.IsNaN(x)) missing.Add((e, c));
                data[(e.Z - 1) * dim + c] = x;
            }
        }
        foreach (var e in untrained ?? [])
        {
            if (!covered[e.Z - 1]) throw new InputError($"element {e.Symbol} is listed as untrained but has no row", source);
            untrainedFlags[e.Z - 1] = true;
        }
        var filled = FillMissing(data, covered, untrainedFlags, dim, missing, source);
        var names = columnNames?.ToArray() ?? Enumerable.Range(0, dim).Select(i => $"f{i}").ToArray();
        return new ElementTable(name, source, dim, data, covered, untrainedFlags, names, filled, null);
    }

    private static List<FilledValue> FillMissing(double[] data, bool[] covered, bool[] untrained, int dim,
        List<(Element Element, int Column)> missing, string source)
    {
        var filled = new List<FilledValue>();
        foreach (var column in missing.GroupBy(m => m.Column))
        {
            int c = column.Key;
            double sum = 0; int n = 0;
            for (int z = 0; z < PeriodicTable.MaxZ; z++)
            {
                if (!covered[z] || untrained[z]) continue;
                double x = data[z * dim + c];
                if (!double.IsNaN(x)) { sum += x; n++; }
            }
            if (n == 0) throw new InputError($"column {c} has no value for any trained element", source);
            double mean = sum / n;
            foreach (var (e, _) in column)
            {
                data[(e.Z - 1) * dim + c] = mean;
                filled.Add(new FilledValue(e, c, mean));
            }
        }
        filled.Sort((a, b) => a.Element.Z != b.Element.Z ? a.Element.Z.CompareTo(b.Element.Z) : a.Column.CompareTo(b.Column));
        return filled;
    }

    /// <summary>One-hot vectors of Z for Z = 1..maxZ (dimension maxZ), as the CrystalTransformer front-end's input.</summary>
    public static ElementTable OneHot(int maxZ = 100)
    {
        if (maxZ is < 1 or > PeriodicTable.MaxZ) throw new InputError($"one-hot size must be 1..{PeriodicTable.MaxZ}, got {maxZ}");
        return FromRows("onehot", PeriodicTable.Elements.Take(maxZ).Select(e =>
        {
            var v = new double[maxZ];
            v[e.Z - 1] = 1;
            return (e, (IReadOnlyList<double>)v);
        }));
    }

    /// <summary>
    /// Random control: independent N(0, 1) entries for Z = 1..maxZ, the same on every machine and .NET version for a
    /// given seed (<see cref="SeededRandom"/>, Box–Muller), drawn row by row in order of Z.
    /// </summary>
    public static ElementTable Random(int dimension, int seed, int maxZ = 100)
    {
        if (dimension < 1) throw new InputError($"random table dimension must be positive, got {dimension}");
        if (maxZ is < 1 or > PeriodicTable.MaxZ) throw new InputError($"random table size must be 1..{PeriodicTable.MaxZ}, got {maxZ}");
        var rng = new SeededRandom((uint)seed);
        var rows = new List<(Element, IReadOnlyList<double>)>();
        foreach (var e in PeriodicTable.Elements.Take(maxZ))
        {
            var v = new double[dimension];
            for (int i = 0; i < dimension; i += 2)
            {
                var (g1, g2) = rng.NextGaussianPair();
                v[i] = g1;
                if (i + 1 < dimension) v[i + 1] = g2;
            }
            rows.Add((e, v));
        }
        return FromRows($"random{dimension}_seed{seed}", rows);
    }

    // ---------------------------------------------------------------- lookup

    public bool Covers(Element element) => _covered[element.Z - 1];
    public bool Covers(int z) => z is >= 1 and <= PeriodicTable.MaxZ && _covered[z - 1];

    /// <summary>Covered and not flagged untrained: the row may be used.</summary>
    public bool IsTrained(Element element) => _covered[element.Z - 1] && !_untrained[element.Z - 1];

    public bool IsUntrained(Element element) => _covered[element.Z - 1] && _untrained[element.Z - 1];

    /// <summary>
    /// The table's identity: sha256 over its covered elements in order of Z, each with its untrained flag and values
    /// (name and source do not enter). Two tables with the same hash hold the same numbers.
    /// </summary>
    public string ContentHash()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        foreach (var e in Elements.OrderBy(e => e.Z))
        {
            BitConverter.TryWriteBytes(buffer, e.Z);
            sha.AppendData(buffer[..4]);
            sha.AppendData([(byte)(IsUntrained(e) ? 1 : 0)]);
            foreach (double v in this[e])
            {
                BitConverter.TryWriteBytes(buffer, v);
                sha.AppendData(buffer);
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The row of a covered element (untrained rows too; check <see cref="IsTrained"/> when that matters).</summary>
    public ReadOnlySpan<double> this[Element element] =>
        _covered[element.Z - 1] ? _data.AsSpan((element.Z - 1) * Dimension, Dimension)
            : throw new InputError($"element table '{Name}' has no row for {element.Symbol}", Source);

    public ReadOnlySpan<double> this[int z] => this[PeriodicTable.Get(z)];

    public double[] Vector(Element element) => this[element].ToArray();

    public float[] VectorSingle(Element element)
    {
        var row = this[element];
        var v = new float[row.Length];
        for (int i = 0; i < v.Length; i++) v[i] = (float)row[i];
        return v;
    }

    /// <summary>Rows of the given elements as a matrix [elements.Count, Dimension].</summary>
    public double[,] Matrix(IReadOnlyList<Element> elements)
    {
        var m = new double[elements.Count, Dimension];
        for (int i = 0; i < elements.Count; i++)
        {
            var row = this[elements[i]];
            for (int c = 0; c < Dimension; c++) m[i, c] = row[c];
        }
        return m;
    }

    /// <summary>
    /// Dense float32 array [rows * Dimension] with row r holding Z = r + 1 (row 0 = H), as an embedding layer indexed by
    /// Z − 1 wants it; rows of elements not covered (or untrained) are zero. Pair it with <see cref="Resolve"/> so that no
    /// structure ever reaches such a row.
    /// </summary>
    public float[] ToDenseSingle(int rows = 100)
    {
        if (rows is < 1 or > PeriodicTable.MaxZ) throw new ArgumentOutOfRangeException(nameof(rows));
        var dense = new float[rows * Dimension];
        for (int z = 0; z < rows; z++)
        {
            if (!_covered[z] || _untrained[z]) continue;
            for (int c = 0; c < Dimension; c++) dense[z * Dimension + c] = (float)_data[z * Dimension + c];
        }
        return dense;
    }

    // ---------------------------------------------------------------- transforms

    /// <summary>
    /// Per-column standardisation: (x − mean) / std with mean and population std over the trained covered elements,
    /// applied to every covered row. Constant columns are only centred (std taken as 1), as scikit-learn's StandardScaler does.
    /// </summary>
    public ElementTable Standardized()
    {
        var trained = Trained;
        if (trained.Count == 0) throw new InputError($"element table '{Name}' has no trained element to standardise over", Source);
        var mean = new double[Dimension];
        var std = new double[Dimension];
        foreach (var e in trained)
            for (int c = 0; c < Dimension; c++) mean[c] += _data[(e.Z - 1) * Dimension + c];
        for (int c = 0; c < Dimension; c++) mean[c] /= trained.Count;
        foreach (var e in trained)
            for (int c = 0; c < Dimension; c++)
            {
                double d = _data[(e.Z - 1) * Dimension + c] - mean[c];
                std[c] += d * d;
            }
        for (int c = 0; c < Dimension; c++)
        {
            std[c] = Math.Sqrt(std[c] / trained.Count);
            if (std[c] < 1e-12 * Math.Max(1, Math.Abs(mean[c]))) std[c] = 1;
        }
        var data = new double[_data.Length];
        foreach (var e in _elements)
            for (int c = 0; c < Dimension; c++)
            {
                int i = (e.Z - 1) * Dimension + c;
                data[i] = (_data[i] - mean[c]) / std[c];
            }
        return new ElementTable(Name, Source, Dimension, data, _covered, _untrained, _columnNames, FilledValues, (mean, std));
    }

    /// <summary>The same table restricted to the given elements (each must be covered).</summary>
    public ElementTable Subset(IEnumerable<Element> elements)
    {
        var keep = new bool[PeriodicTable.MaxZ];
        foreach (var e in elements)
        {
            if (!_covered[e.Z - 1]) throw new InputError($"element table '{Name}' has no row for {e.Symbol}", Source);
            keep[e.Z - 1] = true;
        }
        var data = new double[_data.Length];
        for (int z = 0; z < PeriodicTable.MaxZ; z++)
            if (keep[z]) Array.Copy(_data, z * Dimension, data, z * Dimension, Dimension);
        var untrained = _untrained.Select((u, z) => u && keep[z]).ToArray();
        return new ElementTable(Name, Source, Dimension, data, keep, untrained, _columnNames,
            FilledValues.Where(f => keep[f.Element.Z - 1]).ToArray(), Scaling);
    }

    public ElementTable WithName(string name) =>
        new(name, Source, Dimension, _data, _covered, _untrained, _columnNames, FilledValues, Scaling);

    /// <summary>
    /// The rows of several tables side by side (width = the sum of their widths), for the elements that every part has a
    /// trained row for: an element that a part lacks or marks untrained is left out, so a data set that needs it meets the
    /// usual missing-element error. Columns are named PART/COLUMN after each part's name; filled values keep their report.
    /// </summary>
    public static ElementTable Concatenate(string name, IReadOnlyList<ElementTable> parts)
    {
        if (parts.Count == 0) throw new InputError("nothing to concatenate", name);
        int width = parts.Sum(p => p.Dimension);
        var covered = new bool[PeriodicTable.MaxZ];
        foreach (var e in PeriodicTable.Elements)
            covered[e.Z - 1] = parts.All(p => p.IsTrained(e));
        if (!covered.Any(c => c))
            throw new InputError($"the tables {string.Join(", ", parts.Select(p => $"'{p.Name}'"))} have no trained element in common", name);
        var data = new double[PeriodicTable.MaxZ * width];
        var filled = new List<FilledValue>();
        int offset = 0;
        foreach (var part in parts)
        {
            for (int z = 0; z < PeriodicTable.MaxZ; z++)
                if (covered[z]) Array.Copy(part._data, z * part.Dimension, data, z * width + offset, part.Dimension);
            filled.AddRange(part.FilledValues.Where(f => covered[f.Element.Z - 1]).Select(f => f with { Column = f.Column + offset }));
            offset += part.Dimension;
        }
        filled.Sort((a, b) => a.Element.Z != b.Element.Z ? a.Element.Z.CompareTo(b.Element.Z) : a.Column.CompareTo(b.Column));
        var columns = parts.SelectMany(p => p._columnNames.Select(c => $"{p.Name}/{c}")).ToArray();
        return new ElementTable(name, name, width, data, covered, new bool[PeriodicTable.MaxZ], columns, filled, null);
    }

    // ---------------------------------------------------------------- coverage of a data set

    /// <summary>
    /// Checks that every element the structures need has a trained row. With <see cref="MissingElementPolicy.Error"/> a
    /// gap is an <see cref="InputError"/> naming every missing or untrained element and (up to five of) the structures that
    /// need it; otherwise the gaps are filled with a zero vector or the mean of the trained rows, and the result says which.
    /// </summary>
    public ResolvedElementTable Resolve(IEnumerable<(string StructureId, IEnumerable<Element> Elements)> needs,
        MissingElementPolicy policy = MissingElementPolicy.Error)
    {
        var neededBy = new SortedDictionary<int, List<string>>();
        foreach (var (id, elements) in needs)
            foreach (var e in elements.Distinct())
                if (!IsTrained(e))
                {
                    if (!neededBy.TryGetValue(e.Z, out var ids)) neededBy[e.Z] = ids = [];
                    ids.Add(id);
                }
        var missing = neededBy.Select(kv => new MissingElement(PeriodicTable.Get(kv.Key), _covered[kv.Key - 1], kv.Value)).ToList();
        if (missing.Count == 0) return new ResolvedElementTable(this, [], policy);
        if (policy == MissingElementPolicy.Error)
        {
            static string Ids(IReadOnlyList<string> ids) =>
                string.Join(" ", ids.Take(5)) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : "");
            string list = string.Join("; ", missing.Select(m =>
                $"{m.Element.Symbol}{(m.Untrained ? " (untrained)" : "")} needed by {m.NeededBy.Count} structure{(m.NeededBy.Count == 1 ? "" : "s")}: {Ids(m.NeededBy)}"));
            throw new InputError(
                $"element table '{Name}' lacks {missing.Count} element{(missing.Count == 1 ? "" : "s")} of the data: {list} " +
                "(choose a fallback: zero vector or mean vector)", Source);
        }
        var fill = new double[Dimension];
        if (policy == MissingElementPolicy.Mean)
        {
            if (Trained.Count == 0) throw new InputError($"element table '{Name}' has no trained row to average", Source);
            foreach (var e in Trained)
                for (int c = 0; c < Dimension; c++) fill[c] += _data[(e.Z - 1) * Dimension + c];
            for (int c = 0; c < Dimension; c++) fill[c] /= Trained.Count;
        }
        var data = (double[])_data.Clone();
        var covered = (bool[])_covered.Clone();
        var untrained = (bool[])_untrained.Clone();
        foreach (var m in missing)
        {
            int z = m.Element.Z - 1;
            Array.Copy(fill, 0, data, z * Dimension, Dimension);
            covered[z] = true;
            untrained[z] = false;
        }
        var table = new ElementTable(Name, Source, Dimension, data, covered, untrained, _columnNames, FilledValues, Scaling);
        return new ResolvedElementTable(table, missing, policy);
    }

    public override string ToString() =>
        $"{Name}: {_elements.Length} elements × {Dimension}" + (_untrainedList.Length > 0 ? $", {_untrainedList.Length} untrained" : "");
}
