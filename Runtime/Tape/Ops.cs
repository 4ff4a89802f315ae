using System;
using System.Linq;

using ILGPU.Runtime;

namespace Recur;

/// <summary>The tape's operations. Each computes its output now and, on a training tape when an input takes a gradient, records its
/// backward pass: a forward/backward pair side by side, shapes in the summary. Operations along "features" work on the last axis and
/// treat everything before it as rows. An operand on another device is copied to the first operand's device (gradients flow back).</summary>
public static partial class Ops
{
    /// <summary>Records <paramref name="backward"/> for <paramref name="output"/> when it takes a gradient.</summary>
    private static Var<T> Recorded<T>(Var<T> output, Action backward, params IDisposable[] saved) where T : unmanaged
    {
        if (output.RequiresGrad) output.Tape.Record(backward, new ITracked[] { output }, saved);
        else foreach (var s in saved) s.Dispose();
        return output;
    }

    private static TensorOps<T> O<T>(Var<T> v) where T : unmanaged => v.Device.Ops<T>();

    /// <summary>Adds <paramref name="g"/>·<paramref name="scale"/> into <paramref name="v"/>'s gradient (a copy when it has none yet).</summary>
    private static void AccumulateGrad<T>(Var<T> v, Tensor<T> g, double scale = 1) where T : unmanaged
    {
        var target = v.GradForWrite(out var beta);
        var ops = O(v);
        if (!Scalar<T>.IsZero(beta)) ops.Axpy(scale, g.View, target.View);
        else if (scale == 1) g.View.CopyTo(target.View);
        else ops.Affine(g.View, scale, 0, target.View);
    }

    private static void SameShape<T>(Var<T> a, Var<T> b, string op) where T : unmanaged
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw new ArgumentException($"{op} needs operands of one shape, but got {a.Value.ShapeText} and {b.Value.ShapeText}.");
    }

    private static void SameTape<T>(Var<T> a, Var<T> b) where T : unmanaged
    {
        if (!ReferenceEquals(a.Tape, b.Tape)) throw new ArgumentException("The operands were recorded on different tapes.");
    }

    private static int[] WithFeatures(int[] shape, int features)
    {
        var s = shape.ToArray();
        s[^1] = features;
        return s;
    }
}

/// <summary>A tensor saved for a backward pass that the backward pass may take over (as a gradient buffer) instead of copying it;
/// disposed with the tape entry if nobody took it.</summary>
internal sealed class Saved<T> : IDisposable where T : unmanaged
{
    private Tensor<T>? _value;
    public Saved(Tensor<T> value) => _value = value;
    public Tensor<T> Value => _value ?? throw new InvalidOperationException("This saved tensor was taken already.");
    public Tensor<T> Take()
    {
        var v = Value;
        _value = null;
        return v;
    }
    public void Dispose() => _value?.Dispose();
}
