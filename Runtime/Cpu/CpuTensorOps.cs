using System;
using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary><see cref="TensorOps{T}"/> as native loops over host memory (vectorized with TensorPrimitives where it fits). Sums that
/// become a reported number (losses, norms) accumulate in double.</summary>
internal sealed unsafe class CpuTensorOps<T> : TensorOps<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static Span<T> S(ArrayView<T> v) => v.Length == 0 ? Span<T>.Empty : new((T*)v.LoadEffectiveAddressAsPtr(), checked((int)v.Length));
    private static Span<int> S(ArrayView<int> v) => new((int*)v.LoadEffectiveAddressAsPtr(), checked((int)v.Length));
    private static T C(double x) => T.CreateTruncating(x);

    public override void Add(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) => TensorPrimitives.Add(S(a), S(b), S(y));

    public override void Axpy(double alpha, ArrayView<T> x, ArrayView<T> y)
    {
        var ys = S(y);
        if (alpha == 1) TensorPrimitives.Add(ys, S(x), ys);
        else TensorPrimitives.MultiplyAdd(S(x), C(alpha), ys, ys);
    }

    public override void Affine(ArrayView<T> x, double alpha, double beta, ArrayView<T> y)
    {
        TensorPrimitives.Multiply(S(x), C(alpha), S(y));
        if (beta != 0) TensorPrimitives.Add(S(y), C(beta), S(y));
    }

    public override void Multiply(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, bool accumulate)
    {
        if (accumulate) TensorPrimitives.MultiplyAdd(S(a), S(b), S(y), S(y));
        else TensorPrimitives.Multiply(S(a), S(b), S(y));
    }

    public override void MultiplyPeriodic(ArrayView<T> x, ArrayView<T> mask, long period, ArrayView<T> y, bool accumulate)
    {
        var xs = S(x); var ys = S(y); var m = S(mask).Slice(0, (int)period);
        for (int start = 0; start < xs.Length; start += (int)period)
        {
            var xc = xs.Slice(start, (int)period); var yc = ys.Slice(start, (int)period);
            if (accumulate) TensorPrimitives.MultiplyAdd(xc, m, yc, yc);
            else TensorPrimitives.Multiply(xc, m, yc);
        }
    }

    public override void ScaleBy(ArrayView<T> s, ArrayView<T> x) => TensorPrimitives.Multiply(S(x), S(s)[0], S(x));

    public override void AxpyBy(ArrayView<T> s, ArrayView<T> x, ArrayView<T> y) => TensorPrimitives.MultiplyAdd(S(x), S(s)[0], S(y), S(y));

    public override void Fill(ArrayView<T> x, double value) => S(x).Fill(C(value));

    public override void ZoneoutForward(ArrayView<T> prev, ArrayView<T> next, ArrayView<T> keep, double p)
    {
        var a = S(prev); var n = S(next); var k = S(keep);
        T pk = C(p);
        for (int i = 0; i < n.Length; i++)
        {
            T ki = k.IsEmpty ? pk : k[i];
            n[i] = ki * a[i] + (T.One - ki) * n[i];
        }
    }

    public override void ZoneoutBackward(ArrayView<T> grad, ArrayView<T> outputGrad, ArrayView<T> keep, ArrayView<T> prevGrad)
    {
        var g = S(grad); var o = S(outputGrad); var k = S(keep); var pg = S(prevGrad);
        for (int i = 0; i < g.Length; i++)
        {
            T step = o.IsEmpty ? T.Zero : o[i], full = g[i] + step;
            pg[i] += k[i] * full;
            g[i] = (T.One - k[i]) * full - step;
        }
    }

    public override void Activate(Activation f, ArrayView<T> x, ArrayView<T> y)
    {
        var xs = S(x); var ys = S(y);
        switch (f)
        {
            case Activation.Identity: if (xs != ys) xs.CopyTo(ys); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(xs, ys); break;
            case Activation.Tanh: TensorPrimitives.Tanh(xs, ys); break;
            case Activation.Relu: TensorPrimitives.Max(xs, T.Zero, ys); break;
        }
    }

    public override void ActivationBackward(Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, bool accumulate)
    {
        var ys = S(y); var dys = S(dy); var dxs = S(dx);
        for (int i = 0; i < ys.Length; i++)
        {
            T yi = ys[i];
            T d = f switch
            {
                Activation.Sigmoid => dys[i] * yi * (T.One - yi),
                Activation.Tanh => dys[i] * (T.One - yi * yi),
                Activation.Relu => yi > T.Zero ? dys[i] : T.Zero,
                _ => dys[i],
            };
            dxs[i] = accumulate ? dxs[i] + d : d;
        }
    }

    public override void AddRowVector(ArrayView<T> m, int rows, int cols, ArrayView<T> v)
    {
        var ms = S(m); var vs = S(v).Slice(0, cols);
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(ms.Slice(r * cols, cols), vs, ms.Slice(r * cols, cols));
    }

    public override void ColumnSumAdd(ArrayView<T> m, int rows, int cols, ArrayView<T> acc)
    {
        var ms = S(m); var a = S(acc).Slice(0, cols);
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(a, ms.Slice(r * cols, cols), a);
    }

    public override void Gather(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> y)
    {
        var t = S(table); var idx = S(ids); var o = S(y);
        for (int r = 0; r < rows; r++) t.Slice(idx[r] * width, width).CopyTo(o.Slice(r * width, width));
    }

    public override void ScatterAdd(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> g, int skip)
    {
        var t = S(table); var idx = S(ids); var gs = S(g);
        for (int r = 0; r < rows; r++)
        {
            if (idx[r] == skip) continue;
            var dst = t.Slice(idx[r] * width, width);
            TensorPrimitives.Add(dst, gs.Slice(r * width, width), dst);
        }
    }

    public override void CopyColumns(ArrayView<T> src, int srcCols, int srcOffset, ArrayView<T> dst, int dstCols, int dstOffset, int rows, int width, bool accumulate)
    {
        var s = S(src); var d = S(dst);
        for (int r = 0; r < rows; r++)
        {
            var from = s.Slice(r * srcCols + srcOffset, width); var to = d.Slice(r * dstCols + dstOffset, width);
            if (accumulate) TensorPrimitives.Add(to, from, to);
            else from.CopyTo(to);
        }
    }

    public override void LayerNorm(ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> shift, double eps, ArrayView<T> y, ArrayView<T> mean, ArrayView<T> rstd)
    {
        var xs = S(x); var ys = S(y); var gs = S(gain); var bs = S(shift); var ms = S(mean); var rs = S(rstd);
        T n = T.CreateTruncating(cols), e = C(eps);
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols); var outRow = ys.Slice(r * cols, cols);
            T mu = TensorPrimitives.Sum<T>(row) / n;
            T var = T.Zero;
            foreach (var v in row) var += (v - mu) * (v - mu);
            T inv = T.One / T.Sqrt(var / n + e);
            ms[r] = mu;
            rs[r] = inv;
            for (int c = 0; c < cols; c++) outRow[c] = (row[c] - mu) * inv * gs[c] + bs[c];
        }
    }

    public override void LayerNormBackward(ArrayView<T> dy, ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> mean, ArrayView<T> rstd,
        ArrayView<T> dx, ArrayView<T> dgain, ArrayView<T> dshift)
    {
        var dys = S(dy); var xs = S(x); var gs = S(gain); var ms = S(mean); var rs = S(rstd);
        var dxs = S(dx); var dgs = S(dgain); var dbs = S(dshift);
        T n = T.CreateTruncating(cols);
        for (int r = 0; r < rows; r++)
        {
            var g = dys.Slice(r * cols, cols); var row = xs.Slice(r * cols, cols);
            T mu = ms[r], inv = rs[r], sumD = T.Zero, sumDx = T.Zero;
            for (int c = 0; c < cols; c++)
            {
                T xhat = (row[c] - mu) * inv, d = g[c] * gs[c];
                sumD += d;
                sumDx += d * xhat;
                if (!dgs.IsEmpty) dgs[c] += g[c] * xhat;
                if (!dbs.IsEmpty) dbs[c] += g[c];
            }
            if (dxs.IsEmpty) continue;
            T meanD = sumD / n, meanDx = sumDx / n;
            var outRow = dxs.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                T xhat = (row[c] - mu) * inv;
                outRow[c] += inv * (g[c] * gs[c] - meanD - xhat * meanDx);
            }
        }
    }

    public override double CrossEntropy(ArrayView<T> logits, int rows, int cols, ArrayView<int> targets, int ignore, double smoothing, double scale, ArrayView<T> grad)
    {
        var l = S(logits); var t = S(targets); var g = S(grad);
        double total = 0;
        T hit = C((1 - smoothing) * scale), spread = C(smoothing / cols * scale);
        T[]? scratch = null;
        for (int r = 0; r < rows; r++)
        {
            var row = l.Slice(r * cols, cols);
            int target = t[r];
            if (target == ignore)
            {
                if (!g.IsEmpty) g.Slice(r * cols, cols).Clear();
                continue;
            }
            // exp(row − max) vectorized into the gradient row (or a scratch row), then scaled into the softmax's gradient in place.
            T max = TensorPrimitives.Max<T>(row);
            var e = g.IsEmpty ? (scratch ??= new T[cols]).AsSpan() : g.Slice(r * cols, cols);
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp<T>(e, e);
            double sum = double.CreateTruncating(TensorPrimitives.Sum<T>(e));
            double rowSum = smoothing == 0 ? 0 : double.CreateTruncating(TensorPrimitives.Sum<T>(row));
            double logSum = Math.Log(sum) + double.CreateTruncating(max);
            double nll = logSum - double.CreateTruncating(row[target]);
            total += smoothing == 0 ? nll : (1 - smoothing) * nll + smoothing * (logSum - rowSum / cols);
            if (g.IsEmpty) continue;
            TensorPrimitives.Multiply(e, C(scale / sum), e);
            if (smoothing != 0) TensorPrimitives.Subtract(e, spread, e);
            e[target] -= hit;
        }
        return total;
    }

    public override double MixtureNll(ArrayView<T> raw, int rows, int components, ArrayView<T> targets, ArrayView<T> weights, double scale, ArrayView<T> grad)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
            total += double.CreateTruncating(MixtureRow<T>.Nll(r, raw, components, targets, weights, C(scale), grad.Length > 0 ? grad : raw, grad.Length > 0 ? 1 : 0));
        return total;
    }

    public override double SquaredDifference(ArrayView<T> a, ArrayView<T> b, ArrayView<T> diff)
    {
        var d = S(diff);
        TensorPrimitives.Subtract(S(a), S(b), d);
        return SumOfSquares(d);
    }

    public override double SquaredNorm(ArrayView<T> x) => SumOfSquares(S(x));

    public override void RowNorms(ArrayView<T> x, int rows, int cols, ArrayView<T> norms)
    {
        var xs = S(x); var n = S(norms);
        for (int r = 0; r < rows; r++) n[r] = TensorPrimitives.Norm<T>(xs.Slice(r * cols, cols));
    }

    public override void ScaleRowsAdd(ArrayView<T> x, ArrayView<T> scale, int rows, int cols, ArrayView<T> dx)
    {
        var xs = S(x); var s = S(scale); var d = S(dx);
        for (int r = 0; r < rows; r++) TensorPrimitives.MultiplyAdd(xs.Slice(r * cols, cols), s[r], d.Slice(r * cols, cols), d.Slice(r * cols, cols));
    }

    /// <summary>Blocks of 4096 summed in T (vectorized), the blocks in double.</summary>
    private static double SumOfSquares(Span<T> s)
    {
        double total = 0;
        const int block = 4096;
        for (int i = 0; i < s.Length; i += block)
        {
            var chunk = s.Slice(i, Math.Min(block, s.Length - i));
            total += double.CreateTruncating(TensorPrimitives.Dot<T>(chunk, chunk));
        }
        return total;
    }

    public override void Adam(ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, AdamStep a)
    {
        var ps = S(p); var gs = S(g); var ms = S(m); var vs = S(v);
        T lr = C(a.Lr), b1 = C(a.Beta1), b2 = C(a.Beta2), eps = C(a.Eps), scale = C(a.GradScale), step = T.CreateTruncating(a.Step);
        T c1 = T.One / (T.One - T.Pow(b1, step)), c2 = T.One / (T.One - T.Pow(b2, step));
        T l2 = C(a.L2), shrink = C(1 - a.Lr * a.Decoupled);
        bool decay = a.L2 != 0, decoupled = a.Decoupled != 0;
        for (int i = 0; i < ps.Length; i++)
        {
            T gi = gs[i] * scale;
            if (decay) gi += l2 * ps[i];
            if (decoupled) ps[i] *= shrink;
            ms[i] = b1 * ms[i] + (T.One - b1) * gi;
            vs[i] = b2 * vs[i] + (T.One - b2) * gi * gi;
            ps[i] -= lr * (ms[i] * c1) / (T.Sqrt(vs[i] * c2) + eps);
        }
    }

    public override void Sgd(ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity, SgdStep a)
    {
        var ps = S(p); var gs = S(g); var vs = S(velocity);
        T lr = C(a.Lr), mu = C(a.Momentum), wd = C(a.WeightDecay), scale = C(a.GradScale);
        for (int i = 0; i < ps.Length; i++)
        {
            T gi = gs[i] * scale + wd * ps[i];
            vs[i] = mu * vs[i] + gi;
            ps[i] -= lr * (a.Nesterov ? gi + mu * vs[i] : vs[i]);
        }
    }

    public override void RmsProp(ArrayView<T> p, ArrayView<T> g, ArrayView<T> square, ArrayView<T> buffer, RmsPropStep a)
    {
        var ps = S(p); var gs = S(g); var sq = S(square); var buf = S(buffer);
        T lr = C(a.Lr), alpha = C(a.Alpha), eps = C(a.Eps), mu = C(a.Momentum), wd = C(a.WeightDecay), scale = C(a.GradScale);
        bool momentum = a.Momentum != 0;
        for (int i = 0; i < ps.Length; i++)
        {
            T gi = gs[i] * scale + wd * ps[i];
            sq[i] = alpha * sq[i] + (T.One - alpha) * gi * gi;
            T step = gi / (T.Sqrt(sq[i]) + eps);
            if (momentum) step = buf[i] = mu * buf[i] + step;
            ps[i] -= lr * step;
        }
    }
}
