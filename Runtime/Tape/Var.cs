using System;
using ILGPU;

namespace Recur;

/// <summary>A value in a model's forward pass: a tensor on a <see cref="Recur.Tape"/>, with the gradient the tape's backward pass
/// gives it. Intermediate values belong to the tape: it gives their buffers back after its backward pass has used them, or when it is
/// disposed (call <see cref="Keep"/> on one you want to read after <see cref="Tape.Backward{T}"/>). Operators +, − and * are
/// elementwise and recorded like every other operation.</summary>
public sealed class Var<T> : ITracked where T : unmanaged
{
    private Tensor<T>? _value;
    private readonly bool _ownsValue, _ownsGrad;

    /// <param name="ownsValue">The tape gives the value's buffer back when it releases this value.</param>
    /// <param name="leaf">An input or parameter: released only when the tape is disposed.</param>
    /// <param name="parameterGrad">A parameter's own gradient buffer, which backward passes add into (never released).</param>
    internal Var(Tape tape, Tensor<T> value, bool ownsValue, bool requiresGrad, bool leaf, Tensor<T>? parameterGrad = null)
    {
        Tape = tape;
        _value = value;
        _ownsValue = ownsValue;
        RequiresGrad = requiresGrad && tape.Training;
        IsLeaf = leaf;
        Grad = parameterGrad;
        _ownsGrad = parameterGrad is null;
        tape.Track(this);
    }

    /// <summary>The tape that recorded this value.</summary>
    public Tape Tape { get; }

    /// <summary>The value; an intermediate one is released once the backward pass no longer needs it.</summary>
    public Tensor<T> Value => _value ?? throw new InvalidOperationException(
        "This intermediate value was given back to the pool by Tape.Backward. Call Keep() on it before Backward to read it afterwards.");

    /// <summary>The gradient of the loss with respect to this value after <see cref="Tape.Backward{T}"/> (null where none flowed).</summary>
    public Tensor<T>? Grad { get; private set; }

    /// <summary>Whether gradients flow to this value (false for constants, frozen parameters and everything on an inference tape).</summary>
    public bool RequiresGrad { get; }

    /// <summary>Inputs and parameters: kept (with their gradients) until the tape is disposed.</summary>
    public bool IsLeaf { get; }

    /// <summary>True after <see cref="Keep"/>: the value outlives the backward pass.</summary>
    public bool Kept { get; private set; }

    bool ITracked.HasGrad => Grad is not null;

    /// <summary>The value's shape.</summary>
    public int[] Shape => Value.Shape;
    /// <summary>The device the value lives on.</summary>
    public Device Device => Value.Device;
    /// <summary>The value's number of elements.</summary>
    public long Length => Value.Length;
    /// <summary>The size of the last axis, along which concatenation, slicing, layer norm and dense layers work.</summary>
    public int Features => Value.Shape[^1];
    /// <summary>Everything before the last axis, as one count of rows.</summary>
    public int Rows => checked((int)(Value.Length / Features));
    internal ArrayView<T> View => Value.View;

    /// <summary>Keeps this value (and its gradient) until the tape is disposed instead of releasing it during the backward pass.</summary>
    public Var<T> Keep()
    {
        Kept = true;
        return this;
    }

    /// <summary>A copy of the value.</summary>
    public T[] ToArray() => Value.ToArray();

    /// <summary>The value of a one-element tensor (a loss), as a double.</summary>
    public double Item()
    {
        if (Value.Length != 1) throw new InvalidOperationException($"Item() reads a one-element tensor; this one is {Value.ShapeText}.");
        return Scalar<T>.ToDouble(ToArray()[0]);
    }

    /// <summary>A copy of the value that outlives the tape (for state carried into the next batch); dispose it when done.</summary>
    public Tensor<T> Detach() => Value.Clone();

    /// <summary>The gradient buffer to add into, zeroed when it is new.</summary>
    internal Tensor<T> GradForAccumulate()
    {
        return Grad ??= Tensor<T>.Rent(Device, true, Shape);
    }

    /// <summary>The gradient buffer to write into with GEMM-style beta: 0 when the buffer is new (and not zeroed: the caller overwrites
    /// all of it), 1 when a gradient is already there.</summary>
    internal Tensor<T> GradForWrite(out T beta)
    {
        beta = Grad is null ? Scalar<T>.Zero : Scalar<T>.One;
        return Grad ??= Tensor<T>.Rent(Device, false, Shape);
    }

    /// <summary>Adds <paramref name="g"/> into the gradient; takes the tensor itself when there is no gradient yet and
    /// <paramref name="adopt"/> says the caller hands it over (no copy), else disposes it when handed over.</summary>
    internal void AddGrad(Tensor<T> g, bool adopt)
    {
        if (Grad is null && adopt && _ownsGrad)
        {
            Grad = g.Shape.AsSpan().SequenceEqual(Shape) ? g : g.TakeAs(Shape);
            return;
        }
        Device.Ops<T>().Axpy(1, g.View, GradForAccumulate().View);
        if (adopt) g.Dispose();
    }

    /// <summary>Gives the value and gradient buffers back (the tape calls this once nothing needs them).</summary>
    void ITracked.Release()
    {
        if (_ownsValue) _value?.Dispose();
        if (_ownsGrad) Grad?.Dispose();
        if (_ownsValue) _value = null;
        if (_ownsGrad) Grad = null;
    }

    /// <summary>The shape and whether it requires a gradient.</summary>
    public override string ToString() => $"Var{(_value is null ? "(released)" : _value.ShapeText)}{(RequiresGrad ? " requires grad" : "")}";

    /// <summary>Elementwise a + b (same shapes).</summary>
    public static Var<T> operator +(Var<T> a, Var<T> b) => Ops.Add(a, b);
    /// <summary>Elementwise a − b (same shapes).</summary>
    public static Var<T> operator -(Var<T> a, Var<T> b) => Ops.Subtract(a, b);
    /// <summary>Elementwise a · b (same shapes).</summary>
    public static Var<T> operator *(Var<T> a, Var<T> b) => Ops.Multiply(a, b);
    /// <summary>Every element times s.</summary>
    public static Var<T> operator *(Var<T> a, double s) => Ops.Affine(a, s, 0);
    /// <summary>Every element times s.</summary>
    public static Var<T> operator *(double s, Var<T> a) => Ops.Affine(a, s, 0);
    /// <summary>Every element plus s.</summary>
    public static Var<T> operator +(Var<T> a, double s) => Ops.Affine(a, 1, s);
    /// <summary>s minus every element.</summary>
    public static Var<T> operator -(double s, Var<T> a) => Ops.Affine(a, -1, s);
}
