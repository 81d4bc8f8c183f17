using System.Runtime.CompilerServices;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

[Collection("torch")]
public class FinalizerPauseTests
{
    private static int _finalized;

    private sealed class Tracked
    {
        ~Tracked() => Interlocked.Increment(ref _finalized);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Drop() => _ = new Tracked();

    private static bool WaitFor(Func<bool> condition, int milliseconds)
    {
        var until = DateTime.UtcNow.AddMilliseconds(milliseconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    [Fact]
    public void ObjectsThatDieDuringAStepAreFinalizedOnlyAfterIt()
    {
        int before = Volatile.Read(ref _finalized);
        using (FinalizerPause.Enter())
        {
            using (FinalizerPause.Enter()) Drop(); // nested scopes keep the pause
            GC.Collect();
            Assert.False(WaitFor(() => Volatile.Read(ref _finalized) > before, 300), "finalized during the step");
        }
        Assert.True(WaitFor(() => Volatile.Read(ref _finalized) > before, 10_000), "not finalized after the step");

        // Outside a step finalization runs as usual.
        int after = Volatile.Read(ref _finalized);
        Drop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(Volatile.Read(ref _finalized) > after);
    }
}
