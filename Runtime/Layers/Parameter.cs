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
    /// <summary>The shape, outermost axis first.</summary>
    int[] Shape { get; }
    /// <summary>The number of elements.</summary>
    long Length { get; }
    /// <summary>The device holding the values and gradients.</summary>
    Device Device { get; }
    /// <summary>float or double.</summary>
    Type ElementType { get; }
    /// <summary>A frozen parameter gets no gradient and no optimizer step.</summary>
    bool Frozen { get; set; }
    /// <summary>The values as a float[] or double[] (the parameter's own type).</summary>
    Array Read();
    /// <summary>Sets the values from a float[] or double[] of the right length (converted to the parameter's type).</summary>
    void Write(Array values);
    /// <summary>A copy of the gradient as a <c>float[]</c> or <c>double[]</c>.</summary>
    Array ReadGrad();
    /// <summary>Sets the gradient to zero.</summary>
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

    /// <summary>The parameter's name within its part.</summary>
    public string Name { get; }
    /// <inheritdoc/>
    public int[] Shape { get; }
    /// <inheritdoc/>
    public long Length => Value.Length;
    /// <inheritdoc/>
    public Device Device { get; }
    /// <inheritdoc/>
    public Type ElementType => typeof(T);
    /// <inheritdoc/>
    public bool Frozen { get; set; }
    /// <summary>The values on the device.</summary>
    public ArrayView<T> Value { get; }
    /// <summary>The accumulated gradient on the device.</summary>
    public ArrayView<T> Grad { get; }

    /// <summary>A copy of the values.</summary>
    public T[] GetValues()
    {
        Device.Synchronize();
        return Value.GetAsArray();
    }

    /// <summary>A copy of the gradient.</summary>
    public T[] GetGrad()
    {
        Device.Synchronize();
        return Grad.GetAsArray();
    }

    /// <summary>Overwrites the values; <paramref name="values"/> must have exactly <see cref="Length"/> elements.</summary>
    public void SetValues(T[] values)
    {
        if (values.Length != Length) throw new ArgumentException($"Parameter '{Name}' is {Tensor<T>.Text(Shape)} ({Length} values), but {values.Length} were given.", nameof(values));
        Value.CopyFromCPU(values);
    }

    /// <inheritdoc/>
    public Array Read() => GetValues();
    /// <inheritdoc/>
    public Array ReadGrad() => GetGrad();

    /// <inheritdoc/>
    public void Write(Array values) => SetValues(values switch
    {
        T[] same => same,
        float[] f => f.Select(v => Scalar<T>.From(v)).ToArray(),
        double[] d => d.Select(Scalar<T>.From).ToArray(),
        _ => throw new ArgumentException($"Parameter '{Name}' takes float[] or double[] values, not {values.GetType().Name}.", nameof(values)),
    });

    /// <inheritdoc/>
    public void ZeroGrad() => Grad.MemSetToZero();

    /// <summary>Frees the values and gradient.</summary>
    public void Dispose() => _storage?.Dispose();

    /// <summary>The name, the shape and whether it is frozen.</summary>
    public override string ToString() => $"{Name} {Tensor<T>.Text(Shape)}{(Frozen ? " (frozen)" : "")}";
}
