using System;
using System.Linq;

using ILGPU.Runtime;

namespace Recur;

/// <summary>A lookup table of learned vectors: ids [shape] → [shape.., features]. The row of <c>paddingIndex</c> (when given) starts
/// at zero and gets no gradient, as in PyTorch's <c>nn.Embedding(padding_idx=…)</c>.</summary>
public sealed class Embedding<T> : Part where T : unmanaged
{
    private readonly Parameter<T> _weight;

    /// <summary>A table of <paramref name="vocabulary"/> vectors of <paramref name="features"/> on <paramref name="device"/>; the row at <paramref name="paddingIndex"/> (≥ 0) is zeros and gets no gradient.</summary>
    /// <param name="init">Initializer of the table (default N(0, 1), as PyTorch's).</param>
    public Embedding(Device device, int vocabulary, int features, int paddingIndex = -1, Init? init = null, int seed = 0) : base(device)
    {
        if (vocabulary < 1 || features < 1) throw new ArgumentOutOfRangeException(nameof(vocabulary), $"An embedding needs a positive vocabulary and feature count, not {vocabulary} × {features}.");
        if (paddingIndex < -1 || paddingIndex >= vocabulary)
            throw new ArgumentOutOfRangeException(nameof(paddingIndex), $"The padding index must be an id below the vocabulary of {vocabulary} (or -1 for none), not {paddingIndex}.");
        Vocabulary = vocabulary;
        Features = features;
        PaddingIndex = paddingIndex;
        _weight = AddParameter<T>("weight", new[] { vocabulary, features }, init ?? Init.Normal(1), seed);
        if (paddingIndex >= 0) _weight.Value.SubView((long)paddingIndex * features, features).MemSetToZero();
    }

    /// <summary>The number of ids the table holds.</summary>
    public int Vocabulary { get; }
    /// <summary>The length of each vector.</summary>
    public int Features { get; }
    /// <summary>The id whose row stays zero and gets no gradient, or -1 for none.</summary>
    public int PaddingIndex { get; }
    /// <summary>The table [Vocabulary, Features].</summary>
    public Parameter<T> Weight => _weight;

    /// <summary>The vectors of <paramref name="ids"/>, laid out as <paramref name="shape"/> (default: one axis) plus the features.</summary>
    public Var<T> Forward(Tape tape, int[] ids, params int[] shape) =>
        Ops.Embed(tape.Parameter(_weight), ids, shape.Length == 0 ? new[] { ids.Length } : shape, PaddingIndex);

    /// <summary>The same in inference, off the tape: the vectors of <paramref name="rows"/> ids already on the device into
    /// <paramref name="y"/> [rows, Features] (steppers run it once per step without allocating).</summary>
    internal void Gather(ILGPU.ArrayView<int> ids, int rows, Tensor<T> y) => Device!.Ops<T>().Gather(_weight.Value, Features, ids, rows, y.View);
}
