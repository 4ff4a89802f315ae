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
