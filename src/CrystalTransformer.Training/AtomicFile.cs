using CrystalTransformer.IO;

namespace CrystalTransformer.Training;

/// <summary>
/// Writes a file so that a crash at any moment leaves either the old complete file or the new complete file
/// (<see cref="TextFiles.WriteAtomicBytes"/>: temporary file, flush to disk, rename), and cleans up after killed writers.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => TextFiles.WriteAtomicBytes(path, write);

    public static void WriteAllText(string path, string text) => TextFiles.WriteAllTextAtomic(path, text);

    /// <summary>Removes temporary files a killed process left next to <paramref name="path"/>.</summary>
    public static void CleanStale(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, $".{Path.GetFileName(full)}.*.tmp"))
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
