using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>
/// The gated aggregation of the edge-gated graph convolution, fused into one pass over the edges on the CPU:
/// m_k = a[s_k] + b[t_k] + c_k, σ_k = sigmoid(m_k), out[n] = Σ_{k: t_k = n} h[s_k] ⊙ σ_k / (Σ_{k: t_k = n} σ_k + 10⁻⁶),
/// for edges k from s_k to t_k. It returns m and out, and never materialises the gathered [edges, features] rows, σ or
/// the products, which the same formula written with index_select and index_add keeps (the backward pass recomputes σ
/// from m). Each node's sums run over its edges in ascending edge order (as index_add adds), and the work is split
/// into chunks of nodes fixed by the graph, so the numbers do not depend on the thread count.
/// </summary>
public static class EdgeGate
{
    /// <summary>Whether the fused kernels apply: float32, contiguous-able tensors on the CPU.</summary>
    public static bool Supported(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32;

    /// <param name="a">[N, F] source term (A v), gathered by edge source.</param>
    /// <param name="b">[N, F] target term (B v), gathered by edge target.</param>
    /// <param name="c">[E, F] edge term (C e).</param>
    /// <param name="h">[N, F] messages (V v), gathered by edge source.</param>
    /// <returns>m [E, F] and the normalised aggregate [N, F].</returns>
    public static (Tensor M, Tensor Aggregate) Apply(Tensor a, Tensor b, Tensor c, Tensor h, GraphIndex graph)
    {
        if (!is_grad_enabled() || !(a.requires_grad || b.requires_grad || c.requires_grad || h.requires_grad))
        {
            var (m, aggregate, denominator) = Compute(Dense(a), Dense(b), Dense(c), Dense(h), graph);
            denominator.Dispose();
            return (m, aggregate);
        }
        var outputs = Function.apply(a, b, c, h, graph);
        return (outputs[0], outputs[1]);
    }

    private static (Tensor M, Tensor Aggregate, Tensor Denominator) Compute(Tensor a, Tensor b, Tensor c, Tensor h, GraphIndex graph)
    {
        long n = graph.NodeCount, e = graph.EdgeCount, f = c.shape[1];
        if (a.shape[0] != n || b.shape[0] != n || h.shape[0] != n || c.shape[0] != e)
            throw new ArgumentException("edge-gate tensors disagree with the graph");
        var m = empty([e, f], ScalarType.Float32);
        var aggregate = empty([n, f], ScalarType.Float32);
        var denominator = empty([n, f], ScalarType.Float32);
        unsafe
        {
            Kernels.Forward(graph, (int)f, Ptr(a), Ptr(b), Ptr(c), Ptr(h), Ptr(m), Ptr(aggregate), Ptr(denominator));
        }
        return (m, aggregate, denominator);
    }

    private sealed class Function : autograd.MultiTensorFunction<Function>
    {
        public override string Name => "EdgeGate";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (a, b, c, h) = (Dense((Tensor)vars[0]), Dense((Tensor)vars[1]), Dense((Tensor)vars[2]), Dense((Tensor)vars[3]));
            var graph = (GraphIndex)vars[4];
            var (m, aggregate, denominator) = Compute(a, b, c, h, graph);
            ctx.save_for_backward([m, h, aggregate, denominator]);
            ctx.save_data("graph", graph);
            ctx.set_materialize_grads(false);
            return [m, aggregate];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grads)
        {
            ReturnedGradients.Release();
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            var (m, h, aggregate, denominator) = (saved[0], saved[1], saved[2], saved[3]);
            var graph = (GraphIndex)ctx.get_data("graph");
            long n = graph.NodeCount, e = graph.EdgeCount, f = m.shape[1];
            Tensor? gm = grads[0] is { IsInvalid: false } g0 ? Dense(g0) : null;
            Tensor? gAggregate = grads[1] is { IsInvalid: false } g1 ? Dense(g1) : null;
            var ga = empty([n, f], ScalarType.Float32);
            var gb = empty([n, f], ScalarType.Float32);
            var gc = empty([e, f], ScalarType.Float32);
            var gh = empty([n, f], ScalarType.Float32);
            var gNumerator = empty([n, f], ScalarType.Float32);
            unsafe
            {
                Kernels.Backward(graph, (int)f, Ptr(m), Ptr(h), Ptr(aggregate), Ptr(denominator),
                    gm is null ? null : Ptr(gm), gAggregate is null ? null : Ptr(gAggregate), Ptr(gNumerator), Ptr(ga), Ptr(gb), Ptr(gc), Ptr(gh));
            }
            foreach (var t in saved) t.Dispose();
            foreach (var t in grads) t?.Dispose();
            var result = new List<Tensor>
            {
                ga.MoveToOuterDisposeScope(), gb.MoveToOuterDisposeScope(), gc.MoveToOuterDisposeScope(), gh.MoveToOuterDisposeScope(), null!,
            };
            ReturnedGradients.Hold(result);
            return result;
        }
    }

    /// <summary>
    /// The gradients a backward call hands to the autograd engine: the engine takes its own reference when the call
    /// returns, so these handles are released at the thread's next call (or next forward), not left to the finalizer.
    /// Per thread: CPU backward passes run on the thread that started them, so another thread's training never
    /// releases handles the engine has not taken yet.
    /// </summary>
    internal static class ReturnedGradients
    {
        [ThreadStatic] private static List<Tensor>? _held;

        public static void Hold(IEnumerable<Tensor> tensors) => (_held ??= []).AddRange(tensors.Where(t => t is not null));

        public static void Release()
        {
            if (_held is null) return;
            foreach (var t in _held) t.Dispose();
            _held.Clear();
        }
    }

    private static Tensor Dense(Tensor t) => t.is_contiguous() ? t : t.contiguous();

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSStorage_data_ptr(IntPtr tensor);

    /// <summary>The first element of a contiguous float32 CPU tensor.</summary>
    internal static unsafe float* Pointer(Tensor t) => Ptr(t);

    private static unsafe float* Ptr(Tensor t)
    {
        if (!t.is_contiguous() || t.dtype != ScalarType.Float32 || t.device_type != DeviceType.CPU)
            throw new ArgumentException("fused graph kernels need contiguous float32 CPU tensors");
        return (float*)THSStorage_data_ptr(t.Handle) + t.storage_offset();
    }

    /// <summary>The loops. Row pointers are [rows, f] row-major.</summary>
    private static unsafe class Kernels
    {
        private const float Epsilon = 1e-6f;

        private static ParallelOptions Options() => new() { MaxDegreeOfParallelism = Math.Max(1, torch.get_num_threads()) };

        private static void ForChunks(int[] bounds, Action<int, int> body)
        {
            int chunks = bounds.Length - 1;
            if (chunks == 1) body(bounds[0], bounds[1]);
            else Parallel.For(0, chunks, Options(), i => body(bounds[i], bounds[i + 1]));
        }

        public static void Forward(GraphIndex g, int f, float* a, float* b, float* c, float* h, float* m, float* aggregate, float* denominator)
        {
            ForChunks(g.TargetChunks, (first, end) =>
            {
                var numerator = new float[f];
                var sum = new float[f];
                fixed (float* num = numerator, den = sum)
                {
                    for (int t = first; t < end; t++)
                    {
                        new Span<float>(num, f).Clear();
                        new Span<float>(den, f).Clear();
                        float* bt = b + (long)t * f;
                        for (int j = g.TargetStart[t]; j < g.TargetStart[t + 1]; j++)
                        {
                            int k = g.ByTarget[j], s = g.Source[k];
                            GateRow(f, a + (long)s * f, bt, c + (long)k * f, h + (long)s * f, m + (long)k * f, num, den);
                        }
                        NormaliseRow(f, num, den, aggregate + (long)t * f, denominator + (long)t * f);
                    }
                }
            });
        }

        /// <summary>m = (a + b) + c; σ = sigmoid(m); num += h σ; den += σ.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GateRow(int f, float* a, float* b, float* c, float* h, float* m, float* num, float* den)
        {
            int i = 0;
            for (; i <= f - 8; i += 8)
            {
                var mv = Vector256.Load(a + i) + Vector256.Load(b + i) + Vector256.Load(c + i);
                mv.Store(m + i);
                var sigma = Sigmoid(mv);
                (Vector256.Load(num + i) + Vector256.Load(h + i) * sigma).Store(num + i);
                (Vector256.Load(den + i) + sigma).Store(den + i);
            }
            for (; i < f; i++)
            {
                float mv = a[i] + b[i] + c[i];
                m[i] = mv;
                float sigma = 1f / (1f + MathF.Exp(-mv));
                num[i] += h[i] * sigma;
                den[i] += sigma;
            }
        }

        /// <summary>out = num / (den + ε); keeps den + ε.</summary>
        private static void NormaliseRow(int f, float* num, float* den, float* output, float* denominator)
        {
            int i = 0;
            var eps = Vector256.Create(Epsilon);
            for (; i <= f - 8; i += 8)
            {
                var d = Vector256.Load(den + i) + eps;
                d.Store(denominator + i);
                (Vector256.Load(num + i) / d).Store(output + i);
            }
            for (; i < f; i++)
            {
                float d = den[i] + Epsilon;
                denominator[i] = d;
                output[i] = num[i] / d;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

        /// <summary>
        /// With D = den + ε and out = num / D: ∂num = ∂out / D, ∂σ_k = ∂num[t] ⊙ (h[s] − out[t]),
        /// ∂m_k = ∂m_k(given) + ∂σ_k σ_k (1 − σ_k) = ∂c_k; ∂b[t] = Σ_{t_k = t} ∂m_k; ∂a[s] = Σ_{s_k = s} ∂m_k;
        /// ∂h[s] = Σ_{s_k = s} ∂num[t_k] σ_k. The first pass goes by target, the second by source (σ recomputed).
        /// </summary>
        public static void Backward(GraphIndex g, int f, float* m, float* h, float* aggregate, float* denominator,
            float* gm, float* gAggregate, float* gNumerator, float* ga, float* gb, float* gc, float* gh)
        {
            ForChunks(g.TargetChunks, (first, end) =>
            {
                for (int t = first; t < end; t++)
                {
                    float* gnum = gNumerator + (long)t * f, gbt = gb + (long)t * f, outT = aggregate + (long)t * f;
                    Divide(f, gAggregate is null ? null : gAggregate + (long)t * f, denominator + (long)t * f, gnum);
                    new Span<float>(gbt, f).Clear();
                    for (int j = g.TargetStart[t]; j < g.TargetStart[t + 1]; j++)
                    {
                        int k = g.ByTarget[j], s = g.Source[k];
                        GateGradientRow(f, m + (long)k * f, gm is null ? null : gm + (long)k * f, gnum, h + (long)s * f, outT, gc + (long)k * f, gbt);
                    }
                }
            });
            ForChunks(g.SourceChunks, (first, end) =>
            {
                for (int s = first; s < end; s++)
                {
                    float* gas = ga + (long)s * f, ghs = gh + (long)s * f;
                    new Span<float>(gas, f).Clear();
                    new Span<float>(ghs, f).Clear();
                    for (int j = g.SourceStart[s]; j < g.SourceStart[s + 1]; j++)
                    {
                        int k = g.BySource[j], t = g.Target[k];
                        SourceGradientRow(f, m + (long)k * f, gc + (long)k * f, gNumerator + (long)t * f, gas, ghs);
                    }
                }
            });
        }

        private static void Divide(int f, float* x, float* d, float* output)
        {
            if (x is null)
            {
                new Span<float>(output, f).Clear();
                return;
            }
            int i = 0;
            for (; i <= f - 8; i += 8) (Vector256.Load(x + i) / Vector256.Load(d + i)).Store(output + i);
            for (; i < f; i++) output[i] = x[i] / d[i];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GateGradientRow(int f, float* m, float* gm, float* gnum, float* h, float* outT, float* gc, float* gb)
        {
            int i = 0;
            for (; i <= f - 8; i += 8)
            {
                var sigma = Sigmoid(Vector256.Load(m + i));
                var gSigma = Vector256.Load(gnum + i) * (Vector256.Load(h + i) - Vector256.Load(outT + i));
                var g = gSigma * (sigma * (Vector256<float>.One - sigma));
                if (gm is not null) g = Vector256.Load(gm + i) + g;
                g.Store(gc + i);
                (Vector256.Load(gb + i) + g).Store(gb + i);
            }
            for (; i < f; i++)
            {
                float sigma = 1f / (1f + MathF.Exp(-m[i]));
                float g = gnum[i] * (h[i] - outT[i]) * (sigma * (1f - sigma));
                if (gm is not null) g = gm[i] + g;
                gc[i] = g;
                gb[i] += g;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SourceGradientRow(int f, float* m, float* gc, float* gnum, float* ga, float* gh)
        {
            int i = 0;
            for (; i <= f - 8; i += 8)
            {
                var sigma = Sigmoid(Vector256.Load(m + i));
                (Vector256.Load(ga + i) + Vector256.Load(gc + i)).Store(ga + i);
                (Vector256.Load(gh + i) + Vector256.Load(gnum + i) * sigma).Store(gh + i);
            }
            for (; i < f; i++)
            {
                float sigma = 1f / (1f + MathF.Exp(-m[i]));
                ga[i] += gc[i];
                gh[i] += gnum[i] * sigma;
            }
        }
    }
}
