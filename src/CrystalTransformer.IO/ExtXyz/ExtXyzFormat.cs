using CrystalTransformer.IO.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.ExtXyz;

/// <summary>ASE extended XYZ: any number of frames, each with a Lattice and per-frame labels. See <see cref="ExtXyzReader"/>.</summary>
public sealed class ExtXyzFormat : IStructureFormat
{
    public static readonly ExtXyzFormat Instance = new();

    public string Name => "extxyz";

    public IReadOnlyList<string> Extensions { get; } = [".extxyz", ".xyz"];

    /// <summary>An atom count on the first non-blank line, then a comment line with Lattice= or Properties=.</summary>
    public bool Sniff(string head)
    {
        var lines = head.Split('\n', 16);
        int i = 0;
        while (i < lines.Length - 1 && lines[i].AsSpan().IsWhiteSpace()) i++;
        if (i + 1 >= lines.Length || !Tokens.TryParseInt(lines[i].AsSpan().Trim(), out int n) || n <= 0) return false;
        var comment = lines[i + 1];
        return comment.Contains("Lattice=", StringComparison.Ordinal) || comment.Contains("Properties=", StringComparison.Ordinal);
    }

    /// <summary>Frames are read lazily; an error in frame k surfaces when the enumeration reaches it.</summary>
    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options) =>
        ExtXyzReader.Read(reader, source, options);

    public bool CanWrite => true;

    public void Write(TextWriter writer, IReadOnlyList<Structure> structures) => ExtXyzWriter.Write(writer, structures);
}
