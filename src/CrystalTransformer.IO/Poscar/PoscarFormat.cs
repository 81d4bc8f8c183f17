using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Poscar;

/// <summary>VASP POSCAR/CONTCAR: one structure per file. See <see cref="PoscarReader"/> for what is understood.</summary>
public sealed class PoscarFormat : IStructureFormat
{
    public static readonly PoscarFormat Instance = new();

    public string Name => "poscar";

    public IReadOnlyList<string> Extensions { get; } = [".vasp", ".poscar", ".contcar"];

    /// <summary>VASP's own file names: POSCAR, CONTCAR, and names that start with them ("POSCAR-JVASP-10", "CONTCAR.relax").</summary>
    public static bool IsPoscarFileName(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith("POSCAR", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("CONTCAR", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Line 2 holds the scale (one or three numbers), lines 3–5 three numbers each, line 6 names or counts.</summary>
    public bool Sniff(string head)
    {
        var lines = head.Split('\n', 7);
        if (lines.Length < 7) return false;
        Span<Range> r = stackalloc Range[4];
        int n = Tokens.Split(lines[1], r);
        if (n is not (1 or 3) || !Tokens.TryParseDouble(lines[1].AsSpan()[r[0]], out _)) return false;
        for (int i = 2; i <= 4; i++)
        {
            var line = lines[i].AsSpan();
            if (Tokens.Split(line, r) < 3) return false;
            for (int j = 0; j < 3; j++)
                if (!Tokens.TryParseFinite(line[r[j]], out _)) return false;
        }
        var sixth = Tokens.First(lines[5]);
        return Tokens.TryParseInt(sixth, out _) || PoscarReader.PotcarSymbol(sixth) is not null;
    }

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options) =>
        [PoscarReader.Read(reader, source, options)];

    public bool CanWrite => true;

    /// <summary>Writes the single structure (a POSCAR holds exactly one).</summary>
    public void Write(TextWriter writer, IReadOnlyList<Structure> structures)
    {
        if (structures.Count != 1)
            throw new InputError($"a POSCAR file holds one structure, but {structures.Count} were given; write them to separate files or use extxyz");
        PoscarWriter.Write(writer, structures[0]);
    }
}
