using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>How a bidirectional layer joins its two directions' outputs.</summary>
public enum Merge
{
    /// <summary>The two outputs side by side: twice the features.</summary>
    Concat,
    /// <summary>The two outputs added: the features of one.</summary>
    Sum,
}

/// <summary>Two recurrent parts over one sequence, one reading it forward and one backward; the backward one reads each sequence
/// reversed within its own length (padding stays at the end), and its outputs are put back in time order before the two are
/// concatenated or summed. The state is the forward part's, then the backward part's; their parameters are named <c>forward.…</c>
/// and <c>backward.…</c>.</summary>
public sealed class Bidirectional<T> : Part, IRecurrent<T> where T : unmanaged
{
    private readonly IRecurrent<T> _forward, _backward;

    /// <summary>Runs <paramref name="forward"/> over the sequence and <paramref name="backward"/> over it reversed (within each row's length), merged by <paramref name="merge"/>.</summary>
    public Bidirectional(IRecurrent<T> forward, IRecurrent<T> backward, Merge merge = Merge.Concat) : base(null)
    {
        _forward = forward;
        _backward = backward;
        if (merge == Merge.Sum && forward.OutputSize != backward.OutputSize)
            throw new ArgumentException($"Summing needs two directions of one width, but the forward part gives {forward.OutputSize} features and the backward part {backward.OutputSize}.", nameof(merge));
        AddLayer("forward", forward);
        AddLayer("backward", backward);
        Merge = merge;
    }

    /// <summary>How the two directions' outputs are combined.</summary>
    public Merge Merge { get; }
    /// <inheritdoc/>
    public int OutputSize => Merge == Merge.Concat ? _forward.OutputSize + _backward.OutputSize : _forward.OutputSize;
    /// <inheritdoc/>
    public int StateCount => _forward.StateCount + _backward.StateCount;

    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames => _forward.StateNames.Select(n => "forward." + n).Concat(_backward.StateNames.Select(n => "backward." + n)).ToArray();

    /// <inheritdoc/>
    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null, bool stateSequences = false)
    {
        if (initialState is not null && initialState.Count != StateCount)
            throw new ArgumentException($"This bidirectional layer's state is {StateCount} tensors ({_forward.StateCount} forward + {_backward.StateCount} backward), but {initialState.Count} were given.", nameof(initialState));
        var ahead = _forward.Forward(input, initialState?.Take(_forward.StateCount).ToArray(), lengths, stateSequences);
        var back = _backward.Forward(Ops.ReverseSequences(input, lengths), initialState?.Skip(_forward.StateCount).ToArray(), lengths, stateSequences);
        var backOutput = Ops.ReverseSequences(back.Output, lengths);
        var output = Merge == Merge.Concat ? Ops.Concat(ahead.Output, backOutput) : Ops.Add(ahead.Output, backOutput);
        // The backward part's states, put back in time order like its output.
        var states = stateSequences ? ahead.States!.Concat(back.States!.Select(s => ReferenceEquals(s, back.Output) ? backOutput : Ops.ReverseSequences(s, lengths))).ToArray() : null;
        return new RecurrentOutput<T>(output, ahead.FinalState.Concat(back.FinalState).ToArray(), states);
    }

    /// <summary>The merged outputs from zero initial states.</summary>
    public Var<T> Forward(Var<T> x) => Forward(x, null).Output;
}
