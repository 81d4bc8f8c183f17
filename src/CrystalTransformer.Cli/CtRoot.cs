using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli;

/// <summary>The root command with every subcommand, the version text and shell completion.</summary>
public static class CtRoot
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "CrystalTransformer (ct): crystal structures, graphs, universal atomic embeddings (ct-UAE) and graph networks.");
        // One file per command under Commands/; each exposes Create().
        foreach (var command in new Command[]
                 {
                     InspectCommand.Create(),
                     PretrainCommand.Create(),
                     EmbedCommand.Create(),
                     TrainCommand.Create(),
                     PredictCommand.Create(),
                     ModelsCommand.Create(),
                     ReproduceCommand.Create(),
                     AnalyzeCommand.Create(),
                     CompletionCommand.Create(),
                 })
            root.Subcommands.Add(command);
        foreach (var version in root.Options.OfType<VersionOption>()) version.Action = new VersionAction();
        return root;
    }

    /// <summary>
    /// What <c>ct --version</c> prints: the program's version and the commit it was built from, TorchSharp and libtorch,
    /// .NET, and where the program finds its data and shipped models.
    /// </summary>
    public static string VersionText()
    {
        var (version, commit) = VersionAndCommit();
        string torchSharp = InformationalVersion(typeof(TorchSharp.torch).Assembly) is { Length: > 0 } ts ? ts.Split('+')[0] : "unknown";
        return $"ct {version} (commit {commit})\n" +
               $"TorchSharp {torchSharp}, libtorch {(RunEnvironment.LibTorchVersion is { Length: > 0 } lt ? lt : "unknown")} (CPU)\n" +
               $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.RuntimeIdentifier}\n" +
               $"data: {BuiltInData.Root}\nmodels: {ShippedModels.Root}\n";
    }

    /// <summary>The version and the commit (first 12 hex digits; "unknown" when the build had no git information).</summary>
    public static (string Version, string Commit) VersionAndCommit()
    {
        string info = InformationalVersion(typeof(CtRoot).Assembly);
        int plus = info.IndexOf('+');
        string version = plus < 0 ? info : info[..plus];
        string commit = plus < 0 ? "unknown" : info[(plus + 1)..];
        if (commit.Length > 12 && commit.All(Uri.IsHexDigit)) commit = commit[..12];
        return (version.Length > 0 ? version : "unknown", commit.Length > 0 ? commit : "unknown");
    }

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString() ?? "";

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.Write(VersionText());
            return 0;
        }
    }
}
