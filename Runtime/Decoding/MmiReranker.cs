using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>A language model over token ids, as MMI reranking asks it: log p(t_k | &lt;s&gt; t_1 … t_{k−1}) for every token of a
/// sequence, and with <c>end</c> also for the end token after the last.</summary>
public interface ITokenLanguageModel
{
    /// <summary>The number of token ids the model knows.</summary>
    int Vocab { get; }
    /// <summary>log p(t_k | &lt;s&gt; t_1 … t_{k−1}) for each token of <paramref name="tokens"/>, and with <paramref name="end"/> one more entry for the end token.</summary>
    double[] LogProbabilities(IReadOnlyList<int> tokens, bool end = false);
}

/// <summary>MMI-antiLM's weights (Li et al. 2016, §4.2): λ on the language model's log-probability, γ per token of length bonus, and
/// the number of first tokens the language model judges (g(k) = 1 for k ≤ <see cref="Threshold"/>, 0 after: the first words decide
/// blandness, later ones are left to the translation model).</summary>
/// <param name="Lambda">λ, the weight of the language model's log-probability that is subtracted.</param>
/// <param name="Gamma">γ, the bonus per token of length.</param>
/// <param name="Threshold">How many first tokens the language model judges.</param>
public sealed record MmiOptions(double Lambda = 0.5, double Gamma = 0, int Threshold = int.MaxValue)
{
    /// <summary>Throws <see cref="System.ArgumentException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (!(Lambda >= 0) || !double.IsFinite(Gamma) || Threshold < 1)
            throw new ArgumentOutOfRangeException(nameof(Lambda), $"MMI takes λ ≥ 0, a finite γ and a threshold ≥ 1, not λ {Lambda}, γ {Gamma}, threshold {Threshold}.");
    }
}

/// <summary>Reranks an n-best list by MMI-antiLM (Li et al. 2016): score(T) = log p(T|S) − λ · log U(T) + γ · |T|, with
/// log U(T) = Σ_{k ≤ min(|T|, threshold)} log p_LM(t_k | t_&lt;k) from a target-side language model and |T| the tokens without the end
/// token. Translations a language model finds likely whatever the source ("je ne sais pas") lose to ones the source explains.
/// log p(T|S) is <see cref="Hypothesis.LogProbability"/> (not the beam's length-normalised score).</summary>
public static class MmiReranker
{
    /// <summary>The MMI-antiLM score of <paramref name="hypothesis"/>: log p(T|S) − λ · log U(T) + γ · |T|.</summary>
    public static double Score(Hypothesis hypothesis, ITokenLanguageModel lm, MmiOptions options)
    {
        var lmLog = lm.LogProbabilities(hypothesis.Tokens);
        double antiLm = lmLog.Take(Math.Min(options.Threshold, lmLog.Length)).Sum();
        return hypothesis.LogProbability - options.Lambda * antiLm + options.Gamma * hypothesis.Tokens.Length;
    }

    /// <summary>The n-best list by falling MMI score (ties keep the list's order), each with its score.</summary>
    public static List<(Hypothesis Hypothesis, double Score)> Rerank(IReadOnlyList<Hypothesis> nbest, ITokenLanguageModel lm, MmiOptions options)
    {
        options.Validate();
        return nbest.Select(h => (h, Score(h, lm, options))).OrderByDescending(p => p.Item2).ToList();
    }
}
