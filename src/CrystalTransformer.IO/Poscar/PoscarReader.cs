using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Poscar;

/// <summary>
/// Reads one VASP POSCAR/CONTCAR structure (VASP 4 and 5). Layout: comment; scale (one number, negative = target
/// volume, or three per-axis factors); three lattice vectors; species line (VASP 5, may wrap over several lines);
/// atom counts; optional "Selective dynamics"; "Direct" or "Cartesian"; one position per atom. Whatever follows
/// the positions (velocities, predictor-corrector data) is not needed for the structure and is not read.
/// </summary>
internal sealed class PoscarReader
{
    private readonly LineReader _lines;
    private readonly ReadOptions _options;
    private readonly string _source;

    private PoscarReader(TextReader text, string source, ReadOptions options)
    {
        _lines = new LineReader(text, source);
        _source = source;
        _options = options;
    }

    public static Structure Read(TextReader text, string source, ReadOptions options) =>
        new PoscarReader(text, source, options).Read();

    private Structure Read()
    {
        if (!_lines.TryReadLine(out var first)) throw new InputError("file is empty", _source);
        string comment = first.Trim().ToString();

        var scale = ReadScale();
        int latticeLine = _lines.LineNumber + 1;
        var a = ReadVector("lattice vector a");
        var b = ReadVector("lattice vector b");
        var c = ReadVector("lattice vector c");
        var lattice = ScaledLattice(Mat3.FromRows(a, b, c), scale, latticeLine, out var cartesianScale);

        var (speciesNames, counts, speciesLine) = ReadSpeciesAndCounts();
        long total = 0;
        foreach (int n in counts) total += n;
        if (total == 0) throw _lines.Error("no atoms: every atom count is zero");
        if (total > _options.MaxSites)
            throw _lines.Error($"atom counts add up to {total:N0}, more than the limit of {_options.MaxSites:N0} sites (ReadOptions.MaxSites)");

        var mode = RequireLine("the coordinate mode line ('Direct' or 'Cartesian')");
        bool selective = false;
        if (Tokens.First(mode) is [ 'S' or 's', .. ])
        {
            selective = true;
            mode = RequireLine("the coordinate mode line ('Direct' or 'Cartesian') after 'Selective dynamics'");
        }
        var modeWord = Tokens.First(mode);
        bool cartesian = modeWord switch
        {
            [ 'C' or 'c' or 'K' or 'k', .. ] => true,
            [ 'D' or 'd', .. ] => false,
            _ => throw _lines.Error($"expected 'Direct' or 'Cartesian', found {(modeWord.IsEmpty ? "a blank line" : Tokens.Show(modeWord))}"),
        };

        var positions = ReadPositions((int)total, selective, speciesNames is null, out var flags, out var trailingSymbols, out int firstPositionLine);
        var elements = speciesNames is null
            ? Vasp4Species(counts, comment, trailingSymbols, speciesLine)
            : speciesNames.ToArray();

        var sites = new Site[total];
        int k = 0;
        for (int g = 0; g < counts.Count; g++)
        {
            for (int j = 0; j < counts[g]; j++, k++)
            {
                var p = positions[k];
                var frac = cartesian ? lattice.ToFractional(Scale(p, cartesianScale)) : p;
                if (!frac.IsFinite)
                    throw new InputError($"atom position {k + 1} gives non-finite fractional coordinates", _source, firstPositionLine + k);
                var at = lattice.ToCartesian(frac);
                if (!(Math.Max(Math.Abs(at.X), Math.Max(Math.Abs(at.Y), Math.Abs(at.Z))) <= StructureLimits.MaxCoordinate))
                    throw new InputError($"atom position {k + 1} lies more than 1e6 Å from the origin (the limit for any coordinate)", _source, firstPositionLine + k);
                sites[k] = new Site(elements[g], frac) { SelectiveDynamics = flags?[k] };
            }
        }

        var info = new Dictionary<string, string>();
        if (comment.Length > 0) info["comment"] = comment;
        return new Structure(lattice, sites, StructureIO.IdFromPath(_source), info: info);
    }

    private ReadOnlySpan<char> RequireLine(string what)
    {
        if (!_lines.TryReadLine(out var line))
            throw new InputError($"file ends before {what} (truncated?)", _source, _lines.LineNumber + 1);
        return line;
    }

    /// <summary>One factor (negative = target volume) or three per-axis factors (VASP 6).</summary>
    private double[] ReadScale()
    {
        var line = RequireLine("the scale factor");
        Span<Range> r = stackalloc Range[4];
        int n = Math.Min(Tokens.Split(line, r), 4);
        var values = new List<double>(3);
        for (int i = 0; i < n; i++)
        {
            var tok = line[r[i]];
            if (!Tokens.TryParseDouble(tok, out double v))
            {
                if (i == 0) throw _lines.Error($"scale factor {Tokens.Show(tok)} is not a number");
                break; // a comment after the factor(s)
            }
            if (!double.IsFinite(v)) throw _lines.Error($"scale factor {Tokens.Show(tok)} is not finite");
            values.Add(v);
            if (values.Count == 3) break;
        }
        if (values.Count == 0) throw _lines.Error("expected the scale factor, found a blank line");
        if (values.Count == 2) throw _lines.Error("expected one scale factor or three (one per axis), found two");
        if (values.Count == 1)
        {
            if (values[0] == 0) throw _lines.Error("scale factor is zero");
            return [values[0]];
        }
        if (values.Any(v => v <= 0)) throw _lines.Error("the three per-axis scale factors must all be positive");
        return values.ToArray();
    }

    private Vec3 ReadVector(string what)
    {
        var line = RequireLine(what);
        Span<Range> r = stackalloc Range[3];
        int n = Tokens.Split(line, r);
        if (n < 3) throw _lines.Error($"{what}: expected 3 numbers, found {(n == 0 ? "a blank line" : n + " token" + (n == 1 ? "" : "s"))}");
        return new Vec3(Number(line[r[0]], what), Number(line[r[1]], what), Number(line[r[2]], what));
    }

    private double Number(ReadOnlySpan<char> token, string what)
    {
        if (Tokens.TryParseFinite(token, out double v)) return v;
        throw _lines.Error($"{what}: {Tokens.Show(token)} is not a finite number");
    }

    private Lattice ScaledLattice(Mat3 m, double[] scale, int line, out double[] cartesianScale)
    {
        try
        {
            if (scale.Length == 3)
            {
                // VASP 6: the factors scale the x, y and z Cartesian components.
                cartesianScale = scale;
                return new Lattice(new Mat3(
                    m.M00 * scale[0], m.M01 * scale[1], m.M02 * scale[2],
                    m.M10 * scale[0], m.M11 * scale[1], m.M12 * scale[2],
                    m.M20 * scale[0], m.M21 * scale[1], m.M22 * scale[2]));
            }
            double s = scale[0];
            if (s < 0)
            {
                // A negative factor is the target cell volume (Å³).
                double volume = Math.Abs(m.Determinant);
                if (!(volume > 0) || !double.IsFinite(volume))
                    throw new InputError($"cannot scale to volume {-s:G6} Å³: the lattice vectors span volume {volume:G4}");
                s = Math.Cbrt(-s / volume);
            }
            cartesianScale = [s];
            return new Lattice(s * m);
        }
        catch (InputError e) when (e.Origin is null)
        {
            throw new InputError($"lattice (lines {line}-{line + 2}): {e.Reason}", _source, line);
        }
    }

    private static Vec3 Scale(Vec3 p, double[] s) =>
        s.Length == 3 ? new Vec3(p.X * s[0], p.Y * s[1], p.Z * s[2]) : p * s[0];

    /// <summary>VASP 5 species name(s) line(s) and the counts, or (VASP 4) the counts alone.</summary>
    private (List<Element>? Species, List<int> Counts, int SpeciesLine) ReadSpeciesAndCounts()
    {
        var line = RequireLine("the species names or atom counts");
        int speciesLine = _lines.LineNumber;
        if (Tokens.TryParseLong(Tokens.First(line), out _))
            return (null, ParseCounts(line, expected: null), speciesLine);

        var species = new List<Element>();
        AddSpecies(line, species);
        // VASP writes more than ~20 species groups over several lines; the counts follow, possibly also wrapped.
        while (true)
        {
            line = RequireLine($"the atom counts for the {species.Count} species");
            if (Tokens.TryParseLong(Tokens.First(line), out _)) break;
            AddSpecies(line, species);
        }
        var counts = ParseCounts(line, expected: species.Count);
        while (counts.Count < species.Count)
        {
            line = RequireLine($"the atom counts for the {species.Count} species");
            var first = Tokens.First(line);
            if (!Tokens.TryParseLong(first, out _))
                throw _lines.Error($"{species.Count} species names but {counts.Count} atom counts");
            counts.AddRange(ParseCounts(line, expected: species.Count - counts.Count));
        }
        if (counts.Count != species.Count)
            throw _lines.Error($"{species.Count} species names but {counts.Count} atom counts");
        return (species, counts, speciesLine);
    }

    private void AddSpecies(ReadOnlySpan<char> line, List<Element> species)
    {
        Span<Range> r = stackalloc Range[64];
        int n = Tokens.Split(line, r);
        if (n > r.Length) throw _lines.Error($"species line has {n} names; that is more than any crystal has elements");
        for (int i = 0; i < n; i++)
        {
            var tok = line[r[i]];
            if (tok[0] is '!' or '#') break;
            species.Add(PotcarSymbol(tok) ?? throw _lines.Error($"{Tokens.Show(tok)} is not an element symbol (expected species names such as 'Fe' or 'Fe_pv', or atom counts)"));
        }
    }

    /// <summary>
    /// The element of a species name as VASP writes it: "Fe", "Fe_pv", "O_h", "Mn_sv_GW", "H.75" or "Fe/&lt;hash&gt;":
    /// one or two letters followed by nothing or a non-letter.
    /// </summary>
    internal static Element? PotcarSymbol(ReadOnlySpan<char> token)
    {
        int letters = 0;
        while (letters < token.Length && char.IsAsciiLetter(token[letters])) letters++;
        if (letters is 0 or > 2) return null;
        Span<char> sym = stackalloc char[2];
        sym[0] = char.ToUpperInvariant(token[0]);
        if (letters == 2) sym[1] = char.ToLowerInvariant(token[1]);
        return PeriodicTable.TryGet(sym[..letters].ToString(), out var e) ? e : null;
    }

    private List<int> ParseCounts(ReadOnlySpan<char> line, int? expected)
    {
        Span<Range> r = stackalloc Range[64];
        int n = Tokens.Split(line, r);
        if (n > r.Length) throw _lines.Error($"count line has {n} entries; that is more than any crystal has elements");
        var counts = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            var tok = line[r[i]];
            if (tok[0] is '!' or '#') break;
            if (!Tokens.TryParseInt(tok, out int count))
                throw _lines.Error($"atom count {Tokens.Show(tok)} is not a whole number");
            if (count < 0) throw _lines.Error($"atom count {count} is negative");
            counts.Add(count);
        }
        if (expected is int e && counts.Count > e)
            throw _lines.Error($"{e} species names but {counts.Count} atom counts");
        return counts;
    }

    private Vec3[] ReadPositions(int total, bool selective, bool collectSymbols,
        out (bool, bool, bool)[]? flags, out string?[]? trailingSymbols, out int firstLine)
    {
        // Grow as lines arrive: a corrupt count must not allocate before the file proves it holds that many lines.
        var positions = new List<Vec3>(Math.Min(total, 4096));
        var flagList = selective ? new List<(bool, bool, bool)>(Math.Min(total, 4096)) : null;
        var symbols = collectSymbols ? new List<string?>() : null;
        int symbolColumn = selective ? 6 : 3;
        Span<Range> r = stackalloc Range[8];
        firstLine = _lines.LineNumber + 1;
        for (int i = 0; i < total; i++)
        {
            if (!_lines.TryReadLine(out var line))
                throw new InputError($"file ends after {i} of {total} atom positions (truncated?)", _source, _lines.LineNumber + 1);
            int n = Tokens.Split(line, r);
            if (n < 3)
                throw _lines.Error($"atom position {i + 1} of {total}: expected 3 coordinates, found {(n == 0 ? "a blank line" : n + " token" + (n == 1 ? "" : "s"))}");
            string what = $"atom position {i + 1}";
            positions.Add(new Vec3(Number(line[r[0]], what), Number(line[r[1]], what), Number(line[r[2]], what)));
            if (flagList is not null)
            {
                if (n < 6) throw _lines.Error($"atom position {i + 1}: selective dynamics needs three T/F flags after the coordinates");
                flagList.Add((Flag(line[r[3]]), Flag(line[r[4]]), Flag(line[r[5]])));
            }
            symbols?.Add(n > symbolColumn && symbolColumn < r.Length ? line[r[symbolColumn]].ToString() : null);
        }
        flags = flagList?.ToArray();
        trailingSymbols = symbols?.ToArray();
        return positions.ToArray();
    }

    /// <summary>Fortran logicals as VASP accepts them: T, F, .TRUE., .false., t, f.</summary>
    private bool Flag(ReadOnlySpan<char> token)
    {
        var t = token.TrimStart('.');
        if (t.Length > 0)
        {
            if (t[0] is 'T' or 't') return true;
            if (t[0] is 'F' or 'f') return false;
        }
        throw _lines.Error($"selective dynamics flag {Tokens.Show(token)} is not T or F");
    }

    /// <summary>
    /// Species of a VASP 4 file (no species line), in order of preference: the caller's list, a symbol after each
    /// position (as pymatgen reads), or the comment line when it lists one symbol per species (as ASE reads).
    /// </summary>
    private Element[] Vasp4Species(List<int> counts, string comment, string?[]? trailing, int countsLine)
    {
        int groups = counts.Count;
        if (_options.Species is { Count: > 0 } given)
        {
            if (given.Count < groups)
                throw new InputError($"the file has {groups} species groups (VASP 4 format, no species line) but {given.Count} species were given", _source, countsLine);
            var elements = new Element[groups];
            for (int g = 0; g < groups; g++)
                elements[g] = PotcarSymbol(given[g].AsSpan().Trim()) ?? throw new InputError($"given species {Tokens.Show(given[g])} is not an element symbol", _source);
            return elements;
        }
        if (trailing is not null && SymbolsAfterPositions(counts, trailing) is { } fromPositions) return fromPositions;
        var words = comment.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= groups)
        {
            var elements = new Element[groups];
            bool all = true;
            for (int g = 0; g < groups && all; g++)
            {
                if (PeriodicTable.TryGet(words[g], out var e)) elements[g] = e;
                else all = false;
            }
            if (all) return elements;
        }
        throw new InputError("no species names (VASP 4 format): the line after the lattice gives only atom counts and neither the comment line nor the positions name the elements; add a species line (VASP 5) or give the species",
            _source, countsLine);
    }

    private static Element[]? SymbolsAfterPositions(List<int> counts, string?[] trailing)
    {
        var elements = new Element[counts.Count];
        int k = 0;
        for (int g = 0; g < counts.Count; g++)
        {
            Element? groupElement = null;
            for (int j = 0; j < counts[g]; j++, k++)
            {
                if (trailing[k] is not { } s || !PeriodicTable.TryGet(s, out var e)) return null;
                if (groupElement is null) groupElement = e;
                else if (groupElement != e) return null;
            }
            if (groupElement is null) return null;
            elements[g] = groupElement;
        }
        return elements;
    }
}
