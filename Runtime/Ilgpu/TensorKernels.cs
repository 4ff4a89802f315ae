using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;

namespace Recur;

/// <summary>Where a column copy reads and writes: dst[r, DstOffset + c] (+)= src[r, SrcOffset + c] for c &lt; Width.</summary>
internal struct ColumnCopy
{
    public int SrcCols, SrcOffset, DstCols, DstOffset, Width, Accumulate;
}

/// <summary>An optimizer step's numbers, converted once to the kernel's precision.</summary>
internal struct OptimizerArgs<T> where T : unmanaged
{
    public T Lr, Beta1, Beta2, Eps, Correction1, Correction2, L2, Shrink, GradScale, Momentum;
    public int Nesterov, UseMomentum;
}

/// <summary>The kernels of <see cref="IlgpuTensorOps{T}"/>, written once for float and double with .NET's generic math (ILGPU compiles
/// the static interface calls). One thread per element, per row or per column; partial sums go to the host, which adds them in
/// double. Constants arrive as kernel arguments already in <typeparamref name="T"/>.</summary>
internal static class TensorKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Add(Index1D i, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) => y[i] = a[i] + b[i];

    public static void Axpy(Index1D i, T alpha, ArrayView<T> x, ArrayView<T> y) => y[i] += alpha * x[i];

    public static void Affine(Index1D i, ArrayView<T> x, T alpha, T beta, ArrayView<T> y) => y[i] = alpha * x[i] + beta;

    public static void Multiply(Index1D i, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, int accumulate) =>
        y[i] = accumulate != 0 ? y[i] + a[i] * b[i] : a[i] * b[i];

    public static void MultiplyPeriodic(Index1D i, ArrayView<T> x, ArrayView<T> mask, int period, ArrayView<T> y, int accumulate) =>
        y[i] = accumulate != 0 ? y[i] + x[i] * mask[i % period] : x[i] * mask[i % period];

    public static void ScaleBy(Index1D i, ArrayView<T> s, ArrayView<T> x) => x[i] *= s[0];

    public static void AxpyBy(Index1D i, ArrayView<T> s, ArrayView<T> x, ArrayView<T> y) => y[i] += s[0] * x[i];

    public static void Fill(Index1D i, ArrayView<T> x, T value) => x[i] = value;

    /// <summary>next = k·prev + (1 − k)·next, k from the mask or, with useMask 0, the probability p.</summary>
    public static void ZoneoutForward(Index1D i, ArrayView<T> prev, ArrayView<T> next, ArrayView<T> keep, int useMask, T p)
    {
        T k = useMask != 0 ? keep[i] : p;
        next[i] = k * prev[i] + (T.One - k) * next[i];
    }

    public static void ZoneoutBackward(Index1D i, ArrayView<T> grad, ArrayView<T> outputGrad, int hasOutput, ArrayView<T> keep, ArrayView<T> prevGrad)
    {
        T o = hasOutput != 0 ? outputGrad[i] : T.Zero, full = grad[i] + o;
        prevGrad[i] += keep[i] * full;
        grad[i] = (T.One - keep[i]) * full - o;
    }

    /// <summary>f: 0 identity, 1 sigmoid, 2 tanh, 3 relu (the order of <see cref="Activation"/>).</summary>
    public static void Activate(Index1D i, int f, ArrayView<T> x, ArrayView<T> y)
    {
        T v = x[i];
        y[i] = f == 1 ? T.One / (T.One + T.Exp(-v)) : f == 2 ? T.Tanh(v) : f == 3 ? T.Max(v, T.Zero) : v;
    }

    public static void ActivationBackward(Index1D i, int f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int accumulate)
    {
        T yi = y[i], g = dy[i];
        T d = f == 1 ? g * yi * (T.One - yi) : f == 2 ? g * (T.One - yi * yi) : f == 3 ? (yi > T.Zero ? g : T.Zero) : g;
        dx[i] = accumulate != 0 ? dx[i] + d : d;
    }

    public static void AddRowVector(Index1D i, ArrayView<T> m, int cols, ArrayView<T> v) => m[i] += v[i % cols];

    public static void ColumnSumAdd(Index1D c, ArrayView<T> m, int rows, int cols, ArrayView<T> acc)
    {
        T sum = T.Zero;
        for (int r = 0; r < rows; r++) sum += m[r * cols + c];
        acc[c] += sum;
    }

    public static void Gather(Index1D i, ArrayView<T> table, int width, ArrayView<int> ids, ArrayView<T> y) =>
        y[i] = table[ids[i / width] * width + i % width];

    public static void CopyColumns(Index1D i, ColumnCopy a, ArrayView<T> src, ArrayView<T> dst)
    {
        int r = i / a.Width, c = i % a.Width;
        int to = r * a.DstCols + a.DstOffset + c;
        T v = src[r * a.SrcCols + a.SrcOffset + c];
        dst[to] = a.Accumulate != 0 ? dst[to] + v : v;
    }

    public static void LayerNorm(Index1D r, ArrayView<T> x, int cols, ArrayView<T> gain, ArrayView<T> shift, T eps, ArrayView<T> y, ArrayView<T> mean, ArrayView<T> rstd)
    {
        int row = r * cols;
        T sum = T.Zero, n = T.Zero;
        for (int c = 0; c < cols; c++) { sum += x[row + c]; n += T.One; }
        T mu = sum / n, var = T.Zero;
        for (int c = 0; c < cols; c++) { T d = x[row + c] - mu; var += d * d; }
        T inv = T.One / T.Sqrt(var / n + eps);
        mean[r] = mu;
        rstd[r] = inv;
        for (int c = 0; c < cols; c++) y[row + c] = (x[row + c] - mu) * inv * gain[c] + shift[c];
    }

    /// <summary>dx[r, :] += rstd·(dy·gain − mean(dy·gain) − x̂·mean(dy·gain·x̂)), one thread per row.</summary>
    public static void LayerNormInputGrad(Index1D r, ArrayView<T> dy, ArrayView<T> x, int cols, ArrayView<T> gain, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dx)
    {
        int row = r * cols;
        T mu = mean[r], inv = rstd[r], sumD = T.Zero, sumDx = T.Zero, n = T.Zero;
        for (int c = 0; c < cols; c++)
        {
            T d = dy[row + c] * gain[c];
            sumD += d;
            sumDx += d * (x[row + c] - mu) * inv;
            n += T.One;
        }
        for (int c = 0; c < cols; c++)
        {
            T xhat = (x[row + c] - mu) * inv;
            dx[row + c] += inv * (dy[row + c] * gain[c] - sumD / n - xhat * sumDx / n);
        }
    }

    /// <summary>dgain[c] += Σ_r dy·x̂ and dshift[c] += Σ_r dy, one thread per column (no atomics).</summary>
    public static void LayerNormParamGrad(Index1D c, ArrayView<T> dy, ArrayView<T> x, int rows, int cols, ArrayView<T> mean, ArrayView<T> rstd, ArrayView<T> dgain, ArrayView<T> dshift)
    {
        T g = T.Zero, b = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            T d = dy[r * cols + c];
            g += d * (x[r * cols + c] - mean[r]) * rstd[r];
            b += d;
        }
        dgain[c] += g;
        dshift[c] += b;
    }

    /// <summary>One thread per row: the row's loss into rowLoss (0 for an ignored target) and, with withGrad, scale·∂loss/∂logits.
    /// spread = ε/cols·scale and hit = (1 − ε)·scale come precomputed; smoothing = ε.</summary>
    public static void CrossEntropy(Index1D r, ArrayView<T> logits, int cols, ArrayView<int> targets, int ignore, T smoothing, T scale, T hit, T spread,
        ArrayView<T> grad, int withGrad, ArrayView<T> rowLoss)
    {
        int row = r * cols, target = targets[r];
        if (target == ignore)
        {
            rowLoss[r] = T.Zero;
            if (withGrad != 0) for (int c = 0; c < cols; c++) grad[row + c] = T.Zero;
            return;
        }
        T max = logits[row];
        for (int c = 1; c < cols; c++) max = T.Max(max, logits[row + c]);
        T sum = T.Zero, total = T.Zero, n = T.Zero;
        for (int c = 0; c < cols; c++) { sum += T.Exp(logits[row + c] - max); total += logits[row + c]; n += T.One; }
        T logSum = T.Log(sum) + max;
        T nll = logSum - logits[row + target];
        rowLoss[r] = (T.One - smoothing) * nll + smoothing * (logSum - total / n);
        if (withGrad == 0) return;
        for (int c = 0; c < cols; c++) grad[row + c] = T.Exp(logits[row + c] - logSum) * scale - spread - (c == target ? hit : T.Zero);
    }

    public static void RowNorms(Index1D r, ArrayView<T> x, int cols, ArrayView<T> norms)
    {
        T sum = T.Zero;
        for (int c = 0; c < cols; c++) sum += x[r * cols + c] * x[r * cols + c];
        norms[r] = T.Sqrt(sum);
    }

    public static void ScaleRowsAdd(Index1D i, ArrayView<T> x, ArrayView<T> scale, int cols, ArrayView<T> dx) => dx[i] += scale[i / cols] * x[i];

    /// <summary>One thread per row: the mixture's negative log-likelihood into rowLoss and, with withGrad, scale·∂/∂raw
    /// (<see cref="MixtureRow{T}.Nll"/>).</summary>
    public static void MixtureNll(Index1D r, ArrayView<T> raw, int m, ArrayView<T> targets, ArrayView<T> weights, T scale, ArrayView<T> grad, int withGrad, ArrayView<T> rowLoss) =>
        rowLoss[r] = MixtureRow<T>.Nll(r, raw, m, targets, weights, scale, grad, withGrad);

    public static void Subtract(Index1D i, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) => y[i] = a[i] - b[i];

    /// <summary>partial[i] = Σ x² over elements [i·chunk, (i+1)·chunk).</summary>
    public static void SquaredPartials(Index1D i, ArrayView<T> x, int chunk, ArrayView<T> partial)
    {
        long start = (long)i.X * chunk, end = XMath.Min(start + chunk, x.Length);
        T sum = T.Zero;
        for (long k = start; k < end; k++) sum += x[k] * x[k];
        partial[i] = sum;
    }

    public static void Adam(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, OptimizerArgs<T> a)
    {
        T gi = g[i] * a.GradScale + a.L2 * p[i];
        T pi = p[i] * a.Shrink;
        T mi = a.Beta1 * m[i] + (T.One - a.Beta1) * gi;
        T vi = a.Beta2 * v[i] + (T.One - a.Beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - a.Lr * (mi * a.Correction1) / (T.Sqrt(vi * a.Correction2) + a.Eps);
    }

    public static void Sgd(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity, OptimizerArgs<T> a)
    {
        T gi = g[i] * a.GradScale + a.L2 * p[i];
        T vi = a.Momentum * velocity[i] + gi;
        velocity[i] = vi;
        p[i] -= a.Lr * (a.Nesterov != 0 ? gi + a.Momentum * vi : vi);
    }

    public static void RmsProp(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> square, ArrayView<T> buffer, OptimizerArgs<T> a)
    {
        T gi = g[i] * a.GradScale + a.L2 * p[i];
        T s = a.Beta2 * square[i] + (T.One - a.Beta2) * gi * gi;
        square[i] = s;
        T step = gi / (T.Sqrt(s) + a.Eps);
        if (a.UseMomentum != 0)
        {
            step = a.Momentum * buffer[i] + step;
            buffer[i] = step;
        }
        p[i] -= a.Lr * step;
    }
}

/// <summary>Scatter-add with atomics, which ILGPU has for float and double but not for a generic T.</summary>
internal static class ScatterKernels
{
    public static void AddF32(Index1D i, ArrayView<float> table, int width, ArrayView<int> ids, ArrayView<float> g, int skip)
    {
        int id = ids[i / width];
        if (id != skip) Atomic.Add(ref table[id * width + i % width], g[i]);
    }

    public static void AddF64(Index1D i, ArrayView<double> table, int width, ArrayView<int> ids, ArrayView<double> g, int skip)
    {
        int id = ids[i / width];
        if (id != skip) Atomic.Add(ref table[id * width + i % width], g[i]);
    }
}
