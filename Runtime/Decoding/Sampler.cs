using System;
using System.Linq;

namespace Recur;

/// <summary>How to pick the next token: temperature (≤ 0: greedy), top-k (0: all) and top-p nucleus (1: all).</summary>
/// <param name="Temperature">Divides the logits; ≤ 0 picks the most likely token.</param>
/// <param name="TopK">Draw among the k most likely tokens only (0: all).</param>
/// <param name="TopP">Draw among the smallest set of tokens whose probabilities sum to at least p (1: all).</param>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0, double TopP = 1.0)
{
    /// <summary>Throws <see cref="System.ArgumentException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (double.IsNaN(Temperature)) throw new ArgumentException("Temperature must be a number.");
        if (TopK < 0) throw new ArgumentException($"top-k must be 0 (off) or positive, not {TopK}.");
        if (TopP is <= 0 or > 1) throw new ArgumentException($"top-p must be in (0, 1], not {TopP}.");
    }
}

/// <summary>Sampling from a model's next-token logits.</summary>
public static class Sampler
{
    /// <summary>Draws an index from the whole softmax of <paramref name="logits"/> at <paramref name="temperature"/> (&gt; 0) by the inverse
    /// of its cumulative distribution, using <paramref name="scratch"/> (at least as long) instead of allocating.</summary>
    public static int Draw(ReadOnlySpan<float> logits, double temperature, double[] scratch, Rng rng)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double total = 0;
        for (int i = 0; i < logits.Length; i++) total += scratch[i] = Math.Exp((logits[i] - max) / temperature);
        double u = rng.NextDouble() * total;
        for (int i = 0; i < logits.Length; i++)
        {
            u -= scratch[i];
            if (u <= 0) return i;
        }
        return logits.Length - 1;
    }

    /// <summary>Samples an index from logits under the options (deterministic for a given generator state).</summary>
    public static int Pick(float[] logits, SamplingOptions o, Rng rng)
    {
        if (o.Temperature <= 0) return Array.IndexOf(logits, logits.Max());
        double max = logits.Max();
        var p = logits.Select(l => Math.Exp((l - max) / o.Temperature)).ToArray();
        var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
        double total = p.Sum();
        int keep = o.TopK > 0 ? Math.Min(o.TopK, p.Length) : p.Length;
        if (o.TopP < 1)
        {
            double cumulative = 0;
            for (int k = 0; k < keep; k++)
            {
                cumulative += p[order[k]] / total;
                if (cumulative >= o.TopP) { keep = k + 1; break; }
            }
        }
        double kept = 0;
        for (int k = 0; k < keep; k++) kept += p[order[k]];
        double u = rng.NextDouble() * kept;
        for (int k = 0; k < keep; k++)
        {
            u -= p[order[k]];
            if (u <= 0) return order[k];
        }
        return order[keep - 1];
    }
}
