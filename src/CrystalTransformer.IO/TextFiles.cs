using System.IO.Compression;
using System.Text;

namespace CrystalTransformer.IO;

/// <summary>Opening and writing text files, with gzip decided by the ".gz" ending, and atomic replacement on write.</summary>
public static class TextFiles
{
    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file name without a trailing ".gz" (to decide the format by extension).</summary>
    public static string WithoutGz(string path) => IsGzip(path) ? path[..^3] : path;

    /// <summary>Opens a text file (gzip recognised by its content, see <see cref="StructureIO.OpenText"/>) with clear errors for missing files and folders.</summary>
    public static TextReader OpenText(string path)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, expected a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        return StructureIO.OpenText(path);
    }

    public static string ReadAllText(string path)
    {
        using var reader = OpenText(path);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Writes a file atomically: to a temporary file next to it (gzip-compressed when the name ends in .gz), flushed to
    /// disk, then renamed over the target — a crash never leaves a half-written file behind.
    /// </summary>
    public static void WriteAtomic(string path, Action<TextWriter> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream stream = IsGzip(full) ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : file;
                using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
                    write(writer);
                if (stream != file) stream.Dispose();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllTextAtomic(string path, string text) => WriteAtomic(path, w => w.Write(text));
}
