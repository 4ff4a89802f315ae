using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A dense row-major array on a device. A tensor made with <c>new</c> owns its buffer; one from <see cref="Rent"/> borrows a
/// buffer from the device's pool and gives it back on <see cref="Dispose"/>; one from <see cref="Wrap"/> or <see cref="Reshape"/> is
/// a view of memory someone else owns. Reading a disposed tensor is an error, not stale numbers.</summary>
public sealed class Tensor<T> : IDisposable where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense>? _owned, _rented;
    private readonly ArrayView<T> _view;
    private bool _disposed;

    /// <summary>A new zeroed tensor that owns its buffer.</summary>
    public Tensor(Device device, params int[] shape)
    {
        Device = device ?? throw new ArgumentNullException(nameof(device));
        Shape = CheckShape(shape);
        _owned = device.Allocate<T>(Length);
        _owned.MemSetToZero();
        _view = _owned.View.SubView(0, Length);
    }

    private Tensor(Device device, int[] shape, ArrayView<T> view, MemoryBuffer1D<T, Stride1D.Dense>? rented)
    {
        Device = device;
        Shape = shape;
        _view = view;
        _rented = rented;
    }

    /// <summary>A tensor on a buffer from the device's pool (zeroed when <paramref name="zero"/>, else holding whatever the last user
    /// left); disposing it gives the buffer back, so a loop that rents the same shapes allocates nothing after its first pass.</summary>
    public static Tensor<T> Rent(Device device, bool zero, params int[] shape)
    {
        shape = CheckShape(shape);
        long length = Count(shape);
        var buffer = device.Pool.Rent<T>(length);
        var view = buffer.View.SubView(0, length);
        if (zero) view.MemSetToZero();
        return new Tensor<T>(device, shape, view, buffer);
    }

    /// <summary>A tensor over <paramref name="view"/>, which someone else owns (disposing the tensor leaves it alone).</summary>
    public static Tensor<T> Wrap(Device device, ArrayView<T> view, params int[] shape)
    {
        shape = CheckShape(shape);
        if (Count(shape) != view.Length)
            throw new ArgumentException($"A view of {view.Length} values cannot be a tensor of shape {Text(shape)} ({Count(shape)} values).", nameof(shape));
        return new Tensor<T>(device, shape, view, null);
    }

    /// <summary>The device the tensor's memory lives on.</summary>
    public Device Device { get; }
    /// <summary>The shape, outermost axis first.</summary>
    public int[] Shape { get; }
    /// <summary>The number of elements (the product of the shape).</summary>
    public long Length => Count(Shape);
    /// <summary>The shape as text, e.g. "[12, 64, 256]", for messages.</summary>
    public string ShapeText => Text(Shape);

    /// <summary>The tensor's memory as an ILGPU view (throws once the tensor is disposed).</summary>
    public ArrayView<T> View => _disposed
        ? throw new ObjectDisposedException($"Tensor{ShapeText}", "This tensor was disposed (a model's intermediate values are given back to the pool after Backward or when their tape is disposed); copy what you need to keep first.")
        : _view;

    /// <summary>The same values under another shape with as many elements (no copy: the result is a view of this tensor).</summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        shape = CheckShape(shape);
        if (Count(shape) != Length) throw new ArgumentException($"Cannot reshape {ShapeText} ({Length} values) to {Text(shape)} ({Count(shape)} values).", nameof(shape));
        return new Tensor<T>(Device, shape, View, null);
    }

    /// <summary>This tensor's buffer under another shape, handed over: the result owns (or rents) it and this tensor is spent.</summary>
    internal Tensor<T> TakeAs(int[] shape)
    {
        if (_owned is not null) throw new InvalidOperationException("Only rented tensors can be handed over.");
        var taken = new Tensor<T>(Device, Reshape(shape).Shape, View, _rented);
        _disposed = true; // the buffer now goes back to the pool with the new tensor
        return taken;
    }

    /// <summary>A tensor of <paramref name="shape"/> on <paramref name="device"/> holding a copy of <paramref name="data"/> (its length must equal the shape's product).</summary>
    public static Tensor<T> FromArray(Device device, T[] data, params int[] shape)
    {
        var t = new Tensor<T>(device, shape);
        if (data.Length != t.Length)
        {
            t.Dispose();
            throw new ArgumentException($"Data has {data.Length} values, but shape {Text(shape)} holds {Count(shape)}.", nameof(data));
        }
        t.View.CopyFromCPU(data);
        return t;
    }

    /// <summary>Copies the elements to a new array (waits for the device first).</summary>
    public T[] ToArray()
    {
        Device.Synchronize();
        return View.GetAsArray();
    }

    /// <summary>Overwrites the elements with <paramref name="data"/>, which must have exactly <see cref="Length"/> elements.</summary>
    public void CopyFrom(T[] data)
    {
        if (data.Length != Length) throw new ArgumentException($"Data has {data.Length} values, but the tensor {ShapeText} holds {Length}.", nameof(data));
        View.CopyFromCPU(data);
    }

    /// <summary>A copy on a buffer from the pool (dispose it when done).</summary>
    public Tensor<T> Clone()
    {
        var copy = Rent(Device, false, Shape);
        View.CopyTo(copy.View);
        return copy;
    }

    /// <summary>Returns the memory to its pool (or frees it); reading the tensor afterwards throws.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _owned?.Dispose();
        if (_rented is not null) Device.Pool.Return(_rented);
    }

    internal static string Text(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static long Count(int[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    private static int[] CheckShape(int[] shape)
    {
        if (shape is null || shape.Length == 0) throw new ArgumentException("A tensor needs at least one dimension.", nameof(shape));
        if (shape.Any(d => d <= 0)) throw new ArgumentException($"Tensor shape {Text(shape)} has a dimension that is not positive.", nameof(shape));
        return shape.ToArray();
    }
}
