using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>One crystal file format. Readers turn text into <see cref="Structure"/>s; the core knows no formats.</summary>
public interface IStructureFormat
{
    /// <summary>Short name used on the command line ("cif", "poscar", "extxyz", "csv").</summary>
    string Name { get; }

    /// <summary>File name endings that select this format (lower case, with the dot, ".gz" already removed).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>True when the first characters of a file look like this format (used when the extension does not decide).</summary>
    bool Sniff(string head);

    /// <summary>Reads every structure of the text. <paramref name="source"/> names the file in error messages.</summary>
    IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options);

    bool CanWrite { get; }

    void Write(TextWriter writer, IReadOnlyList<Structure> structures);
}
