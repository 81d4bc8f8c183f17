using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// A format that is not text (an SQLite database): read from the file itself rather than a text reader, and recognised
/// by its first bytes rather than its first characters. <see cref="StructureIO"/> dispatches to it.
/// </summary>
public interface IBinaryStructureFormat : IStructureFormat
{
    /// <summary>True when the first bytes of a file (up to 64) are this format's.</summary>
    bool SniffBytes(ReadOnlySpan<byte> head);

    /// <summary>Reads every structure of the file (already decompressed when it was gzip).</summary>
    IEnumerable<Structure> ReadFile(string path, string source, ReadOptions options);
}
