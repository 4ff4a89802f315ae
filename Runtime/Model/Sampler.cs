using System;
using System.Linq;
using System.Text;

namespace Recur;

/// <summary>How to pick the next character: temperature (≤ 0: greedy), top-k (0: all) and top-p nucleus (1: all).</summary>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0, double TopP = 1.0)
{
    public void Validate()
    {
        if (double.IsNaN(Temperature)) throw new ArgumentException("Temperature must be a number.");
        if (TopK < 0) throw new ArgumentException($"top-k must be 0 (off) or positive, not {TopK}.");
        if (TopP is <= 0 or > 1) throw new ArgumentException($"top-p must be in (0, 1], not {TopP}.");
    }
}

/// <summary>Generates text from a character model, one character at a time with the state carried (inference: no activations kept).
/// Generation starts on a fresh line: a newline (when the vocabulary has one) is fed before the prompt, unshown. Truncated BPTT
/// carries the state across windows, so a model almost never sees the zero state in training, and from it the first characters
/// of a prompt would be read poorly.</summary>
public static class Sampler
{
    public static string Generate(CharModel model, string vocabulary, string prompt, int length, SamplingOptions options, Rng rng)
    {
        options.Validate();
        var primer = vocabulary.Contains('\n') ? "\n" : "";
        var ids = (primer + prompt).Select(c => vocabulary.IndexOf(c) is var i and >= 0 ? i
            : throw new ArgumentException($"The prompt's character {CharData.Describe(c)} is not in the model's vocabulary.")).ToArray();
        var saved = model.TakeState();
        try
        {
            var sb = new StringBuilder(prompt);
            if (ids.Length == 0) throw new ArgumentException("Give a prompt: the vocabulary has no newline to start from.");
            var logits = model.NextLogits(ids, ids.Length, 1);
            for (int n = 0; n < length; n++)
            {
                int next = Pick(logits, options, rng);
                sb.Append(vocabulary[next]);
                logits = model.NextLogits(new[] { next }, 1, 1);
            }
            return sb.ToString();
        }
        finally
        {
            model.RestoreState(saved);
        }
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
