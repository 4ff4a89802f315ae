using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.Examples.Tasks;

/// <summary>Subword units by byte-pair encoding (Sennrich, Haddow and Birch 2016): each word starts as its characters, the last one
/// marked as ending the word, and the most frequent adjacent pair of symbols over the training words is merged into one, again and
/// again. A word the training side never held still splits into known pieces, so a model can read and write it instead of
/// &lt;unk&gt;. Pieces that do not end their word carry <see cref="Joiner"/> (<c>lis@@ ait</c>), as subword-nmt writes them, so
/// joining is exact.</summary>
/// <remarks>Written here rather than taken from a library: Microsoft.ML.Tokenizers and the Hugging Face wrappers apply a learned BPE
/// model but do not learn one from a corpus, and learning is the short part of it.</remarks>
public sealed class BytePairEncoding
{
    /// <summary>The mark on a piece that the next piece continues.</summary>
    public const string Joiner = "@@";
    private const string WordEnd = "</w>";

    private readonly Dictionary<(string, string), int> _rank = new();
    // Words already split; translation and training may split on different threads.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);

    /// <summary>A byte-pair encoding that applies <paramref name="merges"/> in order (as <see cref="Merges"/> gives them, e.g. from a checkpoint).</summary>
    public BytePairEncoding(IReadOnlyList<(string Left, string Right)> merges)
    {
        Merges = merges.ToArray();
        for (int i = 0; i < Merges.Count; i++)
            if (!_rank.TryAdd(Merges[i], i)) throw new ArgumentException($"The merge '{Merges[i].Left} {Merges[i].Right}' is listed twice.", nameof(merges));
    }

    /// <summary>The merges in the order they were learned (and are applied).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>Learns up to <paramref name="merges"/> merges from the words of <paramref name="sentences"/>; ties go to the pair that
    /// sorts first, so the result is the same on every machine.</summary>
    public static BytePairEncoding Learn(IEnumerable<string[]> sentences, int merges)
    {
        if (merges < 1) throw new ArgumentOutOfRangeException(nameof(merges), $"Learn at least one merge, not {merges}.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var w in sentences.SelectMany(s => s)) counts[w] = counts.GetValueOrDefault(w) + 1;
        var words = counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (Symbols: Characters(p.Key), Count: p.Value)).ToList();
        // How often each adjacent pair occurs, and in which words: a merge recounts only the words that hold its pair.
        var pairs = new Dictionary<(string, string), int>();
        var holders = new Dictionary<(string, string), HashSet<int>>();
        void Count(int w, int sign)
        {
            var (symbols, count) = words[w];
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = (symbols[i], symbols[i + 1]);
                pairs[pair] = pairs.GetValueOrDefault(pair) + sign * count;
                if (sign > 0) (holders.TryGetValue(pair, out var set) ? set : holders[pair] = new HashSet<int>()).Add(w);
            }
        }
        for (int w = 0; w < words.Count; w++) Count(w, +1);
        var learned = new List<(string, string)>();
        while (learned.Count < merges)
        {
            (string, string) best = default;
            int bestCount = 1;
            foreach (var (pair, n) in pairs)
                if (n > bestCount || (n == bestCount && bestCount > 1 && Before(pair, best))) (best, bestCount) = (pair, n);
            // A pair seen once merges nothing that generalises.
            if (bestCount < 2) break;
            learned.Add(best);
            foreach (int w in holders[best].ToList())
            {
                Count(w, -1);
                words[w] = (Merge(words[w].Symbols, best), words[w].Count);
                Count(w, +1);
            }
            pairs.Remove(best);
        }
        return new BytePairEncoding(learned);
    }

    private static bool Before((string, string) a, (string, string) b)
    {
        int c = string.CompareOrdinal(a.Item1, b.Item1);
        return c < 0 || (c == 0 && string.CompareOrdinal(a.Item2, b.Item2) < 0);
    }

    /// <summary>The letters of <paramref name="word"/> (text elements: a letter and its combining accents are one).</summary>
    internal static IEnumerable<string> Letters(string word)
    {
        var e = System.Globalization.StringInfo.GetTextElementEnumerator(word);
        while (e.MoveNext()) yield return e.GetTextElement();
    }

    private static List<string> Characters(string word)
    {
        var symbols = Letters(word).ToList();
        symbols[^1] += WordEnd;
        return symbols;
    }

    private static List<string> Merge(List<string> symbols, (string Left, string Right) pair)
    {
        var merged = new List<string>(symbols.Count);
        for (int i = 0; i < symbols.Count; i++)
        {
            if (i + 1 < symbols.Count && symbols[i] == pair.Left && symbols[i + 1] == pair.Right)
            {
                merged.Add(pair.Left + pair.Right);
                i++;
            }
            else merged.Add(symbols[i]);
        }
        return merged;
    }

    /// <summary>The pieces of <paramref name="words"/>, each word's merged as it was learned (the earliest-learned pair first).</summary>
    public string[] Split(IEnumerable<string> words) => words.SelectMany(Pieces).ToArray();

    private string[] Pieces(string word)
    {
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var symbols = Characters(word);
        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < symbols.Count; i++)
                if (_rank.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank) (bestRank, at) = (r, i);
            if (at < 0) break;
            symbols = Merge(symbols, Merges[bestRank]);
        }
        var pieces = symbols.Select(s => s.EndsWith(WordEnd, StringComparison.Ordinal) ? s[..^WordEnd.Length] : s + Joiner).ToArray();
        return _cache[word] = pieces;
    }

    /// <summary>Words from pieces: a piece ending in <see cref="Joiner"/> joins the next (a dangling one at the end stands alone).</summary>
    public static string[] Join(IEnumerable<string> pieces)
    {
        var words = new List<string>();
        string open = "";
        foreach (var p in pieces)
        {
            if (p.EndsWith(Joiner, StringComparison.Ordinal) && p.Length > Joiner.Length) open += p[..^Joiner.Length];
            else
            {
                words.Add(open + p);
                open = "";
            }
        }
        if (open.Length > 0) words.Add(open);
        return words.ToArray();
    }
}
