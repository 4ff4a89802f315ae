using System;

namespace Recur;

/// <summary>An affine map of the last axis with an optional activation: y = f(x·Wᵀ + b), W [outputs, inputs] as PyTorch's
/// <c>nn.Linear</c> lays it out. The input size may be left to the first call.</summary>
public sealed class Dense<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly bool _bias;
    private readonly Init _init, _biasInit;
    private readonly int _seed;
    private Parameter<T>? _weight, _b;

    /// <summary>A dense layer on <paramref name="device"/> with its weight initialized from <paramref name="seed"/>.</summary>
    /// <param name="outputs">Features of the output.</param>
    /// <param name="inputs">Features of the input; null to take them from the first call.</param>
    /// <param name="init">Initializer of the weight (default uniform ±√(3/inputs): unit variance).</param>
    /// <param name="biasInit">Initializer of the bias (default zeros).</param>
    public Dense(Device device, int outputs, int? inputs = null, Activation activation = Activation.Identity, bool bias = true,
        Init? init = null, Init? biasInit = null, int seed = 0) : base(device)
    {
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), $"A dense layer needs at least one output, not {outputs}.");
        if (inputs is < 1) throw new ArgumentOutOfRangeException(nameof(inputs), $"A dense layer needs at least one input, not {inputs}.");
        Outputs = outputs;
        Activation = activation;
        _bias = bias;
        _init = init ?? Init.UniformUnitScaling();
        _biasInit = biasInit ?? Init.Zeros;
        _seed = seed;
        if (inputs is { } n) Build(n);
    }

    /// <summary>The number of output features.</summary>
    public int Outputs { get; }
    /// <summary>The number of input features; null until the first call when it was left to the input.</summary>
    public int? Inputs => _weight?.Shape[1];
    /// <summary>The activation applied after the affine map.</summary>
    public Activation Activation { get; }
    /// <summary>The weight [Outputs, Inputs] (throws before the first call when the input size was left to it).</summary>
    public Parameter<T> Weight => _weight ?? throw new InvalidOperationException("This dense layer takes its input size from its first call; run it once or give inputs.");
    /// <summary>The bias [Outputs], or null for a layer without one.</summary>
    public Parameter<T>? Bias => _b;

    private void Build(int inputs)
    {
        _weight = AddParameter<T>("weight", new[] { Outputs, inputs }, _init, _seed);
        if (_bias) _b = AddParameter<T>("bias", new[] { Outputs }, _biasInit, _seed + 1);
    }

    /// <summary>activation(x · Wᵀ + b) over the last axis of <paramref name="x"/>.</summary>
    public Var<T> Forward(Var<T> x)
    {
        x = Ops.To(x, Device!);
        if (_weight is null) Build(x.Features);
        if (x.Features != _weight!.Shape[1])
            throw new ArgumentException($"This dense layer takes {_weight.Shape[1]} input features, but got {x.Value.ShapeText}.", nameof(x));
        var tape = x.Tape;
        return Ops.Linear(x, tape.Parameter(_weight), _b is null ? null : tape.Parameter(_b), Activation);
    }

    /// <summary>The same in inference, off the tape, into a buffer the caller made: <paramref name="y"/> [rows, Outputs] =
    /// activation(<paramref name="x"/> [rows, Inputs] · Wᵀ + b). Steppers run it once per step without allocating.</summary>
    internal void Apply(Tensor<T> x, Tensor<T> y)
    {
        int rows = x.Shape[0], inputs = Weight.Shape[1];
        if (x.Length != (long)rows * inputs || y.Length != (long)rows * Outputs)
            throw new ArgumentException($"This dense layer maps [{rows}, {inputs}] to [{rows}, {Outputs}], not {x.ShapeText} to {y.ShapeText}.", nameof(x));
        var device = Device!;
        device.Gemm<T>().Run(false, true, rows, Outputs, inputs, Scalar<T>.One, x.View, inputs, Weight.Value, inputs, Scalar<T>.Zero, y.View, Outputs);
        var ops = device.Ops<T>();
        if (_b is { } bias) ops.AddRowVector(y.View, rows, Outputs, bias.Value);
        if (Activation != Activation.Identity) ops.Activate(Activation, y.View, y.View);
    }
}
