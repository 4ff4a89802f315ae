using System;
using System.Collections.Generic;

namespace Recur;

/// <summary>A recurrent layer running cell <typeparamref name="TCell"/> over sequences [T, B, In], in float or double.
/// <code>new Rnn&lt;Lstm, float&gt;(device, inputSize: 128, hiddenSize: 512)</code> (or inputSize: null to take it from the first call).</summary>
public class Rnn<TCell, T> : RnnLayer<T> where TCell : IRnnCell where T : unmanaged
{
    /// <summary>A layer of <typeparamref name="TCell"/> on <paramref name="device"/>, its parameters initialized from <paramref name="seed"/>.</summary>
    /// <param name="device">Where the layer's parameters live and it computes.</param>
    /// <param name="inputSize">Features of the input; null to take them from the first call.</param>
    /// <param name="hiddenSize">The size of the cell's Hidden dimension.</param>
    /// <param name="dims">Sizes of the cell's own dimensions, by name.</param>
    /// <param name="seed">Seeds the initializers and the cell's dropout masks.</param>
    /// <param name="hypers">Hyperparameter values, by name, set before the parameters are initialized (some initializers read them).</param>
    /// <param name="learnInitialState">Learn the state each sequence starts from instead of zeros.</param>
    public Rnn(Device device, int? inputSize, int hiddenSize, IReadOnlyDictionary<string, int>? dims = null, int seed = 0,
        IReadOnlyDictionary<string, double>? hypers = null, bool learnInitialState = false)
        : base(device, TCell.Spec, () => device.Program<TCell, T>(), inputSize, hiddenSize, dims, seed, hypers, learnInitialState) { }
}

/// <summary>A float32 recurrent layer running cell <typeparamref name="TCell"/>.</summary>
public class Rnn<TCell> : Rnn<TCell, float> where TCell : IRnnCell
{
    /// <summary>A layer of <typeparamref name="TCell"/> in float (see <see cref="Rnn{TCell, T}"/> for the arguments).</summary>
    public Rnn(Device device, int? inputSize, int hiddenSize, IReadOnlyDictionary<string, int>? dims = null, int seed = 0,
        IReadOnlyDictionary<string, double>? hypers = null, bool learnInitialState = false)
        : base(device, inputSize, hiddenSize, dims, seed, hypers, learnInitialState) { }
}

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

/// <summary>What one training forward keeps for its backward pass: the workspace with every step's activations, the views over it,
/// the inputs, and the sequence lengths (null: all full). Disposing it hands the workspace back to the layer.</summary>
internal sealed class RnnContext<T> : IDisposable where T : unmanaged
{
    private readonly RnnLayer<T> _layer;
    private bool _returned;

    public RnnContext(RnnLayer<T> layer, RnnWorkspace<T> workspace, StepViews<T> views, Tensor<T>[] inputs, int[]? lengths, Tensor<T>[] memories)
    {
        _layer = layer;
        Workspace = workspace;
        Views = views;
        Inputs = inputs;
        Lengths = lengths;
        Memories = memories;
    }

    public RnnWorkspace<T> Workspace { get; }
    public StepViews<T> Views { get; }
    public Tensor<T>[] Inputs { get; }
    public int[]? Lengths { get; }
    /// <summary>The memories the cell attended over [B, S, E] (their products' gradients need them).</summary>
    public Tensor<T>[] Memories { get; }
    public bool Used { get; set; }

    public void Dispose()
    {
        if (_returned) return;
        _returned = true;
        Used = true;
        _layer.ReturnWorkspace(Workspace);
    }
}
