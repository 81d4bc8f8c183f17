namespace CrystalTransformer.Reproduce;

/// <summary>
/// A claim on one cell of an output folder: an exclusive lock on <c>OUT/runs/CELL.claim</c> (the operating system's
/// file lock, <c>flock</c> on Linux), held while the cell trains. Two <c>ct reproduce</c> processes on the same output
/// folder never train the same cell: the second finds it claimed and leaves it. The lock goes with its process, so a
/// killed run leaves no stale claim. On a shared folder the file system must support locks (NFS with its lock service,
/// Lustre and GPFS do).
/// </summary>
public sealed class CellClaim : IDisposable
{
    public const string Extension = ".claim";
    private readonly FileStream _lock;

    private CellClaim(FileStream stream) => _lock = stream;

    /// <summary>The claim file of a cell's run directory.</summary>
    public static string PathFor(string runDirectory) => Path.TrimEndingDirectorySeparator(runDirectory) + Extension;

    /// <summary>Claims the cell of <paramref name="runDirectory"/>; null when another process (or another claim in this one) holds it.</summary>
    public static CellClaim? TryTake(string runDirectory)
    {
        string path = PathFor(runDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            // FileShare.None takes an exclusive, non-blocking lock on the open file; the file itself is never deleted
            // (deleting a lock file lets two processes lock different files of the same name).
            return new CellClaim(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    /// <summary>True when some process holds the claim of <paramref name="runDirectory"/> now.</summary>
    public static bool IsHeld(string runDirectory)
    {
        if (!File.Exists(PathFor(runDirectory))) return false;
        using var claim = TryTake(runDirectory);
        return claim is null;
    }

    public void Dispose() => _lock.Dispose();
}
