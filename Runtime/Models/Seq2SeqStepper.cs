using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

public sealed partial class Seq2Seq<T>
{
    /// <summary>Starts decoding <paramref name="sources"/> one target token per row at a time (<see cref="Seq2SeqStepper{T}"/>): the
    /// sources are encoded once, each repeated <paramref name="copies"/> times (a beam's hypotheses), and every buffer is made here.
    /// With <paramref name="attention"/> each step also copies the attention weights to the host.</summary>
    public Seq2SeqStepper<T> Start(IReadOnlyList<int[]> sources, int copies = 1, bool attention = false) => new(this, sources, copies, attention);

    /// <summary>The index, among the decoder stack's states, of its first layer's attention weights: the state the cell's equations
    /// make a softmax over the source's positions (<see cref="PortSpec.IsWeights"/>); -1 when the cell has none.</summary>
    public int AttentionState => Array.FindIndex(DecoderLayers[0].Spec.States, s => s.IsWeights);
}

/// <summary>A <see cref="Seq2Seq{T}"/> decoding one token per row at a time (<see cref="Seq2Seq{T}.Start"/>): the encoded sources,
/// the target embedding, the decoder stack's steppers and the output layer, on buffers made when it starts.</summary>
public sealed class Seq2SeqStepper<T> : ITokenStepper<T> where T : unmanaged
{
    private readonly TokenEnds<T> _ends;
    private readonly StackStepper<T> _decoder;
    private readonly T[] _attentionHost;
    private readonly int _attention;
    private readonly List<IDisposable> _owned = new();

    internal Seq2SeqStepper(Seq2Seq<T> model, IReadOnlyList<int[]> sources, int copies, bool attention)
    {
        if (sources.Count == 0) throw new ArgumentException("Give at least one source sentence.", nameof(sources));
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), $"Each source is decoded at least once, not {copies} times.");
        for (int i = 0; i < sources.Count; i++)
        {
            if (sources[i].Length == 0) throw new ArgumentException($"Source {i} is empty; a sentence to translate has at least one token.", nameof(sources));
            foreach (var id in sources[i])
                if ((uint)id >= (uint)model.Config.SourceVocab) throw new ArgumentOutOfRangeException(nameof(sources), $"Source {i} holds id {id}, outside the source vocabulary of {model.Config.SourceVocab}.");
        }
        var device = model.Device!;
        int n = sources.Count, rows = n * copies, steps = sources.Max(s => s.Length);
        SourceSteps = steps;
        var ids = new int[steps * n];
        for (int r = 0; r < n; r++)
            for (int t = 0; t < sources[r].Length; t++) ids[t * n + r] = sources[r][t];
        var lengths = sources.Select(s => s.Length).ToArray();
        var ops = device.Ops<T>();
        try
        {
            using var tape = new Tape(training: false);
            var encoded = model.Encode(tape, ids, steps, n, lengths);
            // Every source row repeated for its hypotheses: memories, lengths and initial states.
            var repeat = Enumerable.Range(0, rows).Select(r => r / copies).ToArray();
            using var repeatIds = device.Allocate<int>(rows);
            repeatIds.View.CopyFromCPU(repeat);
            Tensor<T> Repeat(Tensor<T> x)
            {
                int width = (int)(x.Length / n);
                var y = Tensor<T>.Rent(device, false, new[] { rows }.Concat(x.Shape.Skip(1)).ToArray());
                _owned.Add(y);
                ops.Gather(x.View, width, repeatIds.View, rows, y.View);
                return y;
            }
            var memory = Repeat(encoded.Memory.Value);
            var memoryLengths = repeat.Select(r => lengths[r]).ToArray();
            var states = encoded.DecoderState.Select(s => Repeat(s.Value)).ToArray();
            _decoder = model.Decoder.Start(rows, states, new[] { memory }, new[] { memoryLengths });
            _owned.Add(_decoder);
            _ends = new TokenEnds<T>(model.TargetEmbedding, model.Output, rows);
            _owned.Add(_ends);
        }
        catch
        {
            Dispose();
            throw;
        }
        _attention = attention ? model.AttentionState : -1;
        _attentionHost = _attention >= 0 ? new T[rows * steps] : Array.Empty<T>();
    }

    /// <inheritdoc/>
    public int Rows => _ends.Rows;
    /// <inheritdoc/>
    public int Vocabulary => _ends.Vocabulary;
    /// <summary>Positions of the longest source: the width of a row of <see cref="Attention"/>.</summary>
    public int SourceSteps { get; }
    /// <inheritdoc/>
    public ReadOnlySpan<T> Logits => _ends.Logits;

    /// <summary>The last step's attention weights [Rows, SourceSteps] on the host, or null when they were not asked for or the decoder
    /// has none (<see cref="Seq2Seq{T}.AttentionState"/>).</summary>
    public T[]? Attention => _attention >= 0 ? _attentionHost : null;

    /// <inheritdoc/>
    public void Step(int[] tokens)
    {
        _decoder.Step(_ends.Embed(tokens));
        _ends.Project(_decoder.Output());
        if (_attention >= 0) _decoder.Layer(0).State(_attention).View.CopyToCPU(_attentionHost);
    }

    /// <inheritdoc/>
    public void Reorder(int[] rows) => _decoder.Reorder(rows);

    /// <summary>Frees the stepper's buffers.</summary>
    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
        _owned.Clear();
    }
}
