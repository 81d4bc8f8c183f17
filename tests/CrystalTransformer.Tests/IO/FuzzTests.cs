using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.Structures;
using Xunit.Abstractions;

namespace CrystalTransformer.Tests.IO;

/// <summary>
/// Mutated sample files — CIF, POSCAR and extxyz — (byte flips, truncation, deleted/duplicated/swapped lines, numbers
/// replaced by garbage, huge, NaN or negative values, binary garbage, huge repeated content) must either read or fail
/// with a one-line <see cref="InputError"/> naming the source; any other exception, a multi-line message or a hang
/// fails the test. Every case goes through <see cref="StructureIO"/>: most as text in memory, every tenth as a file
/// on disk (named so that the format comes from the extension, a VASP name or the content, some gzip-compressed, some
/// with the compressed bytes corrupted). Deterministic: a fixed seed, and every failure names its case.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    // Fixed by default; CT_FUZZ_SEED and CT_FUZZ_CASES explore further (a failure there names its case for replay).
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("CT_FUZZ_SEED"), out int seed) ? seed : 20251126;
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("CT_FUZZ_CASES"), out int cases) ? cases : 4000;
    private static readonly TimeSpan PerCaseTimeout = TimeSpan.FromSeconds(10);

    private sealed record Sample(string Name, string Format, string Text);

    private static readonly Lazy<List<Sample>> SampleFiles = new(LoadSamples);

    private static List<Sample> LoadSamples()
    {
        var samples = new List<Sample>();
        foreach (var f in Directory.GetFiles(BuiltInData.PathOf("samples", "alignn_poscar"), "*.vasp").Order())
            samples.Add(new Sample(Path.GetFileName(f), "poscar", File.ReadAllText(f)));
        foreach (var f in Directory.GetFiles(BuiltInData.PathOf("samples", "cgcnn_cif"), "*.cif").Order())
            samples.Add(new Sample(Path.GetFileName(f), "cif", File.ReadAllText(f)));
        // perov5's CIFs (pymatgen P1 files): twenty of them, so CIFs weigh about as much as POSCARs.
        foreach (var (s, k) in StructureIO.ReadLazy(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Take(20).Select((s, k) => (s, k)))
            samples.Add(new Sample($"perov5-{s.Id}.cif", "cif", FormatTestHelpers.WriteAll(StructureIO.GetFormat("cif"), s)));
        // Ten extxyz files of three NOMAD frames each (different sizes and space groups).
        var nomad = NomadExtXyzReferenceTests.ReadNomad();
        for (int k = 0; k < 10; k++)
        {
            var frames = Enumerable.Range(0, 3).Select(j => nomad[(k * 3 + j) * 79 % nomad.Count]).ToArray();
            samples.Add(new Sample($"nomad{k}.extxyz", "extxyz", FormatTestHelpers.WriteAll(ExtXyzFormat.Instance, frames)));
        }
        samples.Add(new Sample("GaN.vasp", "poscar", File.ReadAllText(FormatTestHelpers.FixturePath("Golden", "GaN.vasp"))));
        samples.Add(new Sample("GaN.extxyz", "extxyz", File.ReadAllText(FormatTestHelpers.FixturePath("Golden", "GaN.extxyz"))));
        return samples;
    }

    private enum Outcome { Read, InputError }

    /// <summary>Reads text in memory (<paramref name="path"/> null) or a file, and classifies the outcome.</summary>
    private static Outcome Run(string? text, string format, string source, string? path)
    {
        try
        {
            var structures = path is null ? StructureIO.ReadText(text!, format, source: source) : StructureIO.Read(path);
            foreach (var s in structures) _ = s.Composition.Formula; // the structure is usable
            return Outcome.Read;
        }
        catch (InputError e)
        {
            if (e.Message.Contains('\n') || e.Message.Contains('\r'))
                throw new FuzzFailure($"multi-line message: {e.Message.ReplaceLineEndings("⏎")}");
            if (!e.Message.Contains(source, StringComparison.Ordinal))
                throw new FuzzFailure($"message does not name the source: {e.Message}");
            return Outcome.InputError;
        }
    }

    private sealed class FuzzFailure(string message) : Exception(message);

    [Fact]
    public void MutatedSamplesReadOrFailWithOneLineInputErrors()
    {
        var samples = SampleFiles.Value;
        var rng = new Random(Seed);
        var failures = new List<string>();
        int rejected = 0;
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        var dir = Directory.CreateTempSubdirectory("ct-fuzz-").FullName;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Cases; i++)
            {
                var sample = samples[rng.Next(samples.Count)];
                var (mutation, text) = Mutate(sample.Text, rng);
                string source = $"case{i}-{sample.Name}";
                string? path = null;
                string delivery = "in memory";
                if (i % 10 == 0)
                {
                    (path, delivery) = WriteCaseFile(dir, i, sample, text, rng);
                    source = path;
                }
                var task = Task.Run(() => Run(text, sample.Format, source, path));
                string? failure = null;
                try
                {
                    if (!task.Wait(PerCaseTimeout)) failure = $"no result within {PerCaseTimeout.TotalSeconds} s (hang?)";
                    else
                    {
                        if (task.Result == Outcome.InputError) rejected++;
                        foreach (string key in new[] { $"{sample.Format} {mutation}", $"{sample.Format} {delivery}" })
                            (counts.TryGetValue(key, out var t) ? t : counts[key] = new int[2])[(int)task.Result]++;
                    }
                }
                catch (AggregateException ae)
                {
                    var e = ae.InnerException!;
                    failure = e is FuzzFailure ? e.Message : $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
                }
                if (failure is not null && failures.Count < 25) failures.Add($"case {i} ({sample.Name}, {mutation}, {delivery}): {failure}");
                if (path is not null) File.Delete(path);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        output.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F2} s (seed {Seed}); read / input error by mutation and by delivery:");
        foreach (var (key, t) in counts)
            output.WriteLine($"  {key,-30} {t[0],6} {t[1],6}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The mutations did break files (the readers are not simply accepting everything), in all three formats.
        Assert.True(rejected > Cases / 3, $"only {rejected} of {Cases} mutated files were rejected");
        Assert.Equal(["cif", "extxyz", "poscar"], counts.Keys.Select(k => k.Split(' ')[0]).Distinct().Order());
    }

    /// <summary>Writes a case to disk under a name that makes StructureIO detect the format one way or another.</summary>
    private static (string Path, string How) WriteCaseFile(string dir, int i, Sample sample, string text, Random rng)
    {
        string ext = sample.Format switch { "poscar" => ".vasp", "extxyz" => ".extxyz", _ => ".cif" };
        var bytes = Encoding.UTF8.GetBytes(text);
        switch (rng.Next(5))
        {
            case 0: return (Write($"case{i}{ext}", bytes), "file");
            case 1: return (Write(sample.Format == "poscar" ? $"CONTCAR{i}" : $"case{i}.dat", bytes), "file, format sniffed");
            case 2: return (Write($"case{i}{ext}.gz", Gzip(bytes)), "file, gzip");
            case 3:
                var gz = Gzip(bytes); // empty when the text is (GZipStream writes nothing for no data)
                for (int n = rng.Next(1, 6); n > 0 && gz.Length > 0; n--) gz[rng.Next(gz.Length)] ^= (byte)(1 << rng.Next(8));
                return (Write($"case{i}{ext}.gz", gz), "file, corrupt gzip");
            default:
                // Raw bytes: flips straight into the file, so invalid UTF-8 reaches the decoder.
                var raw = (byte[])bytes.Clone();
                for (int n = rng.Next(1, 9); n > 0 && raw.Length > 0; n--) raw[rng.Next(raw.Length)] = (byte)rng.Next(256);
                return (Write($"case{i}{ext}", raw), "file, raw byte flips");
        }

        string Write(string name, byte[] content)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllBytes(path, content);
            return path;
        }
    }

    private static readonly string[] BadNumbers =
    [
        "abc", "1e999", "-1e999", "NaN", "nan", "inf", "-inf", "Infinity", "-0", "0", "0.0", "-5", "-1e-300", "1e308", "-1e308",
        "1e-320", "99999999999999999999", "2147483648", "-2147483649", "1.2.3", "--1", "0x10", "∞", "1,5", "+", "-", "(", "1e", "",
        "1e+", ".", "-.", "1d0", "٣", "½",
    ];

    private static readonly Regex NumberPattern = new(@"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", RegexOptions.Compiled);

    private delegate string Mutator(string text, Random rng);

    private static readonly (string Name, Mutator Apply)[] Mutators =
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
        ("combined", (t, r) => { for (int k = r.Next(2, 5); k > 0; k--) t = Mutators[r.Next(Mutators.Length - 3)].Apply(t, r); return t; }),
    ];

    private static (string Mutation, string Text) Mutate(string text, Random rng)
    {
        // Expensive "huge" cases are kept rare so the test stays fast.
        int k;
        do k = rng.Next(Mutators.Length);
        while (Mutators[k].Name == "huge" && rng.Next(8) != 0);
        return (Mutators[k].Name, Mutators[k].Apply(text, rng));
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
        return rng.Next(4) switch
        {
            0 => text + string.Concat(Enumerable.Repeat(text, 300)),                                  // the whole file many times
            1 => string.Join('\n', lines.Take(lines.Length / 2)) + "\n"                              // one line repeated 50k times
                 + string.Concat(Enumerable.Repeat(lines[rng.Next(lines.Length)] + "\n", 50_000)),
            2 => text.Insert(rng.Next(text.Length + 1), new string('9', 1_500_000)),                  // a 1.5 M character number
            _ => text.Replace(" 1 ", " 999999999 ").Replace("\n1\n", "\n999999999\n"),               // counts that promise far too much
        };
    }

    private static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(content);
        return ms.ToArray();
    }
}
