using System;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary>Dropout on a training tape: each element is zeroed with probability <paramref name="rate"/> and the rest scaled by
    /// 1/(1 − rate), from the tape's generator. With <paramref name="locked"/> (variational dropout, Gal &amp; Ghahramani 2016) one mask
    /// per sequence and feature is drawn for input [T, B, F] and shared by every time step. The identity on an inference tape.</summary>
    public static Var<T> Dropout<T>(Var<T> x, double rate, bool locked = false) where T : unmanaged
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), $"A dropout rate is in [0, 1), not {rate}.");
        if (locked && x.Shape.Length != 3) throw new ArgumentException($"Locked dropout shares one mask over the time steps of sequences [T, B, F], not {x.Value.ShapeText}.", nameof(x));
        if (!x.Tape.Training || rate == 0) return x;
        long period = locked ? x.Length / x.Shape[0] : x.Length;
        // Kept and scale in T, so float masks are exactly 1/(1 − rate) as float arithmetic gives it.
        double keepValue = Scalar<T>.ToDouble(Scalar<T>.From(1 - Scalar<T>.ToDouble(Scalar<T>.From(rate))));
        T scale = typeof(T) == typeof(float) ? Scalar<T>.From(1f / (float)keepValue) : Scalar<T>.From(1 / keepValue);
        var host = MaskBuffer<T>.Get(checked((int)period));
        var rng = x.Tape.Rng;
        for (int i = 0; i < host.Length; i++) host[i] = rng.NextDouble() < keepValue ? scale : Scalar<T>.Zero;
        var mask = Tensor<T>.Rent(x.Device, false, host.Length);
        mask.View.CopyFromCPU(host);
        var ops = O(x);
        var y = Tensor<T>.Rent(x.Device, false, x.Shape);
        ops.MultiplyPeriodic(x.View, mask.View, period, y.View, accumulate: false);
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () =>
        {
            var dx = x.GradForWrite(out var beta);
            ops.MultiplyPeriodic(r.Grad!.View, mask.View, period, dx.View, accumulate: !Scalar<T>.IsZero(beta));
        }, mask);
    }

    /// <summary>Host buffers for masks, one per length, reused across steps (per thread and element type).</summary>
    private static class MaskBuffer<T> where T : unmanaged
    {
        [ThreadStatic] private static System.Collections.Generic.Dictionary<int, T[]>? _buffers;
        public static T[] Get(int length)
        {
            var buffers = _buffers ??= new();
            if (!buffers.TryGetValue(length, out var b)) buffers[length] = b = new T[length];
            return b;
        }
    }
}
