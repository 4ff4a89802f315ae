using System.Collections.Generic;

namespace Recur;

/// <summary>A part that maps a value to a value: what <see cref="Residual{T}"/>, <see cref="Highway{T}"/> and
/// <see cref="Sequential{T}"/> compose.</summary>
public interface ILayer<T> where T : unmanaged
{
    /// <summary>The layer applied to <paramref name="x"/>, recorded on x's tape.</summary>
    Var<T> Forward(Var<T> x);
}

/// <summary>A part that runs over sequences [T, B, F] time-major, from an initial state (zeros, learned, or given) to a final state:
/// a recurrent layer, a stack of them, or a bidirectional pair.</summary>
public interface IRecurrent<T> : ILayer<T> where T : unmanaged
{
    /// <summary>Features of the output at every step.</summary>
    int OutputSize { get; }

    /// <summary>How many [B, d] tensors the state is (a stack's is its layers' in order).</summary>
    int StateCount { get; }

    /// <summary>Runs over <paramref name="input"/> [T, B, F]. With <paramref name="lengths"/>, sequence b is lengths[b] steps long
    /// (padded after that): its final state is the one after its last real step, and outputs past its length are not meaningful
    /// (mask them in the loss). With <paramref name="stateSequences"/> the result holds every state at every step too.</summary>
    RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null, bool stateSequences = false);

    /// <summary>The state's names, in state order (a stack's are its layers', prefixed with the layer: <c>0.C</c>, <c>0.H</c>, …).</summary>
    IReadOnlyList<string> StateNames { get; }
}

/// <summary>The output at every step [T, B, F], the final state, and, when asked for, every state at every step [T, B, d] in state
/// order (the output state's sequence is <see cref="Output"/> itself).</summary>
/// <param name="Output">The output at every step [T, B, F].</param>
/// <param name="FinalState">The state after the last step (each row's last valid step), one [B, d] per state.</param>
/// <param name="States">Every state at every step [T, B, d], when asked for; otherwise null.</param>
public sealed record RecurrentOutput<T>(Var<T> Output, IReadOnlyList<Var<T>> FinalState, IReadOnlyList<Var<T>>? States = null) where T : unmanaged;
