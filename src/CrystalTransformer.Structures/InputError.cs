namespace CrystalTransformer.Structures;

/// <summary>
/// Bad user input: a file, row or value that cannot be used. The message is one line naming the source,
/// the line (when there is one) and the reason, e.g. "x.cif:12: cell length _cell_length_a is not a number ('5.4x')".
/// </summary>
public class InputError : Exception
{
    public string? Origin { get; }
    public int? Line { get; }
    public string Reason { get; }

    public InputError(string reason, string? source = null, int? line = null, Exception? inner = null)
        : base(Format(reason, source, line), inner)
    {
        Reason = reason;
        Origin = source;
        Line = line;
    }

    /// <summary>The same reason attached to a source and line (used when a low-level parser did not know the file name).</summary>
    public InputError At(string? source, int? line = null) =>
        new(Reason, source ?? Origin, line ?? Line, InnerException);

    public static string Format(string reason, string? source, int? line)
    {
        reason = reason.ReplaceLineEndings(" ");
        if (source is null) return line is null ? reason : $"line {line}: {reason}";
        return line is null ? $"{source}: {reason}" : $"{source}:{line}: {reason}";
    }
}

/// <summary>
/// Bad or missing options (exit code 2 in <c>ct</c>): a value or a combination of options that cannot be used, found
/// before any input is read. Libraries raise it for the settings a command passes on from its options.
/// </summary>
public sealed class UsageError(string message) : InputError(message);
