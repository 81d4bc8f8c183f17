using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ExtXyz;
using CrystalTransformer.Structures;
using CrystalTransformer.Reliability;
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

    private static (string Mutation, string Text) Mutate(string text, Random rng) => Mutations.Mutate(text, rng);

    private static byte[] Gzip(byte[] content) => Mutations.Gzip(content);
}
