namespace CrystalTransformer.IO;

/// <summary>Where the data shipped with the program live (copied next to the binaries at build time).</summary>
public static class BuiltInData
{
    /// <summary>The data folder: $CT_DATA if set, else "data" next to the program.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("CT_DATA") is { Length: > 0 } custom ? custom : Path.Combine(AppContext.BaseDirectory, "data");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Stands for the data folder in recorded paths (files the program writes never hold this machine's folders).</summary>
    public const string RootToken = "<ct>/data";

    /// <summary>
    /// A path as it is recorded in run files: under the data folder it becomes <c>&lt;ct&gt;/data/...</c>; an absolute
    /// path under the working directory becomes relative to it; anything else stays as given.
    /// </summary>
    public static string Portable(string path)
    {
        if (string.IsNullOrEmpty(path)) return path;
        string full = Path.GetFullPath(path), root = Path.GetFullPath(Root);
        if (full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return RootToken + "/" + Path.GetRelativePath(root, full).Replace('\\', '/');
        if (!Path.IsPathRooted(path)) return path;
        string cwd = Path.GetFullPath(Directory.GetCurrentDirectory());
        return full.StartsWith(cwd + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? Path.GetRelativePath(cwd, full) : path;
    }
}
