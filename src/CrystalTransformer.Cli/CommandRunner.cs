using System.CommandLine;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Cli;

/// <summary>Runs the parsed command and turns every failure into a one-line message and an exit code.</summary>
public static class CommandRunner
{
    public const int ExitInputError = 1;
    public const int ExitInternalError = 3;

    /// <summary>
    /// Where the details of an internal error go: the folder a command writes into (its run or output directory) once it
    /// is known, else the temporary folder.
    /// </summary>
    public static string? DetailsDirectory { get; set; }

    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke();
        }
        catch (Exception ex)
        {
            return Report(ex);
        }
    }

    /// <summary>Wraps a command body: bad input → "ct: file:line: reason" (exit 1); a bug → one line plus a details file (exit 3).</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex)
        {
            return Report(ex);
        }
    }

    private static int Report(Exception ex)
    {
        switch (Unwrap(ex))
        {
            case InputError input:
                Console.Error.WriteLine($"ct: {input.Message}");
                return ExitInputError;
            case FileNotFoundException or DirectoryNotFoundException:
                Console.Error.WriteLine($"ct: {Unwrap(ex).Message}");
                return ExitInputError;
            case IOException io:
                Console.Error.WriteLine($"ct: {io.Message}");
                return ExitInputError;
            case UnauthorizedAccessException ua:
                Console.Error.WriteLine($"ct: {ua.Message}");
                return ExitInputError;
            case OperationCanceledException:
                Console.Error.WriteLine("ct: cancelled");
                return 130;
            default:
                string name = $"ct-error-{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log";
                string log = Path.Combine(DetailsDirectory is { } d && Directory.Exists(d) ? d : Path.GetTempPath(), name);
                try { File.WriteAllText(log, ex.ToString()); }
                catch (Exception) when (log != Path.Combine(Path.GetTempPath(), name))
                {
                    log = Path.Combine(Path.GetTempPath(), name);
                    try { File.WriteAllText(log, ex.ToString()); } catch (Exception) { log = "(could not write details)"; }
                }
                catch (Exception) { log = "(could not write details)"; }
                Console.Error.WriteLine($"ct: internal error: {Unwrap(ex).Message.ReplaceLineEndings(" ")} (details in {log})");
                return ExitInternalError;
        }
    }

    private static Exception Unwrap(Exception ex) =>
        ex is AggregateException { InnerExceptions.Count: 1 } agg ? Unwrap(agg.InnerExceptions[0])
        : ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? Unwrap(inner)
        : ex;
}
