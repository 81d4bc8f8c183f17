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

    /// <summary>Removes temporary files a killed process left next to <paramref name="path"/> (see <see cref="TextFiles.CleanStale"/>).</summary>
    public static int CleanStale(string path) => TextFiles.CleanStale(path);

    /// <summary>Removes every stale temporary file of an atomic write in <paramref name="directory"/>.</summary>
    public static int CleanStaleIn(string directory) => TextFiles.CleanStaleIn(directory);
}
