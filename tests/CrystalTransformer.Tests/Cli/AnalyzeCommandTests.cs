using System.Diagnostics;

namespace CrystalTransformer.Tests.Cli;

/// <summary>The ct program itself (run as a process): exit codes and one-line errors of <c>ct analyze</c>.</summary>
public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Ct(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ct.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, err);
    }

    [Fact]
    public void UnknownEmbeddingIsOneLineAndExitCodeOne()
    {
        var (code, _, err) = Ct("analyze", "--embedding", "nosuch", "--out", _dir);
        Assert.Equal(1, code);
        Assert.StartsWith("ct: unknown embedding 'nosuch'", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void BrokenTableFileNamesTheRow()
    {
        string path = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(path, "element,f0\nH,1\nHe,x\n");
        var (code, _, err) = Ct("analyze", "-e", path, "--out", _dir, "--dataset", "none");
        Assert.Equal(1, code);
        Assert.Equal($"ct: {path}:3: column 'f0' of He: 'x' is not a finite number", err.Trim());
    }

    [Fact]
    public void HelpDescribesTheOptions()
    {
        var (code, output, _) = Ct("analyze", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--embedding", "--out", "--dataset", "--seed", "--k", "--folds", "--threads" })
            Assert.Contains(option, output);
    }
}
