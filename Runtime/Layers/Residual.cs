using System;

namespace Recur;

/// <summary>y = x + f(x): a part (a recurrent layer, a dense layer, a stack) with a skip connection around it. Its parameters keep
/// the inner part's names.</summary>
public sealed class Residual<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly ILayer<T> _inner;

    /// <summary>x + inner(x); the inner layer must keep the feature size.</summary>
    public Residual(ILayer<T> inner) : base(null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        AddLayer("", inner);
    }

    /// <inheritdoc/>
    public Var<T> Forward(Var<T> x)
    {
        var y = _inner.Forward(x);
        if (!y.Shape.AsSpan().SequenceEqual(x.Shape))
            throw new ArgumentException($"A residual connection adds the input to the inner part's output, so they must have one shape, but they are {x.Value.ShapeText} and {y.Value.ShapeText}.", nameof(x));
        return Ops.Add(y, x);
    }
}
