using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A dense row-major array on a device. Owns its buffer.</summary>
public sealed class Tensor<T> : IDisposable where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _buffer;

    public Tensor(Device device, params int[] shape)
    {
        if (shape.Any(d => d <= 0)) throw new ArgumentException($"Tensor shape [{string.Join(", ", shape)}] has a dimension that is not positive.", nameof(shape));
        Device = device;
        Shape = shape.ToArray();
        _buffer = device.Accelerator.Allocate1D<T>(Length);
        _buffer.MemSetToZero();
    }

    public Device Device { get; }
    public int[] Shape { get; }
    public long Length => Shape.Aggregate(1L, (a, d) => a * d);
    public ArrayView<T> View => _buffer.View;

    public static Tensor<T> FromArray(Device device, T[] data, params int[] shape)
    {
        var t = new Tensor<T>(device, shape);
        if (data.Length != t.Length)
            throw new ArgumentException($"Data has {data.Length} values, but shape [{string.Join(", ", shape)}] holds {t.Length}.", nameof(data));
        t._buffer.CopyFromCPU(data);
        return t;
    }

    public T[] ToArray()
    {
        Device.Synchronize();
        return _buffer.GetAsArray1D();
    }

    public void CopyFrom(T[] data)
    {
        if (data.Length != Length) throw new ArgumentException($"Data has {data.Length} values, but the tensor [{string.Join(", ", Shape)}] holds {Length}.", nameof(data));
        _buffer.CopyFromCPU(data);
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public void Dispose() => _buffer.Dispose();
}
