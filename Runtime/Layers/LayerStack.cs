using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Recurrent layers one above the other: each runs over the whole sequence before the next starts, reading the output of
/// the one below, with optional dropout between them (standard, or locked: one mask per sequence shared by its steps). The state is
/// every layer's, in order; the layers' parameters are named by position (<c>0.i.X.weight</c>, <c>1.…</c>). (LayerStack, not Stack:
/// that name would collide with System.Collections.Generic.Stack in every project with implicit usings.)</summary>
public sealed class LayerStack<T> : Part, IRecurrent<T> where T : unmanaged
{
    private readonly IRecurrent<T>[] _layers;

    public LayerStack(IEnumerable<IRecurrent<T>> layers, double dropout = 0, bool lockedDropout = false) : base(null)
    {
        _layers = layers.ToArray();
        if (_layers.Length == 0) throw new ArgumentException("A stack needs at least one layer.", nameof(layers));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"A dropout rate is in [0, 1), not {dropout}.");
        AddLayers(_layers);
        Dropout = dropout;
        LockedDropout = lockedDropout;
    }

    public IReadOnlyList<IRecurrent<T>> Layers => _layers;
    public double Dropout { get; }
    public bool LockedDropout { get; }
    public int OutputSize => _layers[^1].OutputSize;
    public int StateCount => _layers.Sum(l => l.StateCount);

    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null)
    {
        if (initialState is not null && initialState.Count != StateCount)
            throw new ArgumentException($"This stack's state is {StateCount} tensors ({string.Join(" + ", _layers.Select(l => l.StateCount))} by layer), but {initialState.Count} were given.", nameof(initialState));
        var final = new List<Var<T>>();
        var x = input;
        int at = 0;
        for (int k = 0; k < _layers.Length; k++)
        {
            var state = initialState?.Skip(at).Take(_layers[k].StateCount).ToArray();
            at += _layers[k].StateCount;
            var result = _layers[k].Forward(x, state, lengths);
            final.AddRange(result.FinalState);
            x = result.Output;
            if (k < _layers.Length - 1 && Dropout > 0) x = Ops.Dropout(x, Dropout, LockedDropout);
        }
        return new RecurrentOutput<T>(x, final);
    }

    public Var<T> Forward(Var<T> x) => Forward(x, null).Output;
}
