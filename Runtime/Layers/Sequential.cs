using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Parts applied one after another; their parameters are named by position (<c>0.weight</c>, <c>1.…</c>).</summary>
public sealed class Sequential<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly ILayer<T>[] _layers;

    public Sequential(params ILayer<T>[] layers) : base(null)
    {
        _layers = layers.ToArray();
        AddLayers(_layers);
    }

    public IReadOnlyList<ILayer<T>> Layers => _layers;

    public Var<T> Forward(Var<T> x) => _layers.Aggregate(x, (v, layer) => layer.Forward(v));
}
