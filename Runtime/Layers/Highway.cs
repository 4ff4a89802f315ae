using System;

namespace Recur;

/// <summary>A highway layer (Srivastava et al. 2015): y = t ⊙ H(x) + (1 − t) ⊙ x with a learned gate t = σ(W_t·x + b_t). The gate's
/// bias starts negative (default −1) so the layer begins close to carrying x through. H is a ReLU dense layer unless given.
/// Parameters: <c>gate.weight</c>, <c>gate.bias</c>, <c>transform.…</c>.</summary>
public sealed class Highway<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly Dense<T> _gate;
    private readonly ILayer<T> _transform;

    /// <summary>y = t ⊙ H(x) + (1 − t) ⊙ x with t = sigmoid(W_t x + b_t), b_t starting at <paramref name="gateBias"/> (so the layer starts near the identity); H is <paramref name="transform"/> or a tanh dense layer.</summary>
    public Highway(Device device, int features, ILayer<T>? transform = null, double gateBias = -1, int seed = 0) : base(device)
    {
        _gate = Add("gate", new Dense<T>(device, features, features, Activation.Sigmoid, biasInit: Init.Constant((float)gateBias), seed: seed));
        _transform = transform ?? new Dense<T>(device, features, features, Activation.Relu, seed: seed + 2);
        AddLayer("transform", _transform);
    }

    /// <inheritdoc/>
    public Var<T> Forward(Var<T> x)
    {
        x = Ops.To(x, Device!);
        var t = _gate.Forward(x);
        var h = _transform.Forward(x);
        if (!h.Shape.AsSpan().SequenceEqual(x.Shape))
            throw new ArgumentException($"A highway's transform must keep the input's shape {x.Value.ShapeText}, but gives {h.Value.ShapeText}.", nameof(x));
        return x + t * (h - x); // = t ⊙ H(x) + (1 − t) ⊙ x
    }
}
