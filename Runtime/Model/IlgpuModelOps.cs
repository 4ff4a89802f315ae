using System;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Recur;

/// <summary><see cref="IModelOps"/> as ILGPU kernels, loaded once per device.</summary>
internal sealed class IlgpuModelOps : IModelOps
{
    private readonly Device _device;
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>> _gather;
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>> _scatterAdd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> _multiply;
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<float>> _addRowVector;
    private readonly Action<Index1D, ArrayView<float>, int, int, ArrayView<float>> _columnSumAdd;
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, ArrayView<double>, int> _softmaxCe;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs> _adam;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float> _sgd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<double>> _squaredNorm;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _scalar;

    public IlgpuModelOps(Device device)
    {
        _device = device;
        var a = device.Accelerator;
        _gather = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>>(ModelKernels.Gather);
        _scatterAdd = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>>(ModelKernels.ScatterAdd);
        _multiply = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ModelKernels.Multiply);
        _addRowVector = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<float>>(ModelKernels.AddRowVector);
        _columnSumAdd = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>>(ModelKernels.ColumnSumAdd);
        _softmaxCe = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, ArrayView<double>, int>(ModelKernels.SoftmaxCrossEntropy);
        _adam = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs>(ModelKernels.Adam);
        _sgd = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float>(ModelKernels.Sgd);
        _squaredNorm = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>>(ModelKernels.SquaredNorm);
        _scalar = a.Allocate1D<double>(1);
    }

    public void Gather(ArrayView<float> table, int width, ArrayView<int> indices, int rows, ArrayView<float> output) =>
        _gather(rows * width, table, width, indices, output);

    public void ScatterAdd(ArrayView<float> tableGrad, int width, ArrayView<int> indices, int rows, ArrayView<float> grad) =>
        _scatterAdd(rows * width, tableGrad, width, indices, grad);

    public void Multiply(ArrayView<float> x, ArrayView<float> mask, ArrayView<float> y) => _multiply((int)x.Length, x, mask, y);

    public void AddRowVector(ArrayView<float> matrix, int rows, int cols, ArrayView<float> bias) => _addRowVector(rows * cols, matrix, cols, bias);

    public void ColumnSumAdd(ArrayView<float> matrix, int rows, int cols, ArrayView<float> acc) => _columnSumAdd(cols, matrix, rows, cols, acc);

    public double SoftmaxCrossEntropy(ArrayView<float> logits, int rows, int cols, ArrayView<int> targets, ArrayView<float>? grad)
    {
        _scalar.MemSetToZero();
        _softmaxCe(rows, logits, cols, targets, grad ?? logits, _scalar.View, grad is null ? 0 : 1);
        _device.Synchronize();
        return _scalar.GetAsArray1D()[0] / rows;
    }

    public void Adam(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, float lr, float beta1, float beta2, float eps, int t, float gradScale) =>
        _adam((int)p.Length, p, g, m, v, new AdamArgs
        {
            Lr = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, GradScale = gradScale,
            Correction1 = 1f / (1f - MathF.Pow(beta1, t)), Correction2 = 1f / (1f - MathF.Pow(beta2, t)),
        });

    public void Sgd(ArrayView<float> p, ArrayView<float> g, ArrayView<float> velocity, float lr, float momentum, float gradScale) =>
        _sgd((int)p.Length, p, g, velocity, lr, momentum, gradScale);

    public double SquaredNorm(ArrayView<float> g)
    {
        _scalar.MemSetToZero();
        _squaredNorm((int)g.Length, g, _scalar.View);
        _device.Synchronize();
        return _scalar.GetAsArray1D()[0];
    }
}

public struct AdamArgs
{
    public float Lr, Beta1, Beta2, Eps, GradScale, Correction1, Correction2;
}

/// <summary>The kernels of <see cref="IlgpuModelOps"/>; one thread per element (or per row, or per column).</summary>
public static class ModelKernels
{
    public static void Gather(Index1D i, ArrayView<float> table, int width, ArrayView<int> indices, ArrayView<float> output) =>
        output[i] = table[indices[i / width] * width + i % width];

    public static void ScatterAdd(Index1D i, ArrayView<float> tableGrad, int width, ArrayView<int> indices, ArrayView<float> grad) =>
        Atomic.Add(ref tableGrad[indices[i / width] * width + i % width], grad[i]);

    public static void Multiply(Index1D i, ArrayView<float> x, ArrayView<float> mask, ArrayView<float> y) => y[i] = x[i] * mask[i];

    public static void AddRowVector(Index1D i, ArrayView<float> matrix, int cols, ArrayView<float> bias) => matrix[i] += bias[i % cols];

    public static void ColumnSumAdd(Index1D c, ArrayView<float> matrix, int rows, int cols, ArrayView<float> acc)
    {
        float sum = 0;
        for (int r = 0; r < rows; r++) sum += matrix[r * cols + c];
        acc[c] += sum;
    }

    public static void SoftmaxCrossEntropy(Index1D r, ArrayView<float> logits, int cols, ArrayView<int> targets, ArrayView<float> grad, ArrayView<double> total, int withGrad)
    {
        int row = r * cols;
        float max = logits[row];
        for (int c = 1; c < cols; c++) max = XMath.Max(max, logits[row + c]);
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += XMath.Exp(logits[row + c] - max);
        float logSum = XMath.Log(sum) + max;
        int target = targets[r];
        Atomic.Add(ref total[0], (double)(logSum - logits[row + target]));
        if (withGrad == 0) return;
        float inv = 1f / (float)(logits.Length / cols);
        for (int c = 0; c < cols; c++) grad[row + c] = XMath.Exp(logits[row + c] - logSum) * inv - (c == target ? inv : 0f);
    }

    public static void Adam(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamArgs a)
    {
        float gi = g[i] * a.GradScale;
        float mi = a.Beta1 * m[i] + (1 - a.Beta1) * gi;
        float vi = a.Beta2 * v[i] + (1 - a.Beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= a.Lr * (mi * a.Correction1) / (XMath.Sqrt(vi * a.Correction2) + a.Eps);
    }

    public static void Sgd(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> velocity, float lr, float momentum, float gradScale)
    {
        float vi = momentum * velocity[i] + g[i] * gradScale;
        velocity[i] = vi;
        p[i] -= lr * vi;
    }

    public static void SquaredNorm(Index1D i, ArrayView<float> g, ArrayView<double> total) => Atomic.Add(ref total[0], (double)g[i] * g[i]);
}
