using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.PymatgenJson;

/// <summary>pymatgen Structure JSON, lists of it and matbench-style records (read only). See <see cref="PymatgenJsonReader"/>.</summary>
public sealed class PymatgenJsonFormat : IStructureFormat
{
    public static readonly PymatgenJsonFormat Instance = new();

    public string Name => "json";

    public IReadOnlyList<string> Extensions { get; } = [".json"];

    /// <summary>JSON (an object or array first) that mentions a structure's parts or a record's structure field.</summary>
    public bool Sniff(string head)
    {
        var t = head.TrimStart();
        return t.Length > 0 && (t[0] == '{' || t[0] == '[')
            && (head.Contains("\"sites\"", StringComparison.Ordinal) || head.Contains("\"structure\"", StringComparison.Ordinal)
                || head.Contains("\"@class\": \"Structure\"", StringComparison.Ordinal));
    }

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options) => PymatgenJsonReader.Read(reader, source, options);

    public bool CanWrite => false;

    public void Write(TextWriter writer, IReadOnlyList<Structure> structures) =>
        throw new InputError("pymatgen JSON is read only; write CIF, POSCAR or extxyz");
}
