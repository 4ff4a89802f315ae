using System;
using System.Linq;
using Xunit;

using Recur.Examples.Tasks;

namespace Recur.Tests;

/// <summary>MMI-antiLM reranking changes an n-best list's order only through its documented score, and the bigram language model it
/// ships with is a distribution.</summary>
public class MmiTests
{
    private static readonly int[][] Targets = { new[] { 4, 5, 6 }, new[] { 4, 5, 7 }, new[] { 4, 8 }, new[] { 9, 5, 6 }, new[] { 4, 5, 6 } };
    private static BigramLanguageModel Lm() => new(Targets, 11);

    [Fact]
    public void The_bigram_model_is_a_distribution_over_the_vocabulary_in_every_context()
    {
        var lm = Lm();
        foreach (int v in Enumerable.Range(0, 11))
            Assert.Equal(1, Enumerable.Range(0, 11).Sum(w => lm.Probability(v, w)), 12);
        // A seen pair is likelier than an unseen one; the end token is scored when asked for.
        Assert.True(lm.Probability(4, 5) > lm.Probability(4, 9));
        Assert.Equal(4, lm.LogProbabilities(new[] { 4, 5, 6 }, end: true).Length);
        Assert.Contains("outside the vocabulary of 11", Assert.Throws<ArgumentOutOfRangeException>(() => lm.LogProbabilities(new[] { 12 })).Message);
    }

    [Fact]
    public void Reranking_orders_by_log_p_minus_lambda_log_u_plus_gamma_length()
    {
        var lm = Lm();
        var nbest = new[]
        {
            new Hypothesis(new[] { 4, 5, 6 }, -1.0, -0.5, Array.Empty<double>()),
            new Hypothesis(new[] { 9, 10 }, -1.4, -0.7, Array.Empty<double>()),
            new Hypothesis(new[] { 4, 8, 10, 10 }, -2.0, -0.9, Array.Empty<double>()),
            new Hypothesis(new[] { 9 }, -1.2, -1.1, Array.Empty<double>()),
        };
        // λ = γ = 0: log p(T|S) alone.
        Assert.Equal(nbest.OrderByDescending(h => h.LogProbability), MmiReranker.Rerank(nbest, lm, new MmiOptions(0, 0)).Select(p => p.Hypothesis));
        foreach (var o in new[] { new MmiOptions(0.5, 0), new MmiOptions(0.8, 0.3), new MmiOptions(1, 0.1, Threshold: 1), new MmiOptions(0.3, -0.2, Threshold: 2) })
        {
            double ByHand(Hypothesis h)
            {
                double u = 0;
                int previous = Tokens.Start;
                for (int k = 0; k < Math.Min(h.Tokens.Length, o.Threshold); k++) { u += Math.Log(lm.Probability(previous, h.Tokens[k])); previous = h.Tokens[k]; }
                return h.LogProbability - o.Lambda * u + o.Gamma * h.Tokens.Length;
            }
            var reranked = MmiReranker.Rerank(nbest, lm, o);
            Assert.Equal(nbest.OrderByDescending(ByHand), reranked.Select(p => p.Hypothesis));
            foreach (var (h, score) in reranked) Assert.Equal(ByHand(h), score, 12);
        }
        // The likely-anywhere start (4 5 6 is common in the targets) loses to a rarer one as λ grows.
        Assert.Same(nbest[0], MmiReranker.Rerank(nbest, lm, new MmiOptions(0.02)).First().Hypothesis);
        Assert.NotSame(nbest[0], MmiReranker.Rerank(nbest, lm, new MmiOptions(1)).First().Hypothesis);
        Assert.Throws<ArgumentOutOfRangeException>(() => MmiReranker.Rerank(nbest, lm, new MmiOptions(-1)));
    }
}
