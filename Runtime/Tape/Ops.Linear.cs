using System;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary>y = f(x·Wᵀ + b): x [.., in], W [out, in] (PyTorch's layout), b [out] or none → y [.., out].
    /// Backward: ∂z = f′·∂y; ∂W += ∂zᵀ·x; ∂b += Σ_rows ∂z; ∂x += ∂z·W.</summary>
    public static Var<T> Linear<T>(Var<T> x, Var<T> weight, Var<T>? bias = null, Activation activation = Activation.Identity) where T : unmanaged
    {
        SameTape(x, weight);
        weight = To(weight, x.Device);
        if (bias is not null) bias = To(bias, x.Device);
        if (weight.Shape.Length != 2 || weight.Shape[1] != x.Features)
            throw new ArgumentException($"Linear: the weight must be [out, {x.Features}] for an input of {x.Value.ShapeText}, but it is {weight.Value.ShapeText}.");
        int rows = x.Rows, inputs = x.Features, outputs = weight.Shape[0];
        if (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != outputs))
            throw new ArgumentException($"Linear: the bias must be [{outputs}], but it is {bias.Value.ShapeText}.");
        var device = x.Device;
        var ops = device.Ops<T>();
        var gemm = device.Gemm<T>();
        var y = Tensor<T>.Rent(device, false, WithFeatures(x.Shape, outputs));
        gemm.Run(false, true, rows, outputs, inputs, Scalar<T>.One, x.View, inputs, weight.View, inputs, Scalar<T>.Zero, y.View, outputs);
        if (bias is not null) ops.AddRowVector(y.View, rows, outputs, bias.View);
        if (activation != Activation.Identity) ops.Activate(activation, y.View, y.View);
        var r = x.Tape.Result(y, x.RequiresGrad || weight.RequiresGrad || bias?.RequiresGrad == true);
        return Recorded(r, () =>
        {
            var dz = r.Grad!;
            if (activation != Activation.Identity)
            {
                // f′ is read from the output; the output's gradient is not needed after this, so it is overwritten in place
                // unless the caller kept the output to read its gradient.
                if (r.Kept) dz = dz.Clone();
                ops.ActivationBackward(activation, r.View, r.Grad!.View, dz.View, accumulate: false);
            }
            if (weight.RequiresGrad)
                gemm.Run(true, false, outputs, inputs, rows, Scalar<T>.One, dz.View, outputs, x.View, inputs, Scalar<T>.One, weight.GradForAccumulate().View, inputs);
            if (bias?.RequiresGrad == true) ops.ColumnSumAdd(dz.View, rows, outputs, bias.GradForAccumulate().View);
            if (x.RequiresGrad)
            {
                var dx = x.GradForWrite(out var beta);
                gemm.Run(false, false, rows, inputs, outputs, Scalar<T>.One, dz.View, outputs, weight.View, inputs, beta, dx.View, inputs);
            }
            if (!ReferenceEquals(dz, r.Grad)) dz.Dispose();
        });
    }
}
