using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.GpuCheck;

/// <summary>One shipped cell as the checks build it: a plain cell from <see cref="CellCatalog"/>, or an attention decoder (which
/// reads a memory [B, S, E] with a length per row).</summary>
internal sealed record CellCase(string Name, string? Attention, string Cell)
{
    public bool IsAttention => Attention is not null;

    /// <summary>Every plain cell and every attention decoder the catalogue ships.</summary>
    public static IReadOnlyList<CellCase> All { get; } =
        CellCatalog.Names.Select(n => new CellCase(n, null, n))
            .Concat(CellCatalog.AttentionDecoders.Select(d => new CellCase($"{d.Cell}+{d.Attention}", d.Attention, d.Cell)))
            .ToArray();

    public RnnLayer<T> Create<T>(Device device, int input, int hidden, int seed) where T : unmanaged =>
        IsAttention ? CellCatalog.CreateAttention<T>(Attention!, Cell, device, input, hidden, seed) : CellCatalog.Create<T>(Cell, device, input, hidden, seed);
}

/// <summary>The inputs of one pass of a layer, made from a seed so that every device gets the same numbers: every input
/// [T, B, width], a random initial state, for an attention cell a memory [B, S, E] whose rows have lengths S, S − 1, …, and the
/// gradients a loss sends back (into the output at every step and into the final state).</summary>
internal sealed class PassData<T> : IDisposable where T : unmanaged
{
    public const int MemoryWidth = 6;

    public PassData(Device device, RnnLayer<T> layer, int steps, int batch, int positions, int seed)
    {
        var rng = new Random(seed);
        Tensor<T> Random(params int[] shape) => Tensor<T>.FromArray(device, Gaussian(rng, shape.Aggregate(1, (a, b) => a * b)), shape);
        Inputs = layer.Spec.Inputs.Select(p => Random(steps, batch, layer.Sizes[p.Dim])).ToArray();
        var memories = layer.Spec.Memories ?? Array.Empty<MemorySpec>();
        // A memory over a dimension of the cell (Luong's dot score reads memories as wide as Hidden) takes its size; an own one is MemoryWidth wide.
        Memories = memories.Select(m => Random(batch, positions, layer.Sizes[m.Dim] > 0 ? layer.Sizes[m.Dim] : MemoryWidth)).ToArray();
        MemoryLengths = memories.Select(_ => Enumerable.Range(0, batch).Select(b => Math.Max(1, positions - b % positions)).ToArray()).ToArray();
        var widths = layer.Spec.States.Select(s => layer.Spec.IsSeqDim(s.Dim) ? positions : layer.Sizes[s.Dim]).ToArray();
        // A state over a memory's positions (coverage) starts at zero: it sums attention, and its padding must stay zero.
        InitialState = layer.Spec.States.Select((s, k) => layer.Spec.IsSeqDim(s.Dim)
            ? Tensor<T>.FromArray(device, new T[batch * widths[k]], batch, widths[k]) : Random(batch, widths[k])).ToArray();
        OutputGrad = Random(steps, batch, layer.OutputSize);
        FinalStateGrad = widths.Select(w => Random(batch, w)).ToArray();
    }

    public Tensor<T>[] Inputs { get; }
    public Tensor<T>[] Memories { get; }
    public int[][] MemoryLengths { get; }
    public Tensor<T>[] InitialState { get; }
    public Tensor<T> OutputGrad { get; }
    public Tensor<T>[] FinalStateGrad { get; }

    /// <summary>Runs a first pass, which builds what the layer sizes from its inputs, then moves every learned parameter off its
    /// initializer by up to ±0.2, so biases and gains that start at 0 or 1 are exercised too (the DFTs stay: perturbed they would
    /// not be unitary). Returns the parameters as set.</summary>
    public T[] BuildAndPerturb(RnnLayer<T> layer, Random rng)
    {
        using (Forward(layer, training: false)) { }
        var theta = layer.GetAllParameters();
        foreach (var p in layer.Layout.Where(p => p.Learned))
            for (long i = p.Offset; i < p.Offset + p.Length; i++) theta[i] = Add(theta[i], 0.2 * (rng.NextDouble() * 2 - 1));
        layer.SetAllParameters(theta);
        return theta;
    }

    private static T Add(T value, double delta) => typeof(T) == typeof(float)
        ? (T)(object)((float)(object)value + (float)delta) : (T)(object)((double)(object)value + delta);

    public RnnResult<T> Forward(RnnLayer<T> layer, bool training) =>
        layer.Forward(Inputs, InitialState, training, memories: Memories.Length == 0 ? null : Memories, memoryLengths: Memories.Length == 0 ? null : MemoryLengths);

    private static T[] Gaussian(Random rng, int n)
    {
        var v = new T[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double g = 0.5 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            v[i] = typeof(T) == typeof(float) ? (T)(object)(float)g : (T)(object)g;
        }
        return v;
    }

    public void Dispose()
    {
        foreach (var t in Inputs.Concat(Memories).Concat(InitialState).Append(OutputGrad).Concat(FinalStateGrad)) t.Dispose();
    }
}
