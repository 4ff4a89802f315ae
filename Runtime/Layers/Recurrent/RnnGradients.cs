using System;

namespace Recur;

/// <summary>The gradients a backward pass returns: with respect to the input sequences, to every initial state and to the memories
/// attended over. Parameter gradients accumulate in the layer until <see cref="Part.ZeroGrad"/>.</summary>
public sealed class RnnGradients<T> : IDisposable where T : unmanaged
{
    internal RnnGradients(Tensor<T>[] inputs, Tensor<T>[] initialState, Tensor<T>[] memories) { Inputs = inputs; InitialState = initialState; Memories = memories; }
    /// <summary>The gradient of every memory [B, S, E] (zero at padding), in declaration order.</summary>
    public Tensor<T>[] Memories { get; }
    /// <summary>The gradient of the (first) input.</summary>
    public Tensor<T> Input => Inputs[0];
    /// <summary>The gradient of every input, in declaration order.</summary>
    public Tensor<T>[] Inputs { get; }
    /// <summary>The gradient of each initial state [B, d].</summary>
    public Tensor<T>[] InitialState { get; }
    /// <summary>Returns the tensors to their pool.</summary>
    public void Dispose()
    {
        foreach (var i in Inputs) i.Dispose();
        foreach (var s in InitialState) s.Dispose();
        foreach (var m in Memories) m.Dispose();
    }
}
