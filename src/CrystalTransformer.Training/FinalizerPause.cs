using System.Runtime.CompilerServices;

namespace CrystalTransformer.Training;

/// <summary>
/// Holds back .NET finalizers while a training or inference step runs.
/// <para>
/// TorchSharp turns numbers into <c>Scalar</c> objects (implicit conversions: <c>x + 1.0</c>, <c>softplus(beta,
/// threshold)</c>, the counter of a batch norm, optimiser updates), passes them to libtorch by raw handle and leaves them
/// to the finalizer. A garbage collection started by any thread can find such an object unreachable while libtorch is
/// still reading it; its finalizer then frees it mid-call, which surfaces as sporadic "Unknown scalar type" errors or,
/// worse, wrong values. (Reproduced here in under 2,000 batch-norm steps with a second thread allocating.)
/// </para>
/// <para>
/// When a step starts, a blocker object is queued for finalization and the step begins only once the blocker holds the
/// finalizer thread (waiting for the step to end), so nothing that dies during the step is finalized before the step
/// ends; then finalization resumes. The cost is one generation-0 collection per step. Steps may nest or overlap across
/// threads (finalization resumes when the last one ends).
/// </para>
/// </summary>
public static class FinalizerPause
{
    private static readonly object Lock = new();
    private static readonly ManualResetEventSlim Open = new(initialState: true);
    private static int _depth;
    private static int _blocking; // blockers currently holding the finalizer thread

    /// <summary>A safety valve: a blocker never holds the finalizer thread longer than this.</summary>
    private static readonly TimeSpan MaxHold = TimeSpan.FromMinutes(30);

    /// <summary>Pauses finalization until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        lock (Lock)
        {
            if (_depth++ == 0)
            {
                Open.Reset();
                EnqueueBlocker();
                // The blocker is unreachable and (normally) in generation 0: this collection queues it for finalization.
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                // Only once a blocker holds the finalizer thread is everything that dies later certain to wait behind it.
                // (A collection started by another thread may have promoted the blocker; a full one then queues it.)
                if (!WaitUntilBlocking(TimeSpan.FromMilliseconds(200)))
                {
                    GC.Collect();
                    WaitUntilBlocking(TimeSpan.FromSeconds(10));
                }
            }
        }
        return new Scope(true);
    }

    private static bool WaitUntilBlocking(TimeSpan timeout)
    {
        var spin = new SpinWait();
        long until = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Volatile.Read(ref _blocking) == 0)
        {
            if (Environment.TickCount64 > until) return false;
            spin.SpinOnce();
        }
        return true;
    }

    private static void Exit()
    {
        lock (Lock)
        {
            if (--_depth == 0) Open.Set();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EnqueueBlocker() => _ = new Blocker();

    private sealed class Blocker
    {
        ~Blocker()
        {
            Interlocked.Increment(ref _blocking);
            try { Open.Wait(MaxHold); }
            finally { Interlocked.Decrement(ref _blocking); }
        }
    }

    /// <summary>Ends the pause (idempotent per scope).</summary>
    public struct Scope(bool active) : IDisposable
    {
        private bool _active = active;

        public void Dispose()
        {
            if (!_active) return;
            _active = false;
            Exit();
        }
    }
}
