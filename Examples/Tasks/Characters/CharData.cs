using System;
using System.IO;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>A text as character ids: the vocabulary (its distinct characters, sorted), and the training (first 90%) and
/// validation (last 10%) splits, as in the char-rnn tutorials.</summary>
public sealed class CharData
{
    /// <summary>Encodes <paramref name="text"/> over <paramref name="vocabulary"/> (null: the text's own characters, sorted) and holds out its last tenth for validation.</summary>
    public CharData(string text, string? vocabulary = null)
    {
        if (text.Length < 2) throw new ArgumentException("The text needs at least 2 characters.");
        Vocabulary = vocabulary ?? new string(text.Distinct().OrderBy(c => c).ToArray());
        var index = Vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!index.TryGetValue(text[i], out ids[i]))
                throw new ArgumentException($"Character {Describe(text[i])} at position {i} is not in the model's vocabulary of {Vocabulary.Length} characters.");
        }
        int split = (int)(text.Length * 0.9);
        Train = ids[..split];
        Validation = ids[split..];
    }

    /// <summary>Reads a UTF-8 text file (a clear error naming it when it is missing or empty) and encodes it as the constructor does.</summary>
    public static CharData Load(string path, string? vocabulary = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        var text = File.ReadAllText(path);
        if (text.Length == 0) throw new InvalidDataException($"Data file '{path}' is empty.");
        if (text.Length < 100) throw new InvalidDataException($"Data file '{path}' has only {text.Length} characters; a character model needs more text than that.");
        return new CharData(text, vocabulary);
    }

    /// <summary>The characters, in id order.</summary>
    public string Vocabulary { get; }
    /// <summary>The ids of the training text.</summary>
    public int[] Train { get; }
    /// <summary>The ids of the held-out validation text.</summary>
    public int[] Validation { get; }

    /// <summary>The id of character <paramref name="c"/>; an error naming it when the vocabulary lacks it.</summary>
    public int Id(char c) => Vocabulary.IndexOf(c) is var i and >= 0 ? i : throw new ArgumentException($"Character {Describe(c)} is not in the model's vocabulary.");

    private static string Describe(char c) => CharModel.Describe(c);
}

/// <summary>Windows over a split for truncated BPTT: the split is cut into <c>batch</c> contiguous streams, and window w holds
/// positions [w·seq, (w+1)·seq) of every stream, so the final state of one window is the right initial state of the next.</summary>
internal sealed class StreamBatches
{
    private readonly int[] _ids;
    private readonly int _firstStream;

    /// <param name="shard">In data-parallel training, this process's share of the <paramref name="batch"/> streams: the streams are
    /// cut as for the whole batch, and the windows hold only the shard's (null: all).</param>
    public StreamBatches(int[] ids, int seq, int batch, Shard? shard = null)
    {
        if (seq <= 0 || batch <= 0) throw new ArgumentException($"seq ({seq}) and batch ({batch}) must be positive.");
        StreamLength = (ids.Length - 1) / batch;
        if (StreamLength <= seq)
            throw new ArgumentException($"The text ({ids.Length} characters) is too short for {batch} streams of more than {seq} characters; lower --batch or --seq.");
        _ids = ids;
        Seq = seq;
        (_firstStream, Batch) = (shard ?? Shard.Whole).Rows(batch);
        Windows = (StreamLength - 1) / seq;
    }

    public int Seq { get; }
    /// <summary>Streams in a window: the whole batch, or the shard's part of it.</summary>
    public int Batch { get; }
    public int StreamLength { get; }
    /// <summary>Windows per epoch.</summary>
    public int Windows { get; }

    /// <summary>Inputs and next-character targets of the first <paramref name="length"/> steps (default: all) of window
    /// <paramref name="w"/>, time-major [length, batch].</summary>
    public (int[] Inputs, int[] Targets) Window(int w, int? length = null)
    {
        int steps = length ?? Seq;
        if (steps < 1 || steps > Seq) throw new ArgumentOutOfRangeException(nameof(length), $"A window holds 1 to {Seq} steps, not {steps}.");
        var x = new int[steps * Batch];
        var y = new int[steps * Batch];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < Batch; b++)
            {
                int at = (_firstStream + b) * StreamLength + w * Seq + t;
                x[t * Batch + b] = _ids[at];
                y[t * Batch + b] = _ids[at + 1];
            }
        return (x, y);
    }
}
