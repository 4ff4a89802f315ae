using System;
using System.Collections.Generic;
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
    public static int Pick(float[] logits, SamplingOptions o, Rng rng) => Pick(logits, o, rng, new SamplerScratch(logits.Length));

    /// <summary>The same, with the buffers of <paramref name="scratch"/> instead of new ones: generation calls it once a token
    /// without allocating. Candidates are ranked by probability, ties by index.</summary>
    public static int Pick(ReadOnlySpan<float> logits, SamplingOptions o, Rng rng, SamplerScratch scratch)
    {
        if (scratch.P.Length < logits.Length) throw new ArgumentException($"The scratch holds {scratch.P.Length} candidates, fewer than the {logits.Length} logits.", nameof(scratch));
        int n = logits.Length;
        if (o.Temperature <= 0) return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var p = scratch.P;
        var order = scratch.Order;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            total += p[i] = Math.Exp((logits[i] - max) / o.Temperature);
            order[i] = i;
        }
        Array.Sort(order, 0, n, scratch.ByProbability);
        int keep = o.TopK > 0 ? Math.Min(o.TopK, n) : n;
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

/// <summary>The buffers <see cref="Sampler.Pick(ReadOnlySpan{float}, SamplingOptions, Rng, SamplerScratch)"/> works in, for
/// vocabularies of up to <c>size</c> tokens.</summary>
public sealed class SamplerScratch
{
    /// <summary>Buffers for vocabularies of up to <paramref name="size"/> tokens.</summary>
    public SamplerScratch(int size)
    {
        P = new double[size];
        Order = new int[size];
        ByProbability = new Descending(P);
    }

    internal double[] P { get; }
    internal int[] Order { get; }
    internal IComparer<int> ByProbability { get; }

    /// <summary>Higher probability first; the lower index first among equals (the order a stable sort gives).</summary>
    private sealed class Descending(double[] p) : IComparer<int>
    {
        public int Compare(int a, int b) => p[a] != p[b] ? p[b].CompareTo(p[a]) : a.CompareTo(b);
    }
}
