using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CrystalTransformer.Tests.Cli;

/// <summary>Shipped models and ct-UAEs name their data by built-in name or <c>&lt;ct&gt;/...</c> path, never by a folder of the machine that made them.</summary>
public class ShippedFilesPortabilityTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CrystalTransformer.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    // A Unix path with at least two components, or a Windows drive path, standing alone in a text.
    private static readonly Regex AbsolutePath = new(@"(?<![\w<>.\-])(/[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+|[A-Za-z]:\\\w)", RegexOptions.CultureInvariant);

    /// <summary>Absolute paths in a text: every JSON string value that is rooted, or path-like words of other text.</summary>
    internal static IEnumerable<string> AbsolutePaths(string name, string text)
    {
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var stack = new Stack<JsonNode?>([JsonNode.Parse(text)]);
            while (stack.Count > 0)
                switch (stack.Pop())
                {
                    case JsonObject o: foreach (var (_, v) in o) stack.Push(v); break;
                    case JsonArray a: foreach (var v in a) stack.Push(v); break;
                    case JsonValue v when v.TryGetValue(out string? s) && (Path.IsPathRooted(s) || AbsolutePath.IsMatch(s)): yield return s; break;
                }
            yield break;
        }
        foreach (Match m in AbsolutePath.Matches(text)) yield return m.Value;
    }

    [Theory]
    [InlineData("config.json", "{\"a\": {\"source\": \"/tmp/x/data/perov5.csv.gz\"}}")]
    [InlineData("metrics.json", "{\"model_path\": [\"/work/runs/r/best.ct\"]}")]
    [InlineData("README.md", "trained on /home/user/data.csv")]
    public void AnAbsolutePathIsFound(string name, string text) => Assert.NotEmpty(AbsolutePaths(name, text));

    [Theory]
    [InlineData("config.json", "{\"source\": \"<ct>/data/perov5/perov5.csv.gz\", \"output\": \"runs/a\", \"ratio\": \"1/2\"}")]
    [InlineData("README.md", "read from <ct>/data/uae/ct-uae-mp, see data/README.md and eV/atom")]
    public void PortableNamesPass(string name, string text) => Assert.Empty(AbsolutePaths(name, text));

    [Fact]
    public void NoShippedFileHoldsAnAbsolutePath()
    {
        string root = RepositoryRoot();
        var found = new List<string>();
        foreach (var folder in new[] { "models", Path.Combine("data", "uae") })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(root, file);
                if (file.EndsWith(".ct", StringComparison.OrdinalIgnoreCase))
                {
                    using var zip = ZipFile.OpenRead(file);
                    foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".json", StringComparison.Ordinal)))
                    {
                        using var reader = new StreamReader(entry.Open());
                        found.AddRange(AbsolutePaths(entry.Name, reader.ReadToEnd()).Select(p => $"{rel}!{entry.Name}: {p}"));
                    }
                }
                else if (Path.GetExtension(file).ToLowerInvariant() is ".json" or ".md" or ".csv" or ".txt")
                    found.AddRange(AbsolutePaths(file, File.ReadAllText(file)).Select(p => $"{rel}: {p}"));
            }
        Assert.Empty(found);
    }
}
