using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary><see cref="TensorOps{T}"/> as ILGPU kernels (<see cref="TensorKernels{T}"/>), each compiled the first time it is used and
/// kept for the device's life. Reductions to one number (losses, norms) leave per-row or per-chunk partial sums on the device,
/// which the host adds in double.</summary>
internal sealed class IlgpuTensorOps<T> : TensorOps<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int NormChunk = 256;
    private readonly Device _device;
    private readonly Accelerator _acc;

    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>>? _add, _scaleByAxpy, _subtract;
    private Action<Index1D, T, ArrayView<T>, ArrayView<T>>? _axpy;
    private Action<Index1D, ArrayView<T>, T, T, ArrayView<T>>? _affine;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>? _multiply;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, int>? _multiplyPeriodic;
    private Action<Index1D, ArrayView<T>, ArrayView<T>>? _scaleBy;
    private Action<Index1D, ArrayView<T>, T>? _fill;
    private Action<Index1D, int, ArrayView<T>, ArrayView<T>>? _activate;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>? _zoneoutForward;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>>? _zoneoutBackward;
    private Action<Index1D, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>? _activationBackward;
    private Action<Index1D, ArrayView<T>, int, ArrayView<T>>? _addRowVector;
    private Action<Index1D, ArrayView<T>, int, int, ArrayView<T>>? _columnSumAdd;
    private Action<Index1D, ArrayView<T>, int, ArrayView<int>, ArrayView<T>>? _gather;
    private Action<Index1D, ArrayView<T>, int, ArrayView<int>, ArrayView<T>, int>? _scatterAdd;
    private Action<Index1D, ColumnCopy, ArrayView<T>, ArrayView<T>>? _copyColumns;
    private Action<Index1D, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, T, ArrayView<T>, ArrayView<T>, ArrayView<T>>? _layerNorm;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>? _layerNormInputGrad;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>? _layerNormParamGrad;
    private Action<Index1D, ArrayView<T>, int, ArrayView<int>, int, T, T, T, T, ArrayView<T>, int, ArrayView<T>>? _crossEntropy;
    private Action<Index1D, ArrayView<T>, int, ArrayView<T>>? _squaredPartials, _rowNorms;
    private Action<Index1D, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, T, ArrayView<T>, int, ArrayView<T>>? _mixtureNll;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>>? _scaleRowsAdd;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>? _adam;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>? _sgd;
    private Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>? _rmsProp;

    public IlgpuTensorOps(Device device)
    {
        _device = device;
        _acc = device.Accelerator;
    }

    private static T C(double x) => Scalar<T>.From(x);
    private static int Len(ArrayView<T> v) => checked((int)v.Length);

    public override void Add(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) =>
        (_add ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.Add))(Len(y), a, b, y);

    public override void Axpy(double alpha, ArrayView<T> x, ArrayView<T> y) =>
        (_axpy ??= _acc.LoadAutoGroupedStreamKernel<Index1D, T, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.Axpy))(Len(y), C(alpha), x, y);

    public override void Affine(ArrayView<T> x, double alpha, double beta, ArrayView<T> y) =>
        (_affine ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, T, T, ArrayView<T>>(TensorKernels<T>.Affine))(Len(y), x, C(alpha), C(beta), y);

    public override void Multiply(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, bool accumulate) =>
        (_multiply ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(TensorKernels<T>.Multiply))(Len(y), a, b, y, accumulate ? 1 : 0);

    public override void MultiplyPeriodic(ArrayView<T> x, ArrayView<T> mask, long period, ArrayView<T> y, bool accumulate) =>
        (_multiplyPeriodic ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, int>(TensorKernels<T>.MultiplyPeriodic))(
            Len(y), x, mask, checked((int)period), y, accumulate ? 1 : 0);

    public override void ScaleBy(ArrayView<T> s, ArrayView<T> x) =>
        (_scaleBy ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.ScaleBy))(Len(x), s, x);

    public override void AxpyBy(ArrayView<T> s, ArrayView<T> x, ArrayView<T> y) =>
        (_scaleByAxpy ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.AxpyBy))(Len(y), s, x, y);

    public override void Fill(ArrayView<T> x, double value) =>
        (_fill ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, T>(TensorKernels<T>.Fill))(Len(x), x, C(value));

    public override void ZoneoutForward(ArrayView<T> prev, ArrayView<T> next, ArrayView<T> keep, double p) =>
        (_zoneoutForward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, int, T>(TensorKernels<T>.ZoneoutForward))(
            Len(next), prev, next, keep.Length > 0 ? keep : next, keep.Length > 0 ? 1 : 0, C(p));

    public override void ZoneoutBackward(ArrayView<T> grad, ArrayView<T> outputGrad, ArrayView<T> keep, ArrayView<T> prevGrad) =>
        (_zoneoutBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.ZoneoutBackward))(
            Len(grad), grad, outputGrad.Length > 0 ? outputGrad : grad, outputGrad.Length > 0 ? 1 : 0, keep, prevGrad);

    public override void Activate(Activation f, ArrayView<T> x, ArrayView<T> y) =>
        (_activate ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.Activate))(Len(y), (int)f, x, y);

    public override void ActivationBackward(Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, bool accumulate) =>
        (_activationBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(TensorKernels<T>.ActivationBackward))(
            Len(dx), (int)f, y, dy, dx, accumulate ? 1 : 0);

    public override void AddRowVector(ArrayView<T> m, int rows, int cols, ArrayView<T> v) =>
        (_addRowVector ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.AddRowVector))(rows * cols, m, cols, v);

    public override void ColumnSumAdd(ArrayView<T> m, int rows, int cols, ArrayView<T> acc) =>
        (_columnSumAdd ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, int, ArrayView<T>>(TensorKernels<T>.ColumnSumAdd))(cols, m, rows, cols, acc);

    public override void Gather(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> y) =>
        (_gather ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<int>, ArrayView<T>>(TensorKernels<T>.Gather))(rows * width, table, width, ids, y);

    public override void ScatterAdd(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> g, int skip)
    {
        _scatterAdd ??= typeof(T) == typeof(float)
            ? (Action<Index1D, ArrayView<T>, int, ArrayView<int>, ArrayView<T>, int>)(object)_acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, int>(ScatterKernels.AddF32)
            : (Action<Index1D, ArrayView<T>, int, ArrayView<int>, ArrayView<T>, int>)(object)_acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, int, ArrayView<int>, ArrayView<double>, int>(ScatterKernels.AddF64);
        _scatterAdd(rows * width, table, width, ids, g, skip);
    }

    public override void CopyColumns(ArrayView<T> src, int srcCols, int srcOffset, ArrayView<T> dst, int dstCols, int dstOffset, int rows, int width, bool accumulate) =>
        (_copyColumns ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ColumnCopy, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.CopyColumns))(rows * width,
            new ColumnCopy { SrcCols = srcCols, SrcOffset = srcOffset, DstCols = dstCols, DstOffset = dstOffset, Width = width, Accumulate = accumulate ? 1 : 0 }, src, dst);

    public override void LayerNorm(ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> shift, double eps, ArrayView<T> y, ArrayView<T> mean, ArrayView<T> rstd) =>
        (_layerNorm ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, T, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.LayerNorm))(
            rows, x, cols, gain, shift, C(eps), y, mean, rstd);

    public override void LayerNormBackward(ArrayView<T> dy, ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> mean, ArrayView<T> rstd,
        ArrayView<T> dx, ArrayView<T> dgain, ArrayView<T> dshift)
    {
        if (dx.Length > 0)
            (_layerNormInputGrad ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.LayerNormInputGrad))(
                rows, dy, x, cols, gain, mean, rstd, dx);
        if (dgain.Length > 0)
            (_layerNormParamGrad ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, int, int, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.LayerNormParamGrad))(
                cols, dy, x, rows, cols, mean, rstd, dgain, dshift);
    }

    public override double CrossEntropy(ArrayView<T> logits, int rows, int cols, ArrayView<int> targets, int ignore, double smoothing, double scale, ArrayView<T> grad)
    {
        using var rowLoss = Tensor<T>.Rent(_device, false, rows);
        (_crossEntropy ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<int>, int, T, T, T, T, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.CrossEntropy))(
            rows, logits, cols, targets, ignore, C(smoothing), C(scale), C((1 - smoothing) * scale), C(smoothing / cols * scale),
            grad.Length > 0 ? grad : logits, grad.Length > 0 ? 1 : 0, rowLoss.View);
        return HostSum(rowLoss);
    }

    public override double MixtureNll(ArrayView<T> raw, int rows, int components, ArrayView<T> targets, ArrayView<T> weights, double scale, ArrayView<T> grad)
    {
        using var rowLoss = Tensor<T>.Rent(_device, false, rows);
        (_mixtureNll ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, T, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.MixtureNll))(
            rows, raw, components, targets, weights, C(scale), grad.Length > 0 ? grad : raw, grad.Length > 0 ? 1 : 0, rowLoss.View);
        return HostSum(rowLoss);
    }

    public override double SquaredDifference(ArrayView<T> a, ArrayView<T> b, ArrayView<T> diff)
    {
        (_subtract ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>>(TensorKernels<T>.Subtract))(Len(diff), a, b, diff);
        return SquaredNorm(diff);
    }

    public override double SquaredNorm(ArrayView<T> x)
    {
        int chunks = (int)((x.Length + NormChunk - 1) / NormChunk);
        using var partial = Tensor<T>.Rent(_device, false, chunks);
        (_squaredPartials ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.SquaredPartials))(chunks, x, NormChunk, partial.View);
        return HostSum(partial);
    }

    public override void RowNorms(ArrayView<T> x, int rows, int cols, ArrayView<T> norms) =>
        (_rowNorms ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.RowNorms))(rows, x, cols, norms);

    public override void ScaleRowsAdd(ArrayView<T> x, ArrayView<T> scale, int rows, int cols, ArrayView<T> dx) =>
        (_scaleRowsAdd ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, int, ArrayView<T>>(TensorKernels<T>.ScaleRowsAdd))(rows * cols, x, scale, cols, dx);

    private static double HostSum(Tensor<T> t)
    {
        double sum = 0;
        foreach (var v in t.ToArray()) sum += Scalar<T>.ToDouble(v);
        return sum;
    }

    private static OptimizerArgs<T> Args(double lr, double beta1, double beta2, double eps, double l2, double shrink, double scale, double momentum = 0, bool nesterov = false, int step = 1) => new()
    {
        Lr = C(lr), Beta1 = C(beta1), Beta2 = C(beta2), Eps = C(eps), L2 = C(l2), Shrink = C(shrink), GradScale = C(scale), Momentum = C(momentum),
        Correction1 = C(1 / (1 - Math.Pow(beta1, step))), Correction2 = C(1 / (1 - Math.Pow(beta2, step))),
        Nesterov = nesterov ? 1 : 0, UseMomentum = momentum != 0 ? 1 : 0,
    };

    public override void Adam(ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, AdamStep a) =>
        (_adam ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>(TensorKernels<T>.Adam))(
            Len(p), p, g, m, v, Args(a.Lr, a.Beta1, a.Beta2, a.Eps, a.L2, 1 - a.Lr * a.Decoupled, a.GradScale, step: a.Step));

    public override void Sgd(ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity, SgdStep a) =>
        (_sgd ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>(TensorKernels<T>.Sgd))(
            Len(p), p, g, velocity, Args(a.Lr, 0, 0, 0, a.WeightDecay, 1, a.GradScale, a.Momentum, a.Nesterov));

    public override void RmsProp(ArrayView<T> p, ArrayView<T> g, ArrayView<T> square, ArrayView<T> buffer, RmsPropStep a) =>
        (_rmsProp ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, OptimizerArgs<T>>(TensorKernels<T>.RmsProp))(
            Len(p), p, g, square, buffer.Length > 0 ? buffer : square, Args(a.Lr, 0, a.Alpha, a.Eps, a.WeightDecay, 1, a.GradScale, a.Momentum));
}
