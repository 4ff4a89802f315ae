using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Recurrent layers one above the other: each runs over the whole sequence before the next starts, reading the output of
/// the one below, with optional dropout between them (standard, or locked: one mask per sequence shared by its steps) and optional
/// <see cref="Interconnect"/>s (the stack's input, the states of the layer below, skips, residual sums, every layer's output for the
/// head). A layer whose cell declares more than one [Input] feeds each extra input named <c>SBelow</c> from state <c>S</c> of the
/// layer below at every step (zeros under the first layer: the bottom edge of a Grid LSTM). The state is every layer's, in order; the layers'
/// parameters are named by position (<c>0.i.X.weight</c>, <c>1.…</c>). (LayerStack, not Stack: that name would collide with
/// System.Collections.Generic.Stack in every project with implicit usings.)</summary>
public sealed partial class LayerStack<T> : Part, IRecurrent<T> where T : unmanaged
{
    private readonly IRecurrent<T>[] _layers;

    /// <summary>A stack of <paramref name="layers"/> with <paramref name="dropout"/> between them (the same mask at every step with <paramref name="lockedDropout"/>) and the given interconnects.</summary>
    /// <param name="layers">The layers, bottom first. With interconnects, give layers above the first no input size (null): it is
    /// taken from the first call, whatever the connections add up to.</param>
    public LayerStack(IEnumerable<IRecurrent<T>> layers, double dropout = 0, bool lockedDropout = false, Interconnect? interconnect = null) : base(null)
    {
        _layers = layers.ToArray();
        if (_layers.Length == 0) throw new ArgumentException("A stack needs at least one layer.", nameof(layers));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"A dropout rate is in [0, 1), not {dropout}.");
        AddLayers(_layers);
        Dropout = dropout;
        LockedDropout = lockedDropout;
        Interconnect = interconnect ?? Interconnect.None;
        for (int k = 0; k < _layers.Length; k++)
        {
            foreach (var port in ExtraInputs(k))
                if (!port.Name.EndsWith(Below, StringComparison.Ordinal) || port.Name.Length == Below.Length)
                    throw new ArgumentException($"Layer {k}'s cell reads a second input '{port.Name}'; in a stack an extra input is fed from a state of the layer below and named after it with '{Below}' (e.g. DBelow for state D).", nameof(layers));
            if (k > 0 && (Interconnect.States || ExtraInputs(k).Any()) && _layers[k - 1] is not RnnLayer<T>)
                throw new ArgumentException($"Layer {k} reads the states of layer {k - 1}, which is a {_layers[k - 1].GetType().Name}; only a recurrent layer (Rnn) gives its states to the layer above.", nameof(layers));
        }
    }

    /// <summary>The layers, bottom first.</summary>
    public IReadOnlyList<IRecurrent<T>> Layers => _layers;
    /// <summary>The dropout rate between layers (not after the last).</summary>
    public double Dropout { get; }
    /// <summary>True when the dropout between layers uses one mask for every time step.</summary>
    public bool LockedDropout { get; }
    /// <summary>The vertical connections between the layers.</summary>
    public Interconnect Interconnect { get; }
    /// <inheritdoc/>
    public int OutputSize => Interconnect.Dense ? _layers.Sum(l => l.OutputSize) : _layers[^1].OutputSize;
    /// <inheritdoc/>
    public int StateCount => _layers.Sum(l => l.StateCount);
    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames => _layers.SelectMany((l, k) => l.StateNames.Select(n => $"{k}.{n}")).ToArray();

    /// <summary>The [Input]s of layer k's cell after its first (each named after the state of the layer below that feeds it).</summary>
    private IEnumerable<PortSpec> ExtraInputs(int k) => _layers[k] is RnnLayer<T> r ? r.Spec.Inputs.Skip(1) : Enumerable.Empty<PortSpec>();

    private const string Below = "Below";

    /// <summary>Whether layer k's states at every step are read by the layer above.</summary>
    private bool StatesReadAbove(int k) => k + 1 < _layers.Length && (Interconnect.States || ExtraInputs(k + 1).Any());

    /// <inheritdoc/>
    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null, bool stateSequences = false) =>
        Forward(input, initialState, lengths, stateSequences, null);

    /// <summary>The stack over <paramref name="input"/>, where every layer whose cell has a [Memory] (an attention decoder's) reads
    /// <paramref name="memories"/>.</summary>
    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths, bool stateSequences, IReadOnlyList<SequenceMemory<T>>? memories)
    {
        if (initialState is not null && initialState.Count != StateCount)
            throw new ArgumentException($"This stack's state is {StateCount} tensors ({string.Join(" + ", _layers.Select(l => l.StateCount))} by layer), but {initialState.Count} were given.", nameof(initialState));
        var final = new List<Var<T>>();
        var sequences = stateSequences ? new List<Var<T>>() : null;
        var outputs = new List<Var<T>>();
        var x = input;
        RecurrentOutput<T>? below = null;
        int at = 0;
        for (int k = 0; k < _layers.Length; k++)
        {
            var layer = _layers[k];
            var state = initialState?.Skip(at).Take(layer.StateCount).ToArray();
            at += layer.StateCount;
            var main = Ops.Concat(MainInputs(k, x, input, outputs, below).ToArray());
            bool wantStates = stateSequences || StatesReadAbove(k);
            var result = layer is RnnLayer<T> rnn && (rnn.Spec.Inputs.Length > 1 || rnn.Spec.Memories is { Length: > 0 })
                ? rnn.Forward(ExtraInputs(k).Select(p => StateOfBelow(k, p, below, rnn, main)).Prepend(main).ToArray(), state, lengths, wantStates,
                    rnn.Spec.Memories is { Length: > 0 } ? memories ?? throw new ArgumentException($"Layer {k} ({rnn.Spec.Name}) attends over a memory; give the stack its memories.", nameof(memories)) : null)
                : layer.Forward(main, state, lengths, wantStates);
            final.AddRange(result.FinalState);
            sequences?.AddRange(result.States!);
            var y = result.Output;
            if (Interconnect.Residual && y.Shape.AsSpan().SequenceEqual(x.Shape)) y = Ops.Add(y, x);
            outputs.Add(y);
            below = result;
            x = k < _layers.Length - 1 && Dropout > 0 ? Ops.Dropout(y, Dropout, LockedDropout) : y;
        }
        var output = Interconnect.Dense ? Ops.Concat(outputs.ToArray()) : outputs[^1];
        return new RecurrentOutput<T>(output, final, sequences);
    }

    /// <summary>What layer k's first input concatenates: the layer below's output (or the stack's input), then the interconnects.</summary>
    private IEnumerable<Var<T>> MainInputs(int k, Var<T> x, Var<T> input, List<Var<T>> outputs, RecurrentOutput<T>? below)
    {
        yield return x;
        if (k == 0) yield break;
        if (Interconnect.Inputs) yield return input;
        if (Interconnect.States)
        {
            foreach (var s in StatesReadFromBelow(k)) yield return below!.States![s];
        }
        if (Interconnect.Skip > 0)
        {
            int j = k - 1 - Interconnect.Skip;
            if (j >= 0) yield return outputs[j];
            else if (j == -1) yield return input;
        }
    }

    /// <summary>The states of layer k − 1 that the states interconnect hands layer k (those named, or all but the output).</summary>
    private List<int> StatesReadFromBelow(int k)
    {
        var cell = ((RnnLayer<T>)_layers[k - 1]).Spec;
        var names = Interconnect.StateNames;
        foreach (var name in names)
            if (Array.FindIndex(cell.States, st => st.Name == name) < 0)
                throw new ArgumentException($"The interconnect reads state {name} of layer {k - 1}, but its cell {cell.Name} has states {string.Join(", ", cell.States.Select(st => st.Name))}.");
        return Enumerable.Range(0, cell.States.Length).Where(s => names.Count > 0 ? names.Contains(cell.States[s].Name) : s != cell.OutputState).ToList();
    }

    /// <summary>The sequence of the layer below's state named like <paramref name="port"/>; zeros under the first layer.</summary>
    private Var<T> StateOfBelow(int k, PortSpec port, RecurrentOutput<T>? below, RnnLayer<T> layer, Var<T> like)
    {
        int width = layer.Sizes[port.Dim];
        if (k == 0)
        {
            if (width <= 0) throw new ArgumentException($"The bottom layer's input {port.Name} starts as zeros, so its dimension {layer.Spec.Dims[port.Dim]} needs a size; give it in dims.");
            var zeros = Tensor<T>.Rent(like.Device, true, like.Shape[0], like.Shape[1], width);
            like.Tape.Hold(zeros);
            return like.Tape.Input(zeros);
        }
        var cell = ((RnnLayer<T>)_layers[k - 1]).Spec;
        string name = port.Name[..^Below.Length];
        int s = Array.FindIndex(cell.States, st => st.Name == name);
        if (s < 0)
            throw new ArgumentException($"Layer {k} ({layer.Spec.Name}) reads state {name} of the layer below (its input {port.Name}), but layer {k - 1} ({cell.Name}) has states {string.Join(", ", cell.States.Select(st => st.Name))}.");
        return below!.States![s];
    }

    /// <summary>The top layer's outputs (all layers' with dense connections) from zero initial states.</summary>
    public Var<T> Forward(Var<T> x) => Forward(x, null).Output;
}
