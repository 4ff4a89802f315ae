using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>Words by id: the special tokens (<see cref="Tokens"/>) first, then words by falling frequency. A word it does not hold
/// reads as <c>&lt;unk&gt;</c>.</summary>
public sealed class Vocabulary
{
    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;

    /// <summary>The vocabulary of <paramref name="words"/>.</summary>
    /// <param name="words">Every word in id order, the special tokens first (as <see cref="Words"/> gives them, e.g. from a checkpoint).</param>
    public Vocabulary(IReadOnlyList<string> words)
    {
        if (words.Count < Tokens.Specials || !words.Take(Tokens.Specials).SequenceEqual(Tokens.Names))
            throw new ArgumentException($"A vocabulary starts with the special tokens {string.Join(" ", Tokens.Names)}.", nameof(words));
        _words = words.ToArray();
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _words.Length; i++)
            if (!_ids.TryAdd(_words[i], i)) throw new ArgumentException($"The word '{_words[i]}' is in the vocabulary twice.", nameof(words));
    }

    /// <summary>The words seen at least <paramref name="minCount"/> times (most frequent first, ties in first-seen order), then those
    /// of <paramref name="always"/> not among them.</summary>
    public static Vocabulary Build(IEnumerable<string[]> sentences, int minCount = 2, IEnumerable<string>? always = null)
    {
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        foreach (var w in sentences.SelectMany(s => s))
            counts[w] = counts.TryGetValue(w, out var c) ? (c.Count + 1, c.First) : (1, counts.Count);
        var kept = counts.Where(p => p.Value.Count >= minCount && !Tokens.Names.Contains(p.Key))
            .OrderByDescending(p => p.Value.Count).ThenBy(p => p.Value.First).Select(p => p.Key);
        var words = Tokens.Names.Concat(kept).ToList();
        var held = words.ToHashSet(StringComparer.Ordinal);
        foreach (var w in always ?? Enumerable.Empty<string>())
            if (held.Add(w)) words.Add(w);
        return new Vocabulary(words);
    }

    /// <summary>The number of words, special tokens included.</summary>
    public int Count => _words.Length;
    /// <summary>The words in id order.</summary>
    public IReadOnlyList<string> Words => _words;
    /// <summary>The word with id <paramref name="id"/>.</summary>
    public string this[int id] => _words[id];
    /// <summary>The id of <paramref name="word"/>, or <see cref="Tokens.Unknown"/> for a word it lacks.</summary>
    public int Id(string word) => _ids.TryGetValue(word, out var id) ? id : Tokens.Unknown;
    /// <summary>True when the vocabulary holds <paramref name="word"/>.</summary>
    public bool Contains(string word) => _ids.ContainsKey(word);
    /// <summary>The ids of <paramref name="tokens"/> (unknown words as <see cref="Tokens.Unknown"/>).</summary>
    public int[] Encode(IEnumerable<string> tokens) => tokens.Select(Id).ToArray();

    /// <summary>Words for ids, up to the first end token.</summary>
    public string[] Decode(IEnumerable<int> ids) => ids.TakeWhile(i => i != Tokens.End).Select(i => _words[i]).ToArray();
}
