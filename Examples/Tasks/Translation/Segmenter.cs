using System.Collections.Generic;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>How one side's text becomes the units its model reads or writes, and back: the words of <see cref="WordTokenizer"/>, or
/// those words split into subword pieces by a <see cref="BytePairEncoding"/>.</summary>
public sealed class Segmenter
{
    private Segmenter(BytePairEncoding? bpe) => Bpe = bpe;

    /// <summary>Units are words.</summary>
    public static Segmenter ByWords { get; } = new(null);

    /// <summary>Units are the pieces <paramref name="bpe"/> splits words into.</summary>
    public static Segmenter BySubwords(BytePairEncoding bpe) => new(bpe);

    /// <summary>The subword model (null: units are words).</summary>
    public BytePairEncoding? Bpe { get; }

    /// <summary>The units of <paramref name="text"/>.</summary>
    public string[] Units(string text) => Units(WordTokenizer.Tokenize(text));

    /// <summary>The units of already tokenized <paramref name="words"/>.</summary>
    public string[] Units(string[] words) => Bpe?.Split(words) ?? words;

    /// <summary>The words <paramref name="units"/> spell.</summary>
    public string[] Words(IEnumerable<string> units) => Bpe is null ? units.ToArray() : BytePairEncoding.Join(units);

    /// <summary>For subwords, every letter of <paramref name="words"/> seen at least <paramref name="minCount"/> times as a piece
    /// that ends a word and as one that does not, so that any word of those letters can be spelled whatever the training side's
    /// words happened to merge into (as subword-nmt's vocabularies hold every character); for words, none.</summary>
    public IEnumerable<string> Letters(IEnumerable<string> words, int minCount)
    {
        if (Bpe is null) return Enumerable.Empty<string>();
        var counts = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var letter in words.SelectMany(BytePairEncoding.Letters)) counts[letter] = counts.GetValueOrDefault(letter) + 1;
        return counts.Where(p => p.Value >= minCount).OrderBy(p => p.Key, System.StringComparer.Ordinal).SelectMany(p => new[] { p.Key, p.Key + BytePairEncoding.Joiner });
    }

    /// <summary>The merges as a checkpoint keeps them, one <c>"left right"</c> string each (null for words).</summary>
    public string[]? Save() => Bpe?.Merges.Select(m => m.Left + " " + m.Right).ToArray();

    /// <summary>The segmenter <see cref="Save"/> wrote (null: words).</summary>
    public static Segmenter Load(string[]? merges) => merges is null ? ByWords
        : BySubwords(new BytePairEncoding(merges.Select(m => m.Split(' ') is [var l, var r] ? (l, r)
            : throw new System.IO.InvalidDataException($"A byte-pair merge is two symbols separated by a space, not '{m}'.")).ToList()));
}
