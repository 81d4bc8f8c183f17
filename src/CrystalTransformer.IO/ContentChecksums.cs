using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>
/// Checksums that files carry so that a damaged copy is refused instead of read: a folder's <c>SHA256SUMS</c>
/// (the layout of <c>sha256sum</c>, so <c>sha256sum -c SHA256SUMS</c> checks it too), a single file's <c>FILE.sha256</c>
/// next to it, and the CRC-32 that zip entries and gzip members hold (<see cref="Crc32"/>).
/// </summary>
public static class ContentChecksums
{
    public const string FolderFile = "SHA256SUMS", SidecarSuffix = ".sha256";

    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>Writes <c>SHA256SUMS</c> in <paramref name="folder"/> for the named files (atomically).</summary>
    public static void WriteFolderSums(string folder, IEnumerable<string> fileNames)
    {
        var sb = new StringBuilder();
        foreach (var name in fileNames.Order(StringComparer.Ordinal))
            sb.Append(Sha256(Path.Combine(folder, name))).Append("  ").Append(name).Append('\n');
        TextFiles.WriteAllTextAtomic(Path.Combine(folder, FolderFile), sb.ToString());
    }

    /// <summary>
    /// Checks the files that <c>SHA256SUMS</c> in <paramref name="folder"/> lists (nothing when there is none): a listed
    /// file that is missing or whose content differs is an error naming it.
    /// </summary>
    public static void VerifyFolder(string folder)
    {
        string sums = Path.Combine(folder, FolderFile);
        if (!File.Exists(sums)) return;
        int line = 0;
        var listedAt = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(sums))
        {
            line++;
            if (raw.Trim().Length == 0) continue;
            int gap = raw.IndexOf(' ');
            if (gap != 64 || raw.Length < 67) throw new InputError("not a sha256sum line (expected 64 hex digits, two spaces, a file name)", sums, line);
            string expected = raw[..64], name = raw[66..].TrimStart('*');
            if (name.Contains('/') || name.Contains('\\') || name is "." or "..")
                throw new InputError($"lists '{name}', which is not a file of this folder", sums, line);
            // sha256sum lists a file once; a repeated name is a damaged list (and hashing it again per line would not end).
            if (!listedAt.TryAdd(name, line)) throw new InputError($"lists {name} twice (lines {listedAt[name]} and {line}): damaged file", sums, line);
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) throw new InputError($"lists {name}, which is missing (damaged or incomplete copy)", sums, line);
            if (!Sha256(path).Equals(expected, StringComparison.OrdinalIgnoreCase))
                throw new InputError($"content does not match its sha256 in {FolderFile} (damaged file)", path);
        }
    }

    /// <summary>Writes <c>FILE.sha256</c> next to a file.</summary>
    public static void WriteSidecar(string path) =>
        TextFiles.WriteAllTextAtomic(path + SidecarSuffix, $"{Sha256(path)}  {Path.GetFileName(path)}\n");

    /// <summary>Checks a file against its <c>FILE.sha256</c> when there is one.</summary>
    public static void VerifySidecar(string path)
    {
        string sidecar = path + SidecarSuffix;
        if (!File.Exists(sidecar)) return;
        string text = File.ReadAllText(sidecar).Trim();
        if (text.Length < 64 || !text[..64].All(Uri.IsHexDigit)) throw new InputError("not a sha256 checksum (expected 64 hex digits)", sidecar, 1);
        if (!Sha256(path).Equals(text[..64], StringComparison.OrdinalIgnoreCase))
            throw new InputError($"content does not match its sha256 in {Path.GetFileName(sidecar)} (damaged file)", path);
    }

    /// <summary>CRC-32 (IEEE 802.3, as zip and gzip use it) of <paramref name="data"/>, continuing from <paramref name="crc"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc = ~crc;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    internal static string Hex(uint v) => v.ToString("x8", CultureInfo.InvariantCulture);
}
