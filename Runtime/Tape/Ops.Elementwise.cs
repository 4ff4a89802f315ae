using System;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary>a + b (one shape).</summary>
    public static Var<T> Add<T>(Var<T> a, Var<T> b) where T : unmanaged => Combine(a, b, 1, "Add");

    /// <summary>a − b (one shape).</summary>
    public static Var<T> Subtract<T>(Var<T> a, Var<T> b) where T : unmanaged => Combine(a, b, -1, "Subtract");

    /// <summary>y = a + s·b; ∂a = ∂y, ∂b = s·∂y.</summary>
    private static Var<T> Combine<T>(Var<T> a, Var<T> b, double s, string op) where T : unmanaged
    {
        SameTape(a, b);
        b = To(b, a.Device);
        SameShape(a, b, op);
        var ops = O(a);
        var y = Tensor<T>.Rent(a.Device, false, a.Shape);
        if (s == 1) ops.Add(a.View, b.View, y.View);
        else
        {
            a.View.CopyTo(y.View);
            ops.Axpy(s, b.View, y.View);
        }
        var r = a.Tape.Result(y, a.RequiresGrad || b.RequiresGrad);
        return Recorded(r, () =>
        {
            if (a.RequiresGrad) AccumulateGrad(a, r.Grad!);
            if (b.RequiresGrad) AccumulateGrad(b, r.Grad!, s);
        });
    }

    /// <summary>a ⊙ b (one shape); ∂a = ∂y ⊙ b, ∂b = ∂y ⊙ a.</summary>
    public static Var<T> Multiply<T>(Var<T> a, Var<T> b) where T : unmanaged
    {
        SameTape(a, b);
        b = To(b, a.Device);
        SameShape(a, b, "Multiply");
        var ops = O(a);
        var y = Tensor<T>.Rent(a.Device, false, a.Shape);
        ops.Multiply(a.View, b.View, y.View, accumulate: false);
        var r = a.Tape.Result(y, a.RequiresGrad || b.RequiresGrad);
        return Recorded(r, () =>
        {
            if (a.RequiresGrad) ops.Multiply(r.Grad!.View, b.View, a.GradForAccumulate().View, accumulate: true);
            if (b.RequiresGrad) ops.Multiply(r.Grad!.View, a.View, b.GradForAccumulate().View, accumulate: true);
        });
    }

    /// <summary>alpha·x + beta elementwise; ∂x = alpha·∂y.</summary>
    public static Var<T> Affine<T>(Var<T> x, double alpha, double beta) where T : unmanaged
    {
        var y = Tensor<T>.Rent(x.Device, false, x.Shape);
        O(x).Affine(x.View, alpha, beta, y.View);
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () => AccumulateGrad(x, r.Grad!, alpha));
    }

    /// <summary>The logistic sigmoid of each element.</summary>
    public static Var<T> Sigmoid<T>(Var<T> x) where T : unmanaged => Activate(x, Activation.Sigmoid);
    /// <summary>The hyperbolic tangent of each element.</summary>
    public static Var<T> Tanh<T>(Var<T> x) where T : unmanaged => Activate(x, Activation.Tanh);
    /// <summary>max(x, 0) of each element.</summary>
    public static Var<T> Relu<T>(Var<T> x) where T : unmanaged => Activate(x, Activation.Relu);

    /// <summary>y = f(x) elementwise; ∂x = f′·∂y, with f′ read from y.</summary>
    public static Var<T> Activate<T>(Var<T> x, Activation f) where T : unmanaged
    {
        if (f == Activation.Identity) return x;
        var ops = O(x);
        var y = Tensor<T>.Rent(x.Device, false, x.Shape);
        ops.Activate(f, x.View, y.View);
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () =>
        {
            var dx = x.GradForWrite(out var beta);
            ops.ActivationBackward(f, r.View, r.Grad!.View, dx.View, accumulate: !Scalar<T>.IsZero(beta));
        });
    }
}
