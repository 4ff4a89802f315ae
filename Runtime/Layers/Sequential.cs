using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Parts applied one after another; their parameters are named by position (<c>0.weight</c>, <c>1.…</c>).</summary>
public sealed class Sequential<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly ILayer<T>[] _layers;

    /// <summary>The layers applied one after another, in order.</summary>
    public Sequential(params ILayer<T>[] layers) : base(null)
    {
        _layers = layers.ToArray();
        AddLayers(_layers);
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<ILayer<T>> Layers => _layers;

    /// <inheritdoc/>
    public Var<T> Forward(Var<T> x) => _layers.Aggregate(x, (v, layer) => layer.Forward(v));
}
