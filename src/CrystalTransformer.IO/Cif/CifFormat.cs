using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// Crystallographic Information Files (CIF 1.1). Reads the first data block with atoms (every such block with
/// <see cref="ReadOptions.AllBlocks"/>); writes P1 files in pymatgen's layout.
/// </summary>
public sealed class CifFormat : IStructureFormat
{
    public string Name => "cif";
    public IReadOnlyList<string> Extensions { get; } = [".cif", ".mcif"];
    public bool CanWrite => true;

    /// <summary>A CIF has a data_ block header at the start of a line (after optional comments and blank lines).</summary>
    public bool Sniff(string head)
    {
        using var reader = new StringReader(head);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var t = line.AsSpan().TrimStart();
            if (t.Length == 0 || t[0] == '#') continue;
            return t.StartsWith("data_", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }

    public IEnumerable<Structure> Read(TextReader reader, string source, ReadOptions options)
    {
        string text = TextInput.ReadAll(reader, source, options.MaxTextLength);
        return ReadText(text, source, options, StructureIO.IdFromPath(source));
    }

    /// <summary>Reads CIF text. <paramref name="id"/> becomes the structure's id (with several blocks: the block names).</summary>
    public static IEnumerable<Structure> ReadText(string text, string source, ReadOptions options, string id)
    {
        TextInput.RejectBinary(text, source);
        InputError? firstError = null;
        int produced = 0;
        bool sawData = false;
        foreach (var block in CifParser.Parse(text, source, options.Warning))
        {
            sawData = true;
            if (!CifStructureBuilder.HasAtoms(block)) continue;
            Structure? structure = null;
            try
            {
                structure = CifStructureBuilder.Build(block, source, options, options.AllBlocks ? block.Name : id);
            }
            catch (InputError e)
            {
                // Like pymatgen, a block that cannot be read is skipped when another one can be; the first error is
                // reported if none can.
                firstError ??= e.Origin is null ? e.At(source) : e;
                options.Warning?.Invoke($"{firstError.Message} (data block {block.Name} skipped)");
            }
            if (structure is null) continue;
            produced++;
            yield return structure;
            if (!options.AllBlocks) yield break;
        }
        if (produced > 0) yield break;
        if (firstError is not null) throw firstError;
        throw new InputError(sawData ? "no data block with atom sites (_atom_site_fract_x)" : "not a CIF file: no data_ block found", source);
    }

    public void Write(TextWriter writer, IReadOnlyList<Structure> structures) => CifWriter.Write(writer, structures);
}
