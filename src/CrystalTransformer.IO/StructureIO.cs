using System.IO.Compression;
using CrystalTransformer.IO.AseDb;
using CrystalTransformer.IO.Cif;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.IO.Poscar;
using CrystalTransformer.IO.PymatgenJson;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// The one entry point for crystal files: <see cref="Read"/> takes a file (any registered format, chosen by extension or
/// by content; ".gz" is decompressed transparently) or a folder in the CGCNN layout (id_prop.csv + &lt;id&gt;.cif), and
/// <see cref="Write"/> writes any format that can be written. Formats are <see cref="IStructureFormat"/> instances in a
/// registry.
/// </summary>
public static class StructureIO
{
    private static readonly object Gate = new();

    // The built-in formats, in the order content sniffing tries them.
    private static List<IStructureFormat> _formats =
    [
        new CifFormat(),
        new CsvCifFormat(),
        PoscarFormat.Instance,
        ExtXyzFormat.Instance,
        PymatgenJsonFormat.Instance,
        AseDbFormat.Instance,
    ];

    /// <summary>The registered formats (a snapshot).</summary>
    public static IReadOnlyList<IStructureFormat> Formats
    {
        get { lock (Gate) return _formats.ToArray(); }
    }

    /// <summary>Adds a format, replacing a registered one with the same name.</summary>
    public static void Register(IStructureFormat format)
    {
        lock (Gate)
        {
            var list = _formats.Where(f => !f.Name.Equals(format.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            list.Add(format);
            _formats = list;
        }
    }

    /// <summary>The format with this name ("cif", "csv", ...); an error listing the known names otherwise.</summary>
    public static IStructureFormat GetFormat(string name) =>
        Formats.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InputError($"unknown format '{name}' (known: {string.Join(", ", Formats.Select(f => f.Name))})");

    /// <summary>Reads every structure of a file, or of a CGCNN folder.</summary>
    public static IReadOnlyList<Structure> Read(string path, ReadOptions? options = null, string? format = null) =>
        ReadLazy(path, options, format).ToList();

    /// <summary>Like <see cref="Read"/>, but structures are parsed one at a time as the sequence is enumerated.</summary>
    public static IEnumerable<Structure> ReadLazy(string path, ReadOptions? options = null, string? format = null)
    {
        options ??= ReadOptions.Default;
        if (Directory.Exists(path)) return CgcnnFolder.Read(path, options);
        if (!File.Exists(path)) throw new InputError("file not found", path);
        var fmt = format is null ? DetectFormat(path, options) : GetFormat(format);
        return Guarded(ReadFile(path, fmt, options), path, options);
    }

    /// <summary>The first structure of a file (an error when it holds none).</summary>
    public static Structure ReadOne(string path, ReadOptions? options = null, string? format = null)
    {
        foreach (var s in ReadLazy(path, options, format)) return s;
        throw new InputError("no structure in file", path);
    }

    /// <summary>Reads structures from text in a named format; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<Structure> ReadText(string text, string format, ReadOptions? options = null, string source = "<text>") =>
        Guarded(GetFormat(format).Read(new StringReader(text), source, options ?? ReadOptions.Default), source, options ?? ReadOptions.Default).ToList();

    private static IEnumerable<Structure> ReadFile(string path, IStructureFormat format, ReadOptions options)
    {
        if (format is IBinaryStructureFormat binary)
        {
            foreach (var s in ReadBinary(path, binary, options)) yield return s;
            yield break;
        }
        using var reader = OpenText(path);
        foreach (var s in format.Read(reader, path, options)) yield return s;
    }

    /// <summary>A binary format reads the file itself; a gzip-compressed one is first decompressed into a temporary file.</summary>
    private static IEnumerable<Structure> ReadBinary(string path, IBinaryStructureFormat format, ReadOptions options)
    {
        if (!IsGzipFile(path))
        {
            foreach (var s in format.ReadFile(path, path, options)) yield return s;
            yield break;
        }
        string temp = Path.Combine(Path.GetTempPath(), $"ct-{Environment.ProcessId}-{Guid.NewGuid():N}{Path.GetExtension(TextFiles.WithoutGz(path))}");
        try
        {
            using (var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
            using (var output = File.Create(temp))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                for (int n; (n = input.Read(buffer)) > 0;)
                {
                    if ((total += n) > options.MaxBinaryBytes)
                        throw new InputError($"decompresses to more than {TextInput.FormatSize(options.MaxBinaryBytes)}B (ReadOptions.MaxBinaryBytes)", path);
                    output.Write(buffer, 0, n);
                }
            }
            foreach (var s in format.ReadFile(temp, path, options)) yield return s;
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { }
        }
    }

    private static bool IsGzipFile(string path)
    {
        using var f = File.OpenRead(path);
        return f.ReadByte() == 0x1f && f.ReadByte() == 0x8b;
    }

    /// <summary>The first bytes of a file, decompressed when it is gzip.</summary>
    private static byte[] HeadBytes(string path, int count)
    {
        using Stream f = File.OpenRead(path);
        using Stream s = IsGzipFile(path) ? new GZipStream(f, CompressionMode.Decompress) : f;
        var buffer = new byte[count];
        int n = 0, read;
        while (n < count && (read = s.Read(buffer, n, count - n)) > 0) n += read;
        return buffer[..n];
    }

    /// <summary>
    /// Turns low-level failures (corrupt gzip, unreadable file) into one-line input errors, and refuses structures outside
    /// <see cref="StructureLimits"/> (the same bounds for every format).
    /// </summary>
    private static IEnumerable<Structure> Guarded(IEnumerable<Structure> inner, string source, ReadOptions options)
    {
        using var e = inner.GetEnumerator();
        while (true)
        {
            Structure current;
            try
            {
                if (!e.MoveNext()) yield break;
                current = e.Current;
            }
            catch (InputError ex) when (ex.Origin is null) { throw ex.At(source); }
            catch (InvalidDataException ex) { throw new InputError($"corrupt compressed data ({ex.Message})", source, inner: ex); }
            catch (System.Text.DecoderFallbackException ex) { throw new InputError($"text is not valid UTF-8 ({ex.Message})", source, inner: ex); }
            catch (IOException ex) when (ex is not FileNotFoundException) { throw new InputError($"cannot read: {ex.Message}", source, inner: ex); }
            StructureLimits.Check(current, options, source);
            yield return current;
        }
    }

    /// <summary>Chooses a format from the file name (".gz" ignored), else from the first characters of the content.</summary>
    public static IStructureFormat DetectFormat(string path, ReadOptions? options = null)
    {
        var formats = Formats;
        if (FormatFromName(path, formats) is { } byName) return byName;
        try
        {
            var bytes = HeadBytes(path, 64);
            foreach (var f in formats.OfType<IBinaryStructureFormat>())
                if (f.SniffBytes(bytes)) return f;
        }
        catch (InvalidDataException ex) { throw new InputError($"corrupt compressed data ({ex.Message})", path, inner: ex); }
        string head;
        try
        {
            using var reader = OpenText(path);
            var buffer = new char[8192];
            int n = reader.ReadBlock(buffer, 0, buffer.Length);
            head = new string(buffer, 0, n);
        }
        catch (InvalidDataException ex) { throw new InputError($"corrupt compressed data ({ex.Message})", path, inner: ex); }
        if (head.Contains('\0')) throw new InputError("binary data (NUL byte), not a crystal structure file", path);
        foreach (var f in formats)
            if (f.Sniff(head)) return f;
        throw new InputError($"cannot tell the file format from its name or content (known formats: {string.Join(", ", formats.Select(f => f.Name))})", path);
    }

    /// <summary>Opens a text file, decompressing gzip (by the ".gz" ending or the gzip magic bytes).</summary>
    public static TextReader OpenText(string path) => TextFiles.OpenText(path);

    /// <summary>
    /// Writes structures to a file in the given format (default: from the extension, ".gz" compresses), atomically
    /// (temporary file, then rename), so an existing file is never left half-written.
    /// </summary>
    public static void Write(string path, IEnumerable<Structure> structures, string? format = null)
    {
        var list = structures as IReadOnlyList<Structure> ?? structures.ToList();
        var fmt = format is null ? FormatForWriting(path) : GetFormat(format);
        if (!fmt.CanWrite) throw new InputError($"format '{fmt.Name}' cannot be written", path);
        TextFiles.WriteAtomic(path, writer => fmt.Write(writer, list));
    }

    /// <summary>Writes one structure.</summary>
    public static void Write(string path, Structure structure, string? format = null) => Write(path, [structure], format);

    private static IStructureFormat FormatForWriting(string path) =>
        FormatFromName(path, Formats) ?? throw new InputError("cannot tell the format to write from the file name; name one explicitly", path);

    /// <summary>
    /// The format a file name selects (".gz" ignored): by extension, else VASP's own names (POSCAR, CONTCAR and names
    /// starting with them); null when the name does not decide.
    /// </summary>
    private static IStructureFormat? FormatFromName(string path, IReadOnlyList<IStructureFormat> formats)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        foreach (var f in formats)
            foreach (var ext in f.Extensions)
                if (name.EndsWith(ext.ToLowerInvariant(), StringComparison.Ordinal)) return f;
        return PoscarFormat.IsPoscarFileName(name) ? formats.FirstOrDefault(f => f.Name == PoscarFormat.Instance.Name) : null;
    }

    /// <summary>Extensions of single-crystal files, those a folder is searched for (tables and databases are named explicitly).</summary>
    public static readonly IReadOnlyList<string> CrystalFileExtensions = [".cif", ".mcif", ".vasp", ".poscar", ".contcar", ".extxyz", ".xyz"];

    /// <summary>True for a crystal file by its name (".gz" ignored): one of <see cref="CrystalFileExtensions"/>, or VASP's POSCAR/CONTCAR names.</summary>
    public static bool IsCrystalFileName(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        return CrystalFileExtensions.Any(e => name.EndsWith(e, StringComparison.Ordinal)) || PoscarFormat.IsPoscarFileName(name);
    }

    /// <summary>The id a file gives its structure: the file name without ".gz" and its extension ("data/1000041.cif" → "1000041").</summary>
    public static string IdFromPath(string path)
    {
        string name = Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        string stem = Path.GetFileNameWithoutExtension(name);
        return stem.Length > 0 ? stem : name;
    }
}
