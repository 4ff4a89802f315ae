using System;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A language model run one token per row at a time in inference, as generation and decoding run it: feed every row's token
/// with <see cref="Step"/>, read every row's logits, and for beam search <see cref="Reorder"/> the rows. Both models give one
/// (<see cref="CharModel.Start(int)"/>, <see cref="Seq2Seq{T}.Start(System.Collections.Generic.IReadOnlyList{int[]}, int, bool)"/>); every buffer is made when it starts, so stepping allocates
/// nothing.</summary>
public interface ITokenStepper<T> : IDisposable where T : unmanaged
{
    /// <summary>Rows stepped together.</summary>
    int Rows { get; }

    /// <summary>Tokens in the vocabulary: the width of a row of <see cref="Logits"/>.</summary>
    int Vocabulary { get; }

    /// <summary>Reads <paramref name="tokens"/> (one per row) and runs one step; <see cref="Logits"/> then holds the next token's logits.</summary>
    void Step(int[] tokens);

    /// <summary>The last step's logits [Rows, Vocabulary] on the host (one buffer, overwritten by the next step).</summary>
    ReadOnlySpan<T> Logits { get; }

    /// <summary>Row r takes what row <paramref name="rows"/>[r] held (beam search keeping its best hypotheses).</summary>
    void Reorder(int[] rows);
}

/// <summary>The ends every token stepper shares: the step's token ids on the device, their embeddings, and the output layer's logits
/// on the device and the host.</summary>
internal sealed class TokenEnds<T> : IDisposable where T : unmanaged
{
    private readonly Embedding<T> _embedding;
    private readonly Dense<T> _output;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _ids;
    private readonly Tensor<T> _embedded, _logits;
    private readonly T[] _host;

    public TokenEnds(Embedding<T> embedding, Dense<T> output, int rows)
    {
        _embedding = embedding;
        _output = output;
        var device = embedding.Device!;
        _ids = device.Allocate<int>(rows);
        _embedded = Tensor<T>.Rent(device, false, rows, embedding.Features);
        _logits = Tensor<T>.Rent(device, false, rows, output.Outputs);
        _host = new T[rows * output.Outputs];
        Rows = rows;
    }

    public int Rows { get; }
    public int Vocabulary => _output.Outputs;
    public ReadOnlySpan<T> Logits => _host;

    /// <summary>The embeddings [Rows, E] of <paramref name="tokens"/>, checked against the vocabulary.</summary>
    public Tensor<T> Embed(int[] tokens)
    {
        if (tokens.Length != Rows) throw new ArgumentException($"A step reads one token per row ({Rows}), not {tokens.Length}.", nameof(tokens));
        foreach (var t in tokens)
            if ((uint)t >= (uint)_embedding.Vocabulary) throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {t} is outside the vocabulary of {_embedding.Vocabulary}.");
        _ids.View.CopyFromCPU(tokens);
        _embedding.Gather(_ids.View, Rows, _embedded);
        return _embedded;
    }

    /// <summary>The output layer over <paramref name="x"/> [Rows, H], copied to the host's <see cref="Logits"/>.</summary>
    public void Project(Tensor<T> x)
    {
        _output.Apply(x, _logits);
        _logits.View.CopyToCPU(_host);
    }

    public void Dispose()
    {
        _ids.Dispose();
        _embedded.Dispose();
        _logits.Dispose();
    }
}
