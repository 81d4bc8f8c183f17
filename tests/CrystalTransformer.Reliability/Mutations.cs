using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace CrystalTransformer.Reliability;

/// <summary>
/// Seeded mutations of files: of text (byte flips, truncation, deleted/duplicated/swapped lines, numbers replaced by
/// garbage, NaN, infinities, 1e308 or huge counts, control characters, binary garbage, huge repeated content), of its
/// encoding (UTF-16/32 with and without a byte-order mark, Latin-1, invalid UTF-8), of binary files, and of the entries
/// inside zip archives (so a model file's JSON is mutated behind a valid CRC). Every mutation is a function of the
/// generator's state only, so a case is replayed from its seed and number.
/// </summary>
public static class Mutations
{
    public static readonly string[] BadNumbers =
    [
        "abc", "1e999", "-1e999", "NaN", "nan", "inf", "-inf", "Infinity", "-0", "0", "0.0", "-5", "-1e-300", "1e308", "-1e308",
        "1e-320", "99999999999999999999", "2147483648", "-2147483649", "1.2.3", "--1", "0x10", "∞", "1,5", "+", "-", "(", "1e", "",
        "1e+", ".", "-.", "1d0", "٣", "½", "1e6", "-1e7", "4294967296", "9223372036854775808", "1000000000", "-1",
    ];

    private static readonly Regex NumberPattern = new(@"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", RegexOptions.Compiled);

    public delegate string TextMutator(string text, Random rng);

    public static readonly (string Name, TextMutator Apply)[] TextMutators =
    [
        ("byte-flip", FlipBytes),
        ("truncate", (t, r) => t[..r.Next(t.Length + 1)]),
        ("delete-lines", (t, r) => EditLines(t, r, (lines, i) => lines.RemoveAt(i))),
        ("duplicate-lines", (t, r) => EditLines(t, r, (lines, i) => lines.Insert(i, lines[i]))),
        ("swap-lines", (t, r) => EditLines(t, r, (lines, i) => { int j = r.Next(lines.Count); (lines[i], lines[j]) = (lines[j], lines[i]); })),
        ("bad-number", (t, r) => ReplaceNumbers(t, r, all: false)),
        ("all-numbers", (t, r) => ReplaceNumbers(t, r, all: true)),
        ("garbage-line", (t, r) => EditLines(t, r, (lines, i) => lines.Insert(i, RandomText(r, r.Next(1, 80))))),
        ("control-chars", InsertControlCharacters),
        ("case-flip", FlipCase),
        ("binary", (_, r) => RandomBinary(r, r.Next(0, 4096))),
        ("huge", HugeContent),
        ("combined", (t, r) => { for (int k = r.Next(2, 5); k > 0; k--) t = TextMutators[r.Next(TextMutators.Length - 3)].Apply(t, r); return t; }),
    ];

    /// <summary>One text mutation (expensive "huge" ones kept rare).</summary>
    public static (string Mutation, string Text) Mutate(string text, Random rng)
    {
        int k;
        do k = rng.Next(TextMutators.Length);
        while (TextMutators[k].Name == "huge" && rng.Next(8) != 0);
        return (TextMutators[k].Name, TextMutators[k].Apply(text, rng));
    }

    /// <summary>The bytes of (mutated) text in an encoding: mostly UTF-8, sometimes another one a reader must refuse or read.</summary>
    public static (string Encoding, byte[] Bytes) Encode(string text, Random rng)
    {
        switch (rng.Next(12))
        {
            case 0: return ("utf-16le+bom", new UnicodeEncoding(false, true).GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray());
            case 1: return ("utf-16be", Encoding.BigEndianUnicode.GetBytes(text));
            case 2: return ("utf-32+bom", new UTF32Encoding(false, true).GetPreamble().Concat(Encoding.UTF32.GetBytes(text)).ToArray());
            case 3: return ("latin-1", Encoding.Latin1.GetBytes(text.Replace("O", "Ö").Replace("e", "é")));
            case 4:
                var raw = Encoding.UTF8.GetBytes(text);
                for (int n = rng.Next(1, 9); n > 0 && raw.Length > 0; n--) raw[rng.Next(raw.Length)] = (byte)(0x80 | rng.Next(128));
                return ("invalid-utf-8", raw);
            case 5: return ("utf-8+bom", Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray());
            default: return ("utf-8", Encoding.UTF8.GetBytes(text));
        }
    }

    /// <summary>Mutations of a binary file (a model file, a PyTorch checkpoint, a gzip file).</summary>
    public static (string Mutation, byte[] Bytes) MutateBytes(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(7))
        {
            case 0:
                for (int n = rng.Next(1, 4); n > 0 && b.Length > 0; n--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return ("bit-flip", b);
            case 1:
                for (int n = rng.Next(1, 17); n > 0 && b.Length > 0; n--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return ("byte-flip", b);
            case 2: return ("truncate", b[..rng.Next(b.Length + 1)]);
            case 3:
                if (b.Length == 0) return ("zero-range", b);
                int at = rng.Next(b.Length), len = Math.Min(b.Length - at, rng.Next(1, 4096));
                Array.Clear(b, at, len);
                return ("zero-range", b);
            case 4:
                if (b.Length < 2) return ("duplicate-range", b);
                int from = rng.Next(b.Length), size = Math.Min(b.Length - from, rng.Next(1, 2048)), to = rng.Next(b.Length);
                return ("duplicate-range", b[..to].Concat(b.Skip(from).Take(size)).Concat(b[to..]).ToArray());
            case 5: return ("append-garbage", b.Concat(Enumerable.Range(0, rng.Next(1, 4096)).Select(_ => (byte)rng.Next(256))).ToArray());
            default: return ("binary", Enumerable.Range(0, rng.Next(0, 8192)).Select(_ => (byte)rng.Next(256)).ToArray());
        }
    }

    /// <summary>
    /// A zip archive with one entry's content mutated and the archive rewritten (valid CRCs), so readers meet damaged
    /// content that no checksum catches: text entries get text mutations, binary ones byte mutations; sometimes an entry
    /// is dropped or one of huge declared content is added.
    /// </summary>
    public static (string Mutation, byte[] Bytes) MutateZipEntry(byte[] archive, Random rng)
    {
        var entries = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries.Add((e.FullName, m.ToArray()));
            }
        if (entries.Count == 0) return ("empty-zip", archive);
        int k = rng.Next(entries.Count);
        string mutation;
        switch (rng.Next(10))
        {
            case 0:
                mutation = $"zip-drop:{entries[k].Name}";
                entries.RemoveAt(k);
                break;
            case 1:
                mutation = $"zip-bomb:{entries[k].Name}";
                entries[k] = (entries[k].Name, new byte[rng.Next(1, 64) << 20]);
                break;
            default:
                var (name, data) = entries[k];
                if (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".pkl", StringComparison.Ordinal) && rng.Next(2) == 0)
                {
                    var (m, text) = name.EndsWith(".json", StringComparison.Ordinal)
                        ? Mutate(Encoding.UTF8.GetString(data), rng) : ("pickle-bytes", Encoding.Latin1.GetString(MutateBytes(data, rng).Bytes));
                    mutation = $"zip-entry:{name}:{m}";
                    entries[k] = (name, name.EndsWith(".json", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text));
                }
                else
                {
                    var (m, bytes) = MutateBytes(data, rng);
                    mutation = $"zip-entry:{name}:{m}";
                    entries[k] = (name, bytes);
                }
                break;
        }
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                s.Write(data);
            }
        return (mutation, output.ToArray());
    }

    public static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(content);
        return ms.ToArray();
    }

    private static string FlipBytes(string text, Random rng)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length == 0) return text;
        for (int n = rng.Next(1, 9); n > 0; n--)
        {
            int i = rng.Next(bytes.Length);
            bytes[i] = rng.Next(2) == 0 ? (byte)(bytes[i] ^ (1 << rng.Next(8))) : (byte)rng.Next(256);
        }
        return Encoding.UTF8.GetString(bytes); // invalid sequences become U+FFFD, as a lenient text reader gives
    }

    private static string EditLines(string text, Random rng, Action<List<string>, int> edit)
    {
        var lines = text.Split('\n').ToList();
        for (int n = rng.Next(1, 4); n > 0 && lines.Count > 0; n--) edit(lines, rng.Next(lines.Count));
        return string.Join('\n', lines);
    }

    private static string ReplaceNumbers(string text, Random rng, bool all)
    {
        var matches = NumberPattern.Matches(text);
        if (matches.Count == 0) return text;
        string replacement = BadNumbers[rng.Next(BadNumbers.Length)];
        if (all) return NumberPattern.Replace(text, replacement);
        var chosen = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => matches[rng.Next(matches.Count)]).DistinctBy(m => m.Index).OrderByDescending(m => m.Index);
        var sb = new StringBuilder(text);
        foreach (var m in chosen) sb.Remove(m.Index, m.Length).Insert(m.Index, BadNumbers[rng.Next(BadNumbers.Length)]);
        return sb.ToString();
    }

    private static string InsertControlCharacters(string text, Random rng)
    {
        char[] specials = ['\0', '\u0001', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\f', '\v', '\uFEFF', '\uFFFD', '\r', '"', '\'', '\\', '{', '[', '='];
        var sb = new StringBuilder(text);
        for (int n = rng.Next(1, 6); n > 0; n--) sb.Insert(rng.Next(sb.Length + 1), specials[rng.Next(specials.Length)]);
        return sb.ToString();
    }

    private static string FlipCase(string text, Random rng)
    {
        var chars = text.ToCharArray();
        for (int n = rng.Next(1, 10); n > 0 && chars.Length > 0; n--)
        {
            int i = rng.Next(chars.Length);
            chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
        }
        return new string(chars);
    }

    private static string RandomText(Random rng, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = (char)rng.Next(32, 127);
        return new string(chars);
    }

    private static string RandomBinary(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private static string HugeContent(string text, Random rng)
    {
        var lines = text.Split('\n');
        string line = lines[rng.Next(lines.Length)];
        // Repetitions are capped at about 20 M characters, so a case stays a matter of seconds even for one-line files.
        int times(int length, int wanted) => Math.Max(1, Math.Min(wanted, 20_000_000 / Math.Max(1, length)));
        return rng.Next(4) switch
        {
            0 => text + string.Concat(Enumerable.Repeat(text, times(text.Length, 300))),              // the whole file many times
            1 => string.Join('\n', lines.Take(lines.Length / 2)) + "\n"                              // one line repeated 50k times
                 + string.Concat(Enumerable.Repeat(line + "\n", times(line.Length + 1, 50_000))),
            2 => text.Insert(rng.Next(text.Length + 1), new string('9', 1_500_000)),                  // a 1.5 M character number
            _ => text.Replace(" 1 ", " 999999999 ").Replace("\n1\n", "\n999999999\n"),               // counts that promise far too much
        };
    }
}
