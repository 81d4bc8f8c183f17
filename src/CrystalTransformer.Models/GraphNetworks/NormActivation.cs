using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>
/// r + SiLU(BatchNorm(x)) with the batch norm in training mode (batch statistics, running statistics updated as
/// BatchNorm1d does), fused on the CPU: one pass for the statistics, one for the output, and two for the backward pass,
/// which recomputes the normalised values from x instead of keeping the normalised and activated tensors.
/// Column sums are taken in double over row chunks of a fixed size, added in chunk order, so the numbers do not depend
/// on the thread count.
/// </summary>
public static class NormActivation
{
    private const int ChunkRows = 2048;

    /// <summary>Whether the fused path applies to these tensors.</summary>
    public static bool Supported(Tensor x, Tensor residual, BatchNorm1d norm) =>
        norm.training && norm.running_mean is not null && norm.running_var is not null && norm.weight is not null && norm.bias is not null
        && EdgeGate.Supported(x) && EdgeGate.Supported(residual) && x.shape[0] > 1 && x.shape.SequenceEqual(residual.shape);

    /// <summary><paramref name="residual"/> + SiLU(<paramref name="norm"/>(<paramref name="x"/>)), training mode.</summary>
    public static Tensor Apply(Tensor x, Tensor residual, BatchNorm1d norm)
    {
        var result = Function.apply(x, residual, norm.weight!, norm.bias!, norm);
        norm.num_batches_tracked?.add_(1);
        return result;
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "NormActivation";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = Dense((Tensor)vars[0]);
            var residual = Dense((Tensor)vars[1]);
            var (weight, bias, norm) = ((Tensor)vars[2], (Tensor)vars[3], (BatchNorm1d)vars[4]);
            long rows = x.shape[0];
            int f = (int)x.shape[1];
            var sums = new double[f];
            var squares = new double[f];
            unsafe
            {
                float* px = Ptr(x);
                ColumnSums(rows, f, (first, end, acc) => { for (long r = first; r < end; r++) Accumulate(f, px + r * f, acc); }, sums);
                var mean = sums.Select(s => s / rows).ToArray();
                ColumnSums(rows, f, (first, end, acc) => { for (long r = first; r < end; r++) AccumulateSquares(f, px + r * f, mean, acc); }, squares);
                double eps = norm.eps;
                var meanT = tensor(mean.Select(v => (float)v).ToArray());
                var invstdT = tensor(squares.Select(s => (float)(1.0 / Math.Sqrt(s / rows + eps))).ToArray());
                double momentum = norm.momentum ?? 0.1;
                using (var batchVar = tensor(squares.Select(s => (float)(s / (rows - 1))).ToArray()))
                {
                    norm.running_mean!.mul_(1 - momentum).add_(meanT, momentum);
                    norm.running_var!.mul_(1 - momentum).add_(batchVar, momentum);
                }
                // u = x · scale + shift with scale = γ invstd, shift = β − mean · scale.
                using var wc = weight.detach().contiguous();
                using var bc = bias.detach().contiguous();
                var scale = (wc * invstdT).contiguous();
                var shift = (bc - meanT * scale).contiguous();
                var output = empty_like(x);
                float* po = Ptr(output), pr = Ptr(residual), ps = Ptr(scale), pb = Ptr(shift);
                ForRows(rows, (first, end) =>
                {
                    for (long r = first; r < end; r++) OutputRow(f, px + r * f, pr + r * f, ps, pb, po + r * f);
                });
                ctx.save_for_backward([x, wc.alias(), meanT, invstdT, scale, shift]);
                return output;
            }
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gOut)
        {
            EdgeGate.ReturnedGradients.Release();
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            var (x, weight, meanT, invstdT, scale, shift) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]);
            if (gOut is null || gOut.IsInvalid) return [null!, null!, null!, null!, null!];
            var g = gOut.is_contiguous() ? gOut : gOut.contiguous();
            long rows = x.shape[0];
            int f = (int)x.shape[1];
            var gShift = new double[f];
            var gScaled = new double[f]; // Σ gu · x (then turned into Σ gu · x̂)
            var gx = empty_like(x);
            unsafe
            {
                float* px = Ptr(x), pg = Ptr(g), ps = Ptr(scale), pb = Ptr(shift);
                var partials = ColumnSums2(rows, f, (first, end, acc1, acc2) =>
                {
                    for (long r = first; r < end; r++) GradientSumsRow(f, px + r * f, pg + r * f, ps, pb, acc1, acc2);
                }, gShift, gScaled);
                var mean = meanT.data<float>().ToArray();
                var invstd = invstdT.data<float>().ToArray();
                var w = weight.data<float>().ToArray();
                // Σ gu x̂ = invstd (Σ gu x − mean Σ gu).
                var sumGuXhat = new double[f];
                for (int i = 0; i < f; i++) sumGuXhat[i] = invstd[i] * (gScaled[i] - mean[i] * gShift[i]);
                // ∂x = γ invstd (gu − Σgu / n − x̂ Σ gu x̂ / n).
                var k1 = new float[f];
                var k2 = new float[f];
                var k3 = new float[f];
                for (int i = 0; i < f; i++)
                {
                    k1[i] = w[i] * invstd[i];
                    k2[i] = (float)(gShift[i] / rows);
                    k3[i] = (float)(sumGuXhat[i] / rows);
                }
                fixed (float* c1 = k1, c2 = k2, c3 = k3, pm = mean, pi = invstd)
                {
                    float* pc1 = c1, pc2 = c2, pc3 = c3, pmean = pm, pinv = pi, pgx = Ptr(gx);
                    ForRows(rows, (first, end) =>
                    {
                        for (long r = first; r < end; r++) InputGradientRow(f, px + r * f, pg + r * f, ps, pb, pmean, pinv, pc1, pc2, pc3, pgx + r * f);
                    });
                }
                var gWeight = tensor(sumGuXhat.Select(v => (float)v).ToArray());
                var gBias = tensor(gShift.Select(v => (float)v).ToArray());
                foreach (var t in saved) t.Dispose();
                var result = new List<Tensor>
                {
                    gx.MoveToOuterDisposeScope(), gOut.alias().MoveToOuterDisposeScope(), gWeight.MoveToOuterDisposeScope(), gBias.MoveToOuterDisposeScope(), null!,
                };
                gOut.Dispose();
                EdgeGate.ReturnedGradients.Hold(result);
                return result;
            }
        }
    }

    private static Tensor Dense(Tensor t) => t.is_contiguous() ? t : t.contiguous();

    private static unsafe float* Ptr(Tensor t) => EdgeGate.Pointer(t);

    private static ParallelOptions Options() => new() { MaxDegreeOfParallelism = Math.Max(1, torch.get_num_threads()) };

    private static void ForRows(long rows, Action<long, long> body)
    {
        long chunks = (rows + ChunkRows - 1) / ChunkRows;
        Parallel.For(0, chunks, Options(), c => body(c * ChunkRows, Math.Min(rows, (c + 1) * ChunkRows)));
    }

    /// <summary>Per-chunk column sums in double, added in chunk order.</summary>
    private static void ColumnSums(long rows, int f, Action<long, long, double[]> body, double[] total)
    {
        long chunks = (rows + ChunkRows - 1) / ChunkRows;
        var partial = new double[chunks][];
        Parallel.For(0, chunks, Options(), c =>
        {
            var acc = new double[f];
            body(c * ChunkRows, Math.Min(rows, (c + 1) * ChunkRows), acc);
            partial[c] = acc;
        });
        foreach (var p in partial)
            for (int i = 0; i < f; i++) total[i] += p[i];
    }

    private static bool ColumnSums2(long rows, int f, Action<long, long, double[], double[]> body, double[] total1, double[] total2)
    {
        long chunks = (rows + ChunkRows - 1) / ChunkRows;
        var partial = new (double[], double[])[chunks];
        Parallel.For(0, chunks, Options(), c =>
        {
            var acc1 = new double[f];
            var acc2 = new double[f];
            body(c * ChunkRows, Math.Min(rows, (c + 1) * ChunkRows), acc1, acc2);
            partial[c] = (acc1, acc2);
        });
        foreach (var (p1, p2) in partial)
            for (int i = 0; i < f; i++)
            {
                total1[i] += p1[i];
                total2[i] += p2[i];
            }
        return true;
    }

    private static unsafe void Accumulate(int f, float* x, double[] acc)
    {
        for (int i = 0; i < f; i++) acc[i] += x[i];
    }

    private static unsafe void AccumulateSquares(int f, float* x, double[] mean, double[] acc)
    {
        for (int i = 0; i < f; i++)
        {
            double d = x[i] - mean[i];
            acc[i] += d * d;
        }
    }

    private static unsafe void OutputRow(int f, float* x, float* residual, float* scale, float* shift, float* output)
    {
        int i = 0;
        for (; i <= f - 8; i += 8)
        {
            var u = Vector256.Load(x + i) * Vector256.Load(scale + i) + Vector256.Load(shift + i);
            (Vector256.Load(residual + i) + u * Sigmoid(u)).Store(output + i);
        }
        for (; i < f; i++)
        {
            float u = x[i] * scale[i] + shift[i];
            output[i] = residual[i] + u / (1f + MathF.Exp(-u));
        }
    }

    /// <summary>gu = g σ(u) (1 + u (1 − σ(u))); Σ gu and Σ gu · x per column.</summary>
    private static unsafe void GradientSumsRow(int f, float* x, float* g, float* scale, float* shift, double[] sumGu, double[] sumGuX)
    {
        Span<float> gu = stackalloc float[f];
        int i = 0;
        for (; i <= f - 8; i += 8)
        {
            var xv = Vector256.Load(x + i);
            var u = xv * Vector256.Load(scale + i) + Vector256.Load(shift + i);
            var s = Sigmoid(u);
            var v = Vector256.Load(g + i) * s * (Vector256<float>.One + u * (Vector256<float>.One - s));
            v.CopyTo(gu.Slice(i));
        }
        for (; i < f; i++)
        {
            float u = x[i] * scale[i] + shift[i];
            float s = 1f / (1f + MathF.Exp(-u));
            gu[i] = g[i] * s * (1f + u * (1f - s));
        }
        for (i = 0; i < f; i++)
        {
            sumGu[i] += gu[i];
            sumGuX[i] += (double)gu[i] * x[i];
        }
    }

    private static unsafe void InputGradientRow(int f, float* x, float* g, float* scale, float* shift, float* mean, float* invstd,
        float* k1, float* k2, float* k3, float* gx)
    {
        int i = 0;
        for (; i <= f - 8; i += 8)
        {
            var xv = Vector256.Load(x + i);
            var u = xv * Vector256.Load(scale + i) + Vector256.Load(shift + i);
            var s = Sigmoid(u);
            var gu = Vector256.Load(g + i) * s * (Vector256<float>.One + u * (Vector256<float>.One - s));
            var xhat = (xv - Vector256.Load(mean + i)) * Vector256.Load(invstd + i);
            (Vector256.Load(k1 + i) * (gu - Vector256.Load(k2 + i) - xhat * Vector256.Load(k3 + i))).Store(gx + i);
        }
        for (; i < f; i++)
        {
            float u = x[i] * scale[i] + shift[i];
            float s = 1f / (1f + MathF.Exp(-u));
            float gu = g[i] * s * (1f + u * (1f - s));
            float xhat = (x[i] - mean[i]) * invstd[i];
            gx[i] = k1[i] * (gu - k2[i] - xhat * k3[i]);
        }
    }

    private static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
}
