using System;

namespace Recur;

/// <summary>The outputs of a forward pass: the output state at every step [T, B, H] and every state after the last step [B, d].
/// Its tensors come from the device's pool; disposing it gives them back (and, unless a backward pass used it, the activations a
/// training forward kept).</summary>
public sealed class RnnResult<T> : IDisposable where T : unmanaged
{
    internal RnnResult(Tensor<T> output, Tensor<T>[] finalState, RnnContext<T>? context, Tensor<T>?[]? stateSequences = null)
    {
        Output = output;
        FinalState = finalState;
        Context = context;
        StateSequences = stateSequences;
    }

    /// <summary>The outputs [T, B, d] of every step.</summary>
    public Tensor<T> Output { get; }
    /// <summary>Each state after its row's last step [B, d], in the cell's state order.</summary>
    public Tensor<T>[] FinalState { get; }
    /// <summary>When asked for: every state at every step [T, B, d], in state order; null for the output state (that is
    /// <see cref="Output"/>).</summary>
    public Tensor<T>?[]? StateSequences { get; }
    internal RnnContext<T>? Context { get; }

    /// <summary>Returns the tensors to their pool.</summary>
    public void Dispose()
    {
        Output.Dispose();
        foreach (var s in FinalState) s.Dispose();
        if (StateSequences is not null) foreach (var s in StateSequences) s?.Dispose();
        Context?.Dispose();
    }
}
