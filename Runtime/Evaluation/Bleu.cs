using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Corpus BLEU (Papineni et al. 2002) of tokenized hypotheses against one or more references each: n-gram precisions up
/// to 4 clipped by the most any one reference holds, pooled over the corpus, their geometric mean, and the brevity penalty
/// exp(1 − r/c) when the hypotheses' total length c is below r, the sum of each sentence's closest reference length (the shorter on
/// a tie). No smoothing: a precision of zero makes BLEU zero, as in the original script. A hypothesis shorter than n adds nothing to
/// order n's counts (NLTK's corpus_bleu counts one there; on hypotheses of 4 tokens or more the two agree).</summary>
/// <param name="Score">BLEU in [0, 1].</param>
/// <param name="Precisions">The modified n-gram precisions, n = 1 to 4.</param>
/// <param name="BrevityPenalty">The brevity penalty.</param>
/// <param name="HypothesisLength">The hypotheses' total length c.</param>
/// <param name="ReferenceLength">The closest references' total length r.</param>
public sealed record BleuScore(double Score, double[] Precisions, double BrevityPenalty, long HypothesisLength, long ReferenceLength)
{
    /// <summary>BLEU × 100 with its parts, the way papers report it.</summary>
    public override string ToString() =>
        $"BLEU {Score * 100:F2} ({string.Join("/", Precisions.Select(p => (p * 100).ToString("F1")))}, BP {BrevityPenalty:F3}, {HypothesisLength}/{ReferenceLength} tokens)";
}

/// <summary>Corpus BLEU-4 as <see cref="BleuScore"/> describes it.</summary>
public static class Bleu
{
    /// <summary>The largest n-gram length.</summary>
    public const int Order = 4;

    /// <summary>Corpus BLEU of <paramref name="hypotheses"/> (token lists) against one or more references each, as a fraction in [0, 1] with its parts.</summary>
    public static BleuScore Corpus(IReadOnlyList<IReadOnlyList<string>> hypotheses, IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> references)
    {
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"{hypotheses.Count} hypotheses but {references.Count} reference lists; each hypothesis has its own.", nameof(references));
        var matches = new long[Order];
        var totals = new long[Order];
        long c = 0, r = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var hyp = hypotheses[i];
            var refs = references[i];
            if (refs.Count == 0) throw new ArgumentException($"Hypothesis {i} has no reference.", nameof(references));
            c += hyp.Count;
            r += refs.Select(x => x.Count).OrderBy(n => Math.Abs(n - hyp.Count)).ThenBy(n => n).First();
            for (int n = 1; n <= Order; n++)
            {
                var counts = NGrams(hyp, n);
                var most = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var reference in refs)
                    foreach (var (gram, count) in NGrams(reference, n))
                        most[gram] = Math.Max(most.GetValueOrDefault(gram), count);
                foreach (var (gram, count) in counts) matches[n - 1] += Math.Min(count, most.GetValueOrDefault(gram));
                totals[n - 1] += Math.Max(0, hyp.Count - n + 1);
            }
        }
        var precisions = matches.Zip(totals, (m, t) => t == 0 ? 0 : (double)m / t).ToArray();
        double bp = c == 0 ? 0 : c >= r ? 1 : Math.Exp(1 - (double)r / c);
        double score = precisions.Any(p => p == 0) ? 0 : bp * Math.Exp(precisions.Average(Math.Log));
        return new BleuScore(score, precisions, bp, c, r);
    }

    private static Dictionary<string, int> NGrams(IReadOnlyList<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            // Tokens hold no control characters (the tokenizer keeps letters, digits and marks), so \u0001 joins them unambiguously.
            var gram = string.Join('\u0001', Enumerable.Range(i, n).Select(k => tokens[k]));
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
