using System.Diagnostics;
using System.Globalization;

namespace CrystalTransformer.IO;

/// <summary>
/// Named points where a process can be made to kill itself (SIGKILL) for testing what an interrupted run leaves behind:
/// <c>CT_KILL_AT=POINT:N</c> kills the process the N-th time it reaches POINT (N = 1 when omitted). Points:
/// <c>atomic-write</c> (a temporary file written, not yet renamed), <c>checkpoint-saved</c> (last.ct written, log.csv
/// not yet), <c>epoch-written</c> (an epoch's files all written), <c>cell-recorded</c> (a reproduce cell in the store).
/// Without the variable every call is a single field test.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "CT_KILL_AT";

    private static readonly (string Point, int Count)? Target = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _hits;

    public static bool Enabled => Target is not null;

    /// <summary>Kills this process (SIGKILL, no clean-up of any kind) when <paramref name="point"/> is the chosen one and its count is reached.</summary>
    public static void At(string point)
    {
        if (Target is not var (name, count) || name != point) return;
        if (Interlocked.Increment(ref _hits) < count) return;
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    private static (string, int)? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        int colon = text.LastIndexOf(':');
        if (colon < 0) return (text.Trim(), 1);
        return int.TryParse(text[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? (text[..colon].Trim(), n) : (text.Trim(), 1);
    }
}
