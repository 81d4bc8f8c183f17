using System.CommandLine;
using System.Diagnostics;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Cli;

/// <summary><c>ct --version</c>, <c>ct completion</c> and the citation every run directory and <c>ct models</c> give.</summary>
[Collection("torch")]
public class VersionCompletionCitationTests
{
    private static (int Code, string Output) Invoke(params string[] args)
    {
        var output = new StringWriter();
        int code = CtRoot.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = TextWriter.Null });
        return (code, output.ToString());
    }

    [Fact]
    public void VersionNamesTheProgramCommitTorchSharpAndLibtorch()
    {
        var (code, text) = Invoke("--version");
        Assert.Equal(0, code);
        var lines = text.Split('\n');
        Assert.Matches(@"^ct \d+\.\d+\.\d+.* \(commit ([0-9a-f]{12}|unknown)\)$", lines[0]);
        Assert.Matches(@"^TorchSharp 0\.107\.\d+, libtorch 2\.10\.0 \(CPU\)$", lines[1]);
        Assert.Contains("data: ", text);
        Assert.Contains("models: ", text);
    }

    [Fact]
    public void CompletionScriptsAskTheProgramThroughTheSuggestDirective()
    {
        var (code, suggestions) = Invoke("[suggest:6]", "ct pre");
        Assert.Equal(0, code);
        Assert.Contains("predict", suggestions.Split('\n'));
        Assert.Contains("pretrain", suggestions.Split('\n'));
        var (_, models) = Invoke("[suggest:19]", "ct predict --model ");
        Assert.Contains("cgcnn-perov5", models.Split('\n'));

        var (bashCode, bash) = Invoke("completion", "bash");
        Assert.Equal(0, bashCode);
        Assert.Contains("[suggest:${COMP_POINT}]", bash);
        Assert.Contains("complete -o default", bash);
        var (_, zsh) = Invoke("completion", "zsh");
        Assert.Contains("compdef _ct_complete ct", zsh);
        Assert.NotEqual(0, Invoke("completion", "fish").Code);

        // The bash script is valid bash.
        string file = Path.Combine(TinyData.TempDir(), "ct.bash");
        File.WriteAllText(file, bash);
        using var check = Process.Start(new ProcessStartInfo("bash", ["-n", file]) { RedirectStandardError = true })!;
        check.WaitForExit();
        Assert.Equal(0, check.ExitCode);
    }

    [Fact]
    public void CitationsNameTheMethodBackEndTableAndData()
    {
        var config = new System.Text.Json.Nodes.JsonObject { ["element_table"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "std:magpie+ct-uae-mp" } };
        var list = Citations.For("cgcnn", config, "<ct>/data/perov5/perov5.csv.gz");
        Assert.Equal(Citations.Method, list[0]);
        Assert.Contains(list, c => c.Role == "back-end CGCNN");
        Assert.Contains(list, c => c.Role == "element table magpie");
        Assert.Contains(list, c => c.Role.StartsWith("data: perov5", StringComparison.Ordinal));
        var own = Citations.For("transformer", new System.Text.Json.Nodes.JsonObject(), "my/data.csv + <ct>/data/mp_compositions/mp_formation_bandgap.csv.gz");
        Assert.Contains(own, c => c.Role.StartsWith("data: Materials Project", StringComparison.Ordinal));
        Assert.Contains(own, c => c.Reference.Contains("my/data.csv", StringComparison.Ordinal));
        Assert.Contains("doi:10.1038/s41467-025-56481-x", Citations.Markdown(list));

        // ct models cites on standard error when its output is a plain table.
        var (savedOut, savedErr) = (Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try { Assert.Equal(0, CommandRunner.Run(new RootCommand { ModelsCommand.Create() }, ["models", "--plain"])); }
        finally { Console.SetOut(savedOut); Console.SetError(savedErr); }
        Assert.DoesNotContain("doi:", output.ToString());
        Assert.Contains("How to cite: Jin et al.", error.ToString());
        Assert.Contains("cgcnn-perov5 also: back-end CGCNN", error.ToString());
    }
}
