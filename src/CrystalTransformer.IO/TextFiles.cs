using System.IO.Compression;
using System.Text;

namespace CrystalTransformer.IO;

/// <summary>Opening and writing text files, with gzip decided by the ".gz" ending, and atomic replacement on write.</summary>
public static class TextFiles
{
    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file name without a trailing ".gz" (to decide the format by extension).</summary>
    public static string WithoutGz(string path) => IsGzip(path) ? path[..^3] : path;

    public static TextReader OpenText(string path)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a directory, expected a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        // Buffers no larger than the file: reading thousands of small CIFs should not allocate 64 KB buffers (and
        // 128 KB char buffers on the large-object heap) for each.
        int buffer = (int)Math.Clamp(new FileInfo(path).Length + 1, 4096, 1 << 16);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, buffer);
        if (IsGzip(path) || HasGzipMagic(stream))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
            buffer = 1 << 16;
        }
        return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: buffer);
    }

    /// <summary>gzip data whatever the file is called (a downloaded "x.cif" that is really "x.cif.gz").</summary>
    private static bool HasGzipMagic(Stream stream)
    {
        if (!stream.CanSeek || stream.Length < 2) return false;
        int b0 = stream.ReadByte(), b1 = stream.ReadByte();
        stream.Position = 0;
        return b0 == 0x1f && b1 == 0x8b;
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
    public static void WriteAtomic(string path, Action<TextWriter> write) =>
        WriteAtomicBytes(path, file =>
        {
            Stream stream = IsGzip(path) ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true) : file;
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
                write(writer);
            if (stream != file) stream.Dispose();
        });

    /// <summary>
    /// The binary form of <see cref="WriteAtomic(string, Action{TextWriter})"/>: <paramref name="write"/> fills a temporary
    /// file (named <c>.NAME.*.tmp</c> next to the target), which is flushed to disk and renamed over the target; stale
    /// temporary files of the same target (<see cref="CleanStale"/>) are removed after it.
    /// </summary>
    public static void WriteAtomicBytes(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            if (FaultInjection.Enabled) FaultInjection.At("atomic-write");
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        // A writer of this file killed earlier (the run is being continued) left its temporary file: it goes now.
        CleanStale(full);
    }

    public static void WriteAllTextAtomic(string path, string text) => WriteAtomic(path, w => w.Write(text));

    /// <summary>
    /// Removes the temporary files of <see cref="WriteAtomicBytes"/> that a killed writer left next to <paramref name="path"/>
    /// (a file whose writer process is still running is kept). Returns how many were removed.
    /// </summary>
    public static int CleanStale(string path)
    {
        string full = Path.GetFullPath(path);
        return CleanStaleIn(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.*.tmp");
    }

    /// <summary>Removes every stale temporary file of an atomic write in <paramref name="directory"/> (not in sub-folders).</summary>
    public static int CleanStaleIn(string directory, string pattern = ".*.tmp")
    {
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (var f in Directory.EnumerateFiles(directory, pattern))
        {
            if (WriterAlive(Path.GetFileName(f))) continue;
            try { File.Delete(f); removed++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>True when the temporary file's name (".NAME.PID.GUID.tmp") names a running process other than this one's earlier self.</summary>
    private static bool WriterAlive(string name)
    {
        var parts = name.Split('.');
        if (parts.Length < 5 || !int.TryParse(parts[^3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
            return false;
        if (pid == Environment.ProcessId) return true; // a write of this process may be under way on another thread
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
