using System;
using System.Linq;
using ILGPU;

using ILGPU.Runtime;

namespace Recur;

/// <summary>A learned tensor of a part, whatever its element type: what listings, checkpoints, freezing and optimizers see.</summary>
public interface IParameter
{
    /// <summary>The name within its part (<c>weight</c>, <c>i.X.weight</c>); <see cref="Part.Parameters"/> gives the full path.</summary>
    string Name { get; }
    int[] Shape { get; }
    long Length { get; }
    Device Device { get; }
    Type ElementType { get; }
    /// <summary>A frozen parameter gets no gradient and no optimizer step.</summary>
    bool Frozen { get; set; }
    /// <summary>The values as a float[] or double[] (the parameter's own type).</summary>
    Array Read();
    /// <summary>Sets the values from a float[] or double[] of the right length (converted to the parameter's type).</summary>
    void Write(Array values);
    Array ReadGrad();
    void ZeroGrad();
}

/// <summary>A learned tensor and its gradient on a device. Either owns both buffers or views a layer's flat buffers (a recurrent
/// layer keeps all its parameters in one buffer, which its fused kernels index).</summary>
public sealed class Parameter<T> : IParameter, IDisposable where T : unmanaged
{
    private readonly IDisposable? _storage;

    internal Parameter(string name, Device device, int[] shape, ArrayView<T> value, ArrayView<T> grad, IDisposable? storage = null)
    {
        Name = name;
        Device = device;
        Shape = shape.ToArray();
        Value = value;
        Grad = grad;
        _storage = storage;
    }

    /// <summary>A parameter with buffers of its own, set to <paramref name="initial"/>.</summary>
    internal static Parameter<T> Create(Device device, string name, int[] shape, double[] initial)
    {
        var value = new Tensor<T>(device, shape);
        var grad = new Tensor<T>(device, shape);
        value.CopyFrom(initial.Select(Scalar<T>.From).ToArray());
        return new Parameter<T>(name, device, shape, value.View, grad.View, new Storage(value, grad));
    }

    private sealed record Storage(Tensor<T> Value, Tensor<T> Grad) : IDisposable
    {
        public void Dispose()
        {
            Value.Dispose();
            Grad.Dispose();
        }
    }

    public string Name { get; }
    public int[] Shape { get; }
    public long Length => Value.Length;
    public Device Device { get; }
    public Type ElementType => typeof(T);
    public bool Frozen { get; set; }
    public ArrayView<T> Value { get; }
    public ArrayView<T> Grad { get; }

    public T[] GetValues()
    {
        Device.Synchronize();
        return Value.GetAsArray();
    }

    public T[] GetGrad()
    {
        Device.Synchronize();
        return Grad.GetAsArray();
    }

    public void SetValues(T[] values)
    {
        if (values.Length != Length) throw new ArgumentException($"Parameter '{Name}' is {Tensor<T>.Text(Shape)} ({Length} values), but {values.Length} were given.", nameof(values));
        Value.CopyFromCPU(values);
    }

    public Array Read() => GetValues();
    public Array ReadGrad() => GetGrad();

    public void Write(Array values) => SetValues(values switch
    {
        T[] same => same,
        float[] f => f.Select(v => Scalar<T>.From(v)).ToArray(),
        double[] d => d.Select(Scalar<T>.From).ToArray(),
        _ => throw new ArgumentException($"Parameter '{Name}' takes float[] or double[] values, not {values.GetType().Name}.", nameof(values)),
    });

    public void ZeroGrad() => Grad.MemSetToZero();

    public void Dispose() => _storage?.Dispose();

    public override string ToString() => $"{Name} {Tensor<T>.Text(Shape)}{(Frozen ? " (frozen)" : "")}";
}
