using System;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary><see cref="IModelOps"/> as native loops over host memory (vectorized with TensorPrimitives where it fits).</summary>
internal sealed unsafe class CpuModelOps : IModelOps
{
    private static Span<float> S(ArrayView<float> v) => new((float*)v.LoadEffectiveAddressAsPtr(), checked((int)v.Length));
    private static Span<int> S(ArrayView<int> v) => new((int*)v.LoadEffectiveAddressAsPtr(), checked((int)v.Length));

    public void Gather(ArrayView<float> table, int width, ArrayView<int> indices, int rows, ArrayView<float> output)
    {
        var t = S(table); var idx = S(indices); var o = S(output);
        int vocab = t.Length / width;
        for (int r = 0; r < rows; r++)
        {
            int i = idx[r];
            if ((uint)i >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(indices), $"Index {i} at position {r} is outside the vocabulary of {vocab}.");
            t.Slice(i * width, width).CopyTo(o.Slice(r * width, width));
        }
    }

    public void ScatterAdd(ArrayView<float> tableGrad, int width, ArrayView<int> indices, int rows, ArrayView<float> grad)
    {
        var t = S(tableGrad); var idx = S(indices); var g = S(grad);
        for (int r = 0; r < rows; r++)
        {
            var dst = t.Slice(idx[r] * width, width);
            TensorPrimitives.Add(dst, g.Slice(r * width, width), dst);
        }
    }

    public void Multiply(ArrayView<float> x, ArrayView<float> mask, ArrayView<float> y) => TensorPrimitives.Multiply(S(x), S(mask), S(y));

    public void AddRowVector(ArrayView<float> matrix, int rows, int cols, ArrayView<float> bias)
    {
        var m = S(matrix); var b = S(bias).Slice(0, cols);
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(m.Slice(r * cols, cols), b, m.Slice(r * cols, cols));
    }

    public void ColumnSumAdd(ArrayView<float> matrix, int rows, int cols, ArrayView<float> acc)
    {
        var m = S(matrix); var a = S(acc).Slice(0, cols);
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(a, m.Slice(r * cols, cols), a);
    }

    public double SoftmaxCrossEntropy(ArrayView<float> logits, int rows, int cols, ArrayView<int> targets, ArrayView<float>? grad)
    {
        var l = S(logits); var t = S(targets);
        var g = grad is { } gv ? S(gv) : Span<float>.Empty;
        double total = 0;
        float inv = 1f / rows;
        for (int r = 0; r < rows; r++)
        {
            var row = l.Slice(r * cols, cols);
            int target = t[r];
            if ((uint)target >= (uint)cols) throw new ArgumentOutOfRangeException(nameof(targets), $"Target {target} at position {r} is outside the {cols} classes.");
            float max = TensorPrimitives.Max(row);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(row[c] - max);
            double logSum = Math.Log(sum) + max;
            total += logSum - row[target];
            if (g.IsEmpty) continue;
            var gr = g.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) gr[c] = (float)Math.Exp(row[c] - logSum) * inv;
            gr[target] -= inv;
        }
        return total / rows;
    }

    public void Adam(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, float lr, float beta1, float beta2, float eps, int t, float gradScale)
    {
        var ps = S(p); var gs = S(g); var ms = S(m); var vs = S(v);
        float c1 = 1f / (1f - MathF.Pow(beta1, t)), c2 = 1f / (1f - MathF.Pow(beta2, t));
        for (int i = 0; i < ps.Length; i++)
        {
            float gi = gs[i] * gradScale;
            ms[i] = beta1 * ms[i] + (1 - beta1) * gi;
            vs[i] = beta2 * vs[i] + (1 - beta2) * gi * gi;
            ps[i] -= lr * (ms[i] * c1) / (MathF.Sqrt(vs[i] * c2) + eps);
        }
    }

    public void Sgd(ArrayView<float> p, ArrayView<float> g, ArrayView<float> velocity, float lr, float momentum, float gradScale)
    {
        var ps = S(p); var gs = S(g); var vs = S(velocity);
        for (int i = 0; i < ps.Length; i++)
        {
            vs[i] = momentum * vs[i] + gs[i] * gradScale;
            ps[i] -= lr * vs[i];
        }
    }

    public double SquaredNorm(ArrayView<float> g)
    {
        var s = S(g);
        double total = 0;
        const int block = 4096;
        for (int i = 0; i < s.Length; i += block)
        {
            var chunk = s.Slice(i, Math.Min(block, s.Length - i));
            total += TensorPrimitives.Dot(chunk, chunk);
        }
        return total;
    }
}
