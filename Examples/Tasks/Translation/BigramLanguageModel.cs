using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>A target-side bigram language model with interpolated Kneser–Ney smoothing (Chen and Goodman 1998, absolute discount D):
/// p(w | v) = max(c(v w) − D, 0) / c(v) + D · N₁₊(v •) / c(v) · p_cont(w), with p_cont(w) = (N₁₊(• w) + 1) / (N₁₊(• •) + V) (add-one on
/// continuations, so no word has probability zero) and p(w | v) = p_cont(w) for a context never seen. Sentences start with
/// &lt;s&gt; and end with &lt;/s&gt;. Built in one pass over the training targets — enough for MMI's "is this a bland, likely-anywhere
/// start" question; any <see cref="ITokenLanguageModel"/> (a recurrent one) can take its place.</summary>
public sealed class BigramLanguageModel : ITokenLanguageModel
{
    private readonly Dictionary<(int, int), int> _pairs = new();
    private readonly int[] _contextCount, _followers, _precedents;
    private readonly long _pairTypes;

    /// <summary>Counts the bigrams of <paramref name="sentences"/> (ids below <paramref name="vocab"/>, each framed by &lt;s&gt; and &lt;/s&gt;) for interpolated Kneser–Ney with absolute <paramref name="discount"/>.</summary>
    public BigramLanguageModel(IEnumerable<int[]> sentences, int vocab, double discount = 0.75)
    {
        if (vocab < Tokens.Specials) throw new ArgumentOutOfRangeException(nameof(vocab), $"A vocabulary holds at least the {Tokens.Specials} special tokens, not {vocab}.");
        if (!(discount > 0 && discount < 1)) throw new ArgumentOutOfRangeException(nameof(discount), $"The discount is in (0, 1), not {discount}.");
        Vocab = vocab;
        Discount = discount;
        _contextCount = new int[vocab];
        _followers = new int[vocab];
        _precedents = new int[vocab];
        foreach (var s in sentences)
        {
            int previous = Tokens.Start;
            foreach (int w in s.Append(Tokens.End))
            {
                if ((uint)w >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(sentences), $"Token id {w} is outside the vocabulary of {vocab}.");
                _contextCount[previous]++;
                if (_pairs.TryGetValue((previous, w), out int c)) _pairs[(previous, w)] = c + 1;
                else
                {
                    _pairs[(previous, w)] = 1;
                    _followers[previous]++;
                    _precedents[w]++;
                    _pairTypes++;
                }
                previous = w;
            }
        }
    }

    /// <inheritdoc/>
    public int Vocab { get; }
    /// <summary>The absolute discount subtracted from each seen bigram's count.</summary>
    public double Discount { get; }

    /// <summary>p(<paramref name="word"/> | <paramref name="previous"/>) by interpolated Kneser–Ney; never 0.</summary>
    public double Probability(int previous, int word)
    {
        double cont = (_precedents[word] + 1.0) / (_pairTypes + Vocab);
        int c = _contextCount[previous];
        if (c == 0) return cont;
        return Math.Max(_pairs.GetValueOrDefault((previous, word)) - Discount, 0) / c + Discount * _followers[previous] / c * cont;
    }

    /// <inheritdoc/>
    public double[] LogProbabilities(IReadOnlyList<int> tokens, bool end = false)
    {
        var result = new double[tokens.Count + (end ? 1 : 0)];
        int previous = Tokens.Start;
        for (int k = 0; k < result.Length; k++)
        {
            int w = k < tokens.Count ? tokens[k] : Tokens.End;
            if ((uint)w >= (uint)Vocab) throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {w} is outside the vocabulary of {Vocab}.");
            result[k] = Math.Log(Probability(previous, w));
            previous = w;
        }
        return result;
    }
}
