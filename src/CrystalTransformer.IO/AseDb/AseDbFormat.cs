using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.AseDb;

/// <summary>ASE databases (ase.db, SQLite), read only. See <see cref="AseDbReader"/>.</summary>
public sealed class AseDbFormat : IBinaryStructureFormat
{
    public static readonly AseDbFormat Instance = new();

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("SQLite format 3\0");

    public string Name => "ase-db";

    public IReadOnlyList<string> Extensions { get; } = [".db"];

    public bool Sniff(string head) => head.StartsWith("SQLite format 3\0", StringComparison.Ordinal);

    public bool SniffBytes(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    public IEnumerable<Structure> ReadFile(string path, string source, ReadOptions options) => AseDbReader.Read(path, source, options);

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options) =>
        throw new InputError("an ASE database is a binary SQLite file: read it from the file, not as text", source);

    public bool CanWrite => false;

    public void Write(TextWriter writer, IReadOnlyList<Structure> structures) =>
        throw new InputError("ASE databases are read only here; write extxyz (ase.io reads it) or CIF");
}
