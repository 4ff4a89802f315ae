using System;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary>Layer normalization over the last axis (Ba et al. 2016): y = (x − mean)/√(var + eps)·gain + shift, per row; the row
    /// means and inverse deviations are kept for the backward pass, which gives ∂x, ∂gain and ∂shift.</summary>
    public static Var<T> LayerNorm<T>(Var<T> x, Var<T> gain, Var<T> shift, double eps = 1e-5) where T : unmanaged
    {
        SameTape(x, gain);
        gain = To(gain, x.Device);
        shift = To(shift, x.Device);
        int rows = x.Rows, cols = x.Features;
        if (gain.Shape.Length != 1 || gain.Shape[0] != cols || shift.Shape.Length != 1 || shift.Shape[0] != cols)
            throw new ArgumentException($"LayerNorm of {x.Value.ShapeText} needs a gain and a shift of [{cols}], but got {gain.Value.ShapeText} and {shift.Value.ShapeText}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be positive, not {eps}.");
        var ops = O(x);
        var y = Tensor<T>.Rent(x.Device, false, x.Shape);
        var mean = Tensor<T>.Rent(x.Device, false, rows);
        var rstd = Tensor<T>.Rent(x.Device, false, rows);
        ops.LayerNorm(x.View, rows, cols, gain.View, shift.View, eps, y.View, mean.View, rstd.View);
        var r = x.Tape.Result(y, x.RequiresGrad || gain.RequiresGrad || shift.RequiresGrad);
        return Recorded(r, () =>
        {
            var none = default(ILGPU.ArrayView<T>);
            ops.LayerNormBackward(r.Grad!.View, x.View, rows, cols, gain.View, mean.View, rstd.View,
                x.RequiresGrad ? x.GradForAccumulate().View : none,
                gain.RequiresGrad ? gain.GradForAccumulate().View : none,
                shift.RequiresGrad ? shift.GradForAccumulate().View : none);
        }, mean, rstd);
    }
}
