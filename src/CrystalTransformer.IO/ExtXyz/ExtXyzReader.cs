using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.ExtXyz;

/// <summary>
/// Reads the frames of an ASE extended XYZ file, lazily and one at a time. Each frame: the atom count; a comment
/// line of key=value pairs (Lattice="ax ay az bx by bz cx cy cz", Properties=name:type:count:..., pbc, id, anything
/// else); one line per atom holding the declared columns. Single numbers become <see cref="Structure.Labels"/>,
/// other values <see cref="Structure.Info"/>, "id" the <see cref="Structure.Id"/>. A frame without a Lattice is a
/// molecule, not a crystal, and is an error.
/// </summary>
internal sealed class ExtXyzReader
{
    private const string DefaultProperties = "species:S:1:pos:R:3";
    /// <summary>Far more per-atom columns than any real file has; guards the per-line buffers.</summary>
    private const int MaxColumns = 4096;

    private readonly LineReader _lines;
    private readonly string _source;
    private readonly ReadOptions _options;
    private readonly string _stem;
    // Species names seen so far; files use a handful, so a linear scan beats hashing a new string per atom.
    private readonly List<(string Name, Element Element)> _speciesCache = new();

    private ExtXyzReader(TextReader text, string source, ReadOptions options)
    {
        _lines = new LineReader(text, source);
        _source = source;
        _options = options;
        _stem = StructureIO.IdFromPath(source);
    }

    public static IEnumerable<Structure> Read(TextReader text, string source, ReadOptions options)
    {
        var reader = new ExtXyzReader(text, source, options);
        int frame = 0;
        while (reader.TryReadFrame(++frame, out var structure)) yield return structure!;
        if (frame == 1) throw new InputError("file holds no frames (expected an atom count on the first line)", source);
    }

    private bool TryReadFrame(int frame, out Structure? structure)
    {
        structure = null;
        ReadOnlySpan<char> line;
        do
        {
            if (!_lines.TryReadLine(out line)) return false;
        } while (Tokens.IsBlank(line));

        var countText = line.Trim();
        if (!Tokens.TryParseLong(countText, out long count))
            throw _lines.Error($"frame {frame}: expected the number of atoms, found {Tokens.Show(countText)}");
        if (count <= 0) throw _lines.Error($"frame {frame} declares {count} atoms; a crystal needs at least one");
        if (count > _options.MaxSites)
            throw _lines.Error($"frame {frame} declares {count:N0} atoms, more than the limit of {_options.MaxSites:N0} sites (ReadOptions.MaxSites)");

        if (!_lines.TryReadLine(out line))
            throw new InputError($"file ends before the comment line of frame {frame} (truncated?)", _source, _lines.LineNumber + 1);
        int headerLine = _lines.LineNumber;
        var header = ExtXyzHeader.Parse(line);

        Lattice? lattice = null;
        string properties = DefaultProperties;
        string id = $"{_stem}-{frame}";
        var labels = new Dictionary<string, double>();
        var info = new Dictionary<string, string>();
        foreach (var (key, value) in header)
        {
            switch (key)
            {
                case "Lattice": lattice = ParseLattice(value, frame); break;
                case "Properties": properties = value; break;
                case "pbc": CheckPbc(value, frame); break;
                case "id": if (value.Length > 0) id = value; break;
                default: AddInfo(key, value, labels, info); break;
            }
        }
        if (lattice is null)
            throw _lines.Error($"frame {frame} has no Lattice=\"...\": it is a non-periodic molecule, and crystal structures need a cell");
        var columns = ParseProperties(properties, frame);

        structure = new Structure(lattice, ReadAtoms((int)count, frame, columns, lattice), id, labels, info);
        return true;
    }

    private Lattice ParseLattice(string value, int frame)
    {
        var parts = ExtXyzHeader.Parts(value);
        if (parts.Length != 9)
            throw _lines.Error($"frame {frame}: Lattice must hold 9 numbers (a, b, c vectors), found {parts.Length} values");
        var v = new double[9];
        for (int i = 0; i < 9; i++)
            if (!Tokens.TryParseFinite(parts[i], out v[i]))
                throw _lines.Error($"frame {frame}: Lattice value {Tokens.Show(parts[i])} is not a finite number");
        try
        {
            return new Lattice(new Mat3(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
        }
        catch (InputError e) when (e.Origin is null)
        {
            throw _lines.Error($"frame {frame}: {e.Reason}");
        }
    }

    private void CheckPbc(string value, int frame)
    {
        var parts = ExtXyzHeader.Parts(value);
        int periodic = 0;
        foreach (var p in parts)
        {
            if (!ExtXyzHeader.TryParseBool(p, out bool b))
                throw _lines.Error($"frame {frame}: pbc value {Tokens.Show(p)} is not T or F");
            if (b) periodic++;
        }
        if (parts.Length != 3) throw _lines.Error($"frame {frame}: pbc must hold 3 flags, found {parts.Length}");
        if (periodic < 3)
            _options.Warning?.Invoke(InputError.Format($"frame {frame} has pbc=\"{value}\" (not periodic along every axis); read as a 3-D periodic crystal", _source, _lines.LineNumber));
    }

    /// <summary>As ASE: one number → a label; anything else (text, booleans, arrays) → info text.</summary>
    private static void AddInfo(string key, string value, Dictionary<string, double> labels, Dictionary<string, string> info)
    {
        var parts = ExtXyzHeader.Parts(value);
        if (parts.Length == 1 && ExtXyzHeader.TryParseNumber(parts[0], out double number) && key != "uid")
        {
            labels[key] = number;
            info.Remove(key);
        }
        else
        {
            info[key] = value;
            labels.Remove(key);
        }
    }

    /// <summary>Where the species (or atomic number) and position columns are among all per-atom columns.</summary>
    private readonly record struct Columns(int Total, int Species, bool SpeciesIsZ, int Position);

    private Columns ParseProperties(string properties, int frame)
    {
        var fields = properties.Split(':');
        if (fields.Length % 3 != 0)
            throw _lines.Error($"frame {frame}: Properties={Tokens.Show(properties)} is not a list of name:type:count triples");
        int total = 0, species = -1, position = -1;
        bool speciesIsZ = false;
        for (int i = 0; i < fields.Length; i += 3)
        {
            string name = fields[i], type = fields[i + 1];
            if (type is not ("S" or "R" or "I" or "L"))
                throw _lines.Error($"frame {frame}: Properties column '{name}' has type {Tokens.Show(type)}; expected S, R, I or L");
            if (!Tokens.TryParseInt(fields[i + 2], out int n) || n <= 0 || n > MaxColumns)
                throw _lines.Error($"frame {frame}: Properties column '{name}' has count {Tokens.Show(fields[i + 2])}; expected a positive whole number");
            switch (name)
            {
                case "species" when species < 0 || speciesIsZ:
                    if (type != "S" || n != 1) throw _lines.Error($"frame {frame}: Properties column species must be S:1, found {type}:{n}");
                    species = total; speciesIsZ = false;
                    break;
                case "Z" when species < 0:
                    if (type != "I" || n != 1) throw _lines.Error($"frame {frame}: Properties column Z must be I:1, found {type}:{n}");
                    species = total; speciesIsZ = true;
                    break;
                case "pos" or "positions":
                    if (type != "R" || n != 3) throw _lines.Error($"frame {frame}: Properties column {name} must be R:3, found {type}:{n}");
                    position = total;
                    break;
            }
            total += n;
            if (total > MaxColumns) throw _lines.Error($"frame {frame}: Properties declares more than {MaxColumns} columns per atom");
        }
        if (species < 0) throw _lines.Error($"frame {frame}: Properties has no species:S:1 (or Z:I:1) column");
        if (position < 0) throw _lines.Error($"frame {frame}: Properties has no pos:R:3 column");
        return new Columns(total, species, speciesIsZ, position);
    }

    private Site[] ReadAtoms(int count, int frame, Columns columns, Lattice lattice)
    {
        // Grow as lines arrive: a corrupt count must not allocate before the file proves it holds that many lines.
        var sites = new List<Site>(Math.Min(count, 4096));
        var ranges = new Range[columns.Total + 1];
        var inverse = lattice.InverseMatrix;
        for (int i = 0; i < count; i++)
        {
            if (!_lines.TryReadLine(out var line))
                throw new InputError($"frame {frame} ends after {i} of {count} atoms (truncated?)", _source, _lines.LineNumber + 1);
            int n = Tokens.Split(line, ranges);
            if (n != columns.Total)
                throw _lines.Error($"frame {frame}, atom {i + 1}: expected {columns.Total} columns as Properties declares, found {(n == 0 ? "a blank line" : n.ToString())}");
            var element = ElementOf(line[ranges[columns.Species]], columns.SpeciesIsZ, frame, i);
            int p = columns.Position;
            var cart = new Vec3(Coordinate(line[ranges[p]], frame, i), Coordinate(line[ranges[p + 1]], frame, i), Coordinate(line[ranges[p + 2]], frame, i));
            var frac = cart * inverse;
            if (!frac.IsFinite) throw _lines.Error($"frame {frame}, atom {i + 1}: position gives non-finite fractional coordinates");
            sites.Add(new Site(element, frac));
        }
        return sites.ToArray();
    }

    private double Coordinate(ReadOnlySpan<char> token, int frame, int atom) =>
        Tokens.TryParseFinite(token, out double v) ? v
            : throw _lines.Error($"frame {frame}, atom {atom + 1}: coordinate {Tokens.Show(token)} is not a finite number");

    private Element ElementOf(ReadOnlySpan<char> token, bool isZ, int frame, int atom)
    {
        if (isZ)
        {
            if (Tokens.TryParseInt(token, out int z) && z is >= 1 and <= PeriodicTable.MaxZ) return PeriodicTable.Get(z);
            throw _lines.Error($"frame {frame}, atom {atom + 1}: atomic number {Tokens.Show(token)} is not between 1 and {PeriodicTable.MaxZ}");
        }
        foreach (var (name, element) in _speciesCache)
            if (token.SequenceEqual(name)) return element;
        string text = token.ToString();
        if (!PeriodicTable.TryGet(text, out var e))
            throw _lines.Error($"frame {frame}, atom {atom + 1}: {Tokens.Show(token)} is not an element symbol");
        if (_speciesCache.Count < 256) _speciesCache.Add((text, e));
        return e;
    }
}
