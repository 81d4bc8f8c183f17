using System.CommandLine;
using System.CommandLine.Invocation;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Cli;

/// <summary>Runs the parsed command and turns every failure into a one-line message and an exit code.</summary>
public static class CommandRunner
{
    /// <summary>Everything done.</summary>
    public const int ExitOk = 0;
    /// <summary>Some input was refused (a file, row or value), or nothing could be done with it.</summary>
    public const int ExitInputError = 1;
    /// <summary>Bad or missing options: the command line could not be parsed, or its values cannot be used.</summary>
    public const int ExitUsage = 2;
    /// <summary>A bug: one line on standard error, the details in a file.</summary>
    public const int ExitInternalError = 3;
    /// <summary><c>ct reproduce</c> ran to its end but some cells failed (listed in the report; the same command retries them).</summary>
    public const int ExitFailedCells = 4;
    /// <summary>Cancelled (Ctrl-C).</summary>
    public const int ExitCancelled = 130;

    /// <summary>
    /// Where the details of an internal error go: the folder a command writes into (its run or output directory) once it
    /// is known, else the temporary folder.
    /// </summary>
    public static string? DetailsDirectory { get; set; }

    public static int Run(RootCommand root, string[] args, InvocationConfiguration? configuration = null)
    {
        try
        {
            var parsed = root.Parse(args);
            int code = configuration is null ? parsed.Invoke() : parsed.Invoke(configuration);
            // System.CommandLine reports its own parse errors (unknown or missing options, values of the wrong type) with 1.
            return parsed.Action is ParseErrorAction ? ExitUsage : code;
        }
        catch (Exception ex)
        {
            return Report(ex);
        }
    }

    /// <summary>
    /// Wraps a command body: bad options → "ct: reason" (exit 2); bad input → "ct: file:line: reason" (exit 1); a bug → one
    /// line plus a details file (exit 3).
    /// </summary>
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
            case UsageError usage:
                Console.Error.WriteLine($"ct: {usage.Message}");
                return ExitUsage;
            case InputError input:
                Console.Error.WriteLine($"ct: {input.Message}");
                return ExitInputError;
            case IOException or UnauthorizedAccessException: // a missing, unreadable or unwritable file or folder
                Console.Error.WriteLine($"ct: {Unwrap(ex).Message}");
                return ExitInputError;
            case OperationCanceledException:
                Console.Error.WriteLine("ct: cancelled");
                return ExitCancelled;
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
