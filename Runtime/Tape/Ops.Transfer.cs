using System;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary><paramref name="x"/> on <paramref name="device"/> (itself when it is there already): a copy through host memory whose
    /// gradient is copied back and added into x's, so consecutive parts of one model can run on different devices.</summary>
    public static Var<T> To<T>(Var<T> x, Device device) where T : unmanaged
    {
        if (ReferenceEquals(x.Device, device)) return x;
        var y = Tensor<T>.Rent(device, false, x.Shape);
        y.CopyFrom(x.ToArray());
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () =>
        {
            using var back = Tensor<T>.Rent(x.Device, false, x.Shape);
            back.CopyFrom(r.Grad!.ToArray());
            AccumulateGrad(x, back);
        });
    }
}
