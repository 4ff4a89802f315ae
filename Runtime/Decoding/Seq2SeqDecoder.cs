using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>How beam search ranks what it finds (Wu et al. 2016, §7): a finished hypothesis Y of source X scores
/// log P(Y|X) / lp(Y) + cp(X; Y), with lp(Y) = ((5 + |Y|) / 6)^α (|Y| counts the end token) and
/// cp(X; Y) = β · Σ_i log(min(Σ_j a_ij, 1)) over the source's positions i, a_ij being the attention on i at output step j.
/// <see cref="NBest"/> hypotheses are kept per source (at most <see cref="Width"/>).</summary>
/// <param name="Width">The beam's width: hypotheses kept per step.</param>
/// <param name="Alpha">α of the length penalty (0: none).</param>
/// <param name="Beta">β of the coverage penalty (0: none).</param>
/// <param name="NBest">Finished hypotheses returned per source.</param>
/// <param name="MaxLength">The longest output in tokens (null: twice the source's length plus 10).</param>
public sealed record BeamOptions(int Width = 5, double Alpha = 0.6, double Beta = 0, int NBest = 1, int? MaxLength = null)
{
    /// <summary>Throws <see cref="System.ArgumentException"/> naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (Width < 1) throw new ArgumentOutOfRangeException(nameof(Width), $"A beam is at least 1 wide, not {Width}.");
        if (NBest < 1 || NBest > Width) throw new ArgumentOutOfRangeException(nameof(NBest), $"An n-best list holds 1 to the beam's {Width} hypotheses, not {NBest}.");
        if (!(Alpha >= 0) || !(Beta >= 0)) throw new ArgumentOutOfRangeException(nameof(Alpha), $"α and β are non-negative, not {Alpha} and {Beta}.");
        if (MaxLength is < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), $"The longest output is at least 1 token, not {MaxLength}.");
    }

    /// <summary>GNMT's length penalty ((5 + length) / 6)^α (Wu et al. 2016).</summary>
    public double LengthPenalty(int length) => Math.Pow((5.0 + length) / 6.0, Alpha);

    /// <summary>β · Σ_i log(min(coverage_i, 1)).</summary>
    public double CoveragePenalty(IReadOnlyList<double> coverage) => Beta == 0 ? 0 : Beta * coverage.Sum(c => Math.Log(Math.Min(c, 1.0)));

    /// <summary>A hypothesis' beam score: its log-probability over <see cref="LengthPenalty"/> plus <see cref="CoveragePenalty"/>.</summary>
    public double Score(double logProbability, int length, IReadOnlyList<double> coverage) => logProbability / LengthPenalty(length) + CoveragePenalty(coverage);
}

/// <summary>A translation found by search: its tokens (without the end token), log P(tokens + end | source), its score under the
/// search's options, and the attention each source position received in total (for the coverage penalty; empty when the decoder
/// reports no attention weights).</summary>
/// <param name="Tokens">The output's token ids, without the end token.</param>
/// <param name="LogProbability">log P(tokens + end | source).</param>
/// <param name="Score">Its score under the search's options.</param>
/// <param name="Coverage">The attention each source position received in total.</param>
public sealed record Hypothesis(int[] Tokens, double LogProbability, double Score, double[] Coverage);

/// <summary>Decodes with a trained <see cref="Seq2Seq{T}"/>: greedy, sampling (temperature, top-k, top-p; set per call) and batched
/// beam search. The encoder runs once per batch of sources; the decoder then runs step by step on <see cref="RnnStepper{T}"/>s with
/// the generated cells' inference kernels, every buffer made before the first step (<see cref="Seq2Seq{T}.Start"/>); the decoder only
/// searches. The attention weights (<see cref="Seq2Seq{T}.AttentionState"/>) give the coverage.</summary>
public sealed class Seq2SeqDecoder<T> where T : unmanaged
{
    private readonly Seq2Seq<T> _model;

    /// <summary>A decoder for <paramref name="model"/>; it holds no state between calls.</summary>
    public Seq2SeqDecoder(Seq2Seq<T> model) => _model = model;

    /// <summary>The longest output for a source of this length when none is given: twice as long, plus ten.</summary>
    public static int DefaultMaxLength(int sourceLength) => 2 * sourceLength + 10;

    /// <summary>The most likely next token at every step, until the end token or the longest output.</summary>
    public List<int[]> Greedy(IReadOnlyList<int[]> sources, int? maxLength = null) => Sample(sources, new SamplingOptions(Temperature: 0), new Rng(0), maxLength);

    /// <summary>Draws every next token from the model under <paramref name="options"/> (temperature ≤ 0: greedy).</summary>
    public List<int[]> Sample(IReadOnlyList<int[]> sources, SamplingOptions options, Rng rng, int? maxLength = null)
    {
        options.Validate();
        using var run = _model.Start(sources, 1, attention: false);
        var outputs = sources.Select(_ => new List<int>()).ToArray();
        var done = new bool[sources.Count];
        var tokens = Enumerable.Repeat(Tokens.Start, sources.Count).ToArray();
        var row = new float[_model.Config.TargetVocab];
        int longest = sources.Max(s => maxLength ?? DefaultMaxLength(s.Length));
        for (int t = 0; t < longest && done.Contains(false); t++)
        {
            run.Step(tokens);
            for (int n = 0; n < sources.Count; n++)
            {
                if (done[n]) { tokens[n] = Tokens.End; continue; }
                var logits = run.Logits.Slice(n * row.Length, row.Length);
                int next;
                if (options.Temperature <= 0) next = ArgMax(logits);
                else
                {
                    for (int v = 0; v < row.Length; v++) row[v] = (float)Scalar<T>.ToDouble(logits[v]);
                    next = Sampler.Pick(row, options, rng);
                }
                tokens[n] = next;
                if (next == Tokens.End || outputs[n].Count + 1 >= (maxLength ?? DefaultMaxLength(sources[n].Length))) done[n] = true;
                if (next != Tokens.End) outputs[n].Add(next);
            }
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    /// <summary>Beam search over every source at once (rows = sources × width). Each step expands every live hypothesis by every
    /// token and keeps the 2·width best by log-probability; a hypothesis that ends among the width best is finished and scored with
    /// <see cref="BeamOptions.Score"/>, and the width best that do not end live on. A source is done when it has width finished
    /// hypotheses (or at its longest output, where the live ones end); its n-best list is its finished hypotheses by score. With width 1
    /// this is greedy decoding.</summary>
    public List<List<Hypothesis>> Beam(IReadOnlyList<int[]> sources, BeamOptions options)
    {
        options.Validate();
        int k = options.Width, n = sources.Count, vocab = _model.Config.TargetVocab;
        using var run = _model.Start(sources, k, attention: true);
        int rows = n * k;
        var score = new double[rows];
        var history = Enumerable.Range(0, rows).Select(_ => Array.Empty<int>()).ToArray();
        var coverage = Enumerable.Range(0, rows).Select(r => new double[sources[r / k].Length]).ToArray();
        for (int r = 0; r < rows; r++) score[r] = r % k == 0 ? 0 : double.NegativeInfinity;
        var finished = sources.Select(_ => new List<Hypothesis>()).ToArray();
        var done = new bool[n];
        var tokens = Enumerable.Repeat(Tokens.Start, rows).ToArray();
        var logp = new double[vocab];
        var candidates = new List<(double Score, int Row, int Token)>();
        var reorder = new int[rows];
        var nextScore = new double[rows];
        var nextHistory = new int[rows][];
        var nextCoverage = new double[rows][];
        int longest = sources.Max(s => options.MaxLength ?? DefaultMaxLength(s.Length));
        for (int t = 0; t <= longest && done.Contains(false); t++)
        {
            run.Step(tokens);
            var attention = run.Attention;
            for (int s = 0; s < n; s++)
            {
                int first = s * k;
                if (done[s])
                {
                    for (int i = 0; i < k; i++) { reorder[first + i] = first + i; nextScore[first + i] = double.NegativeInfinity; nextHistory[first + i] = history[first + i]; nextCoverage[first + i] = coverage[first + i]; }
                    continue;
                }
                int limit = options.MaxLength ?? DefaultMaxLength(sources[s].Length);
                bool last = t >= limit; // the longest output is reached: every live hypothesis ends here
                candidates.Clear();
                for (int i = 0; i < k; i++)
                {
                    int r = first + i;
                    if (double.IsNegativeInfinity(score[r])) continue;
                    LogSoftmax(run.Logits.Slice(r * vocab, vocab), logp);
                    if (attention is not null)
                        for (int p = 0; p < coverage[r].Length; p++) coverage[r][p] += Scalar<T>.ToDouble(attention[r * run.SourceSteps + p]);
                    if (last) { candidates.Add((score[r] + logp[Tokens.End], r, Tokens.End)); continue; }
                    TopCandidates(logp, score[r], r, 2 * k, candidates);
                }
                candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
                int live = 0;
                for (int c = 0; c < candidates.Count && (live < k || c < k); c++)
                {
                    var (cs, r, token) = candidates[c];
                    if (token == Tokens.End)
                    {
                        // An end counts when it ranks among the width best (at the longest output every hypothesis ends).
                        if (c < k || last)
                            finished[s].Add(new Hypothesis(history[r], cs, options.Score(cs, history[r].Length + 1, coverage[r]), (double[])coverage[r].Clone()));
                        continue;
                    }
                    if (live == k) continue;
                    int to = first + live++;
                    reorder[to] = r;
                    nextScore[to] = cs;
                    nextHistory[to] = Append(history[r], token);
                    nextCoverage[to] = (double[])coverage[r].Clone();
                }
                for (int i = live; i < k; i++) { reorder[first + i] = first; nextScore[first + i] = double.NegativeInfinity; nextHistory[first + i] = history[first]; nextCoverage[first + i] = coverage[first]; }
                if (finished[s].Count >= k || last || live == 0) done[s] = true;
            }
            for (int r = 0; r < rows; r++)
            {
                score[r] = nextScore[r];
                history[r] = nextHistory[r];
                coverage[r] = nextCoverage[r];
                tokens[r] = history[r].Length > 0 ? history[r][^1] : Tokens.Start;
            }
            run.Reorder(reorder);
        }
        return finished.Select(f => f.OrderByDescending(h => h.Score).Take(options.NBest).ToList()).ToList();
    }

    /// <summary>log P(target + end | source) of each given target by a teacher-forced pass, and the attention each source position got
    /// in total (empty without attention weights): what a beam's scores recompute from.</summary>
    public List<(double LogProbability, double[] Coverage)> Score(int[] source, IReadOnlyList<int[]> targets)
    {
        var result = new List<(double, double[])>();
        using var tape = new Tape(training: false);
        var encoded = _model.Encode(tape, source, source.Length, 1, new[] { source.Length });
        foreach (var target in targets)
        {
            var inputs = target.Prepend(Tokens.Start).ToArray();
            var y = _model.TargetEmbedding.Forward(tape, inputs, inputs.Length, 1);
            var decoded = _model.Decoder.Forward(y, encoded.DecoderState, null, stateSequences: true, new[] { new SequenceMemory<T>(encoded.Memory, encoded.Lengths) });
            var logits = _model.Output.Forward(decoded.Output).Value.ToArray();
            int vocab = _model.Config.TargetVocab;
            var logp = new double[vocab];
            double total = 0;
            var outputs = target.Append(Tokens.End).ToArray();
            for (int t = 0; t < outputs.Length; t++)
            {
                LogSoftmax(logits.AsSpan(t * vocab, vocab), logp);
                total += logp[outputs[t]];
            }
            var coverage = new double[source.Length];
            int a = _model.AttentionState;
            if (a >= 0)
            {
                var weights = decoded.States![a].Value.ToArray();
                for (int t = 0; t < outputs.Length; t++)
                    for (int p = 0; p < source.Length; p++) coverage[p] += Scalar<T>.ToDouble(weights[t * source.Length + p]);
            }
            result.Add((total, a >= 0 ? coverage : Array.Empty<double>()));
        }
        return result;
    }

    private static int[] Append(int[] tokens, int token)
    {
        var next = new int[tokens.Length + 1];
        tokens.CopyTo(next, 0);
        next[^1] = token;
        return next;
    }

    /// <summary>Adds the <paramref name="count"/> best expansions of row <paramref name="row"/> (log-probability so far plus the token's).</summary>
    private static void TopCandidates(double[] logp, double baseScore, int row, int count, List<(double Score, int Row, int Token)> into)
    {
        int start = into.Count;
        for (int v = 0; v < logp.Length; v++)
        {
            double s = baseScore + logp[v];
            if (into.Count - start < count) { into.Add((s, row, v)); if (into.Count - start == count) SortTail(into, start); continue; }
            if (s <= into[^1].Score) continue;
            into[^1] = (s, row, v);
            for (int i = into.Count - 1; i > start && into[i].Score > into[i - 1].Score; i--) (into[i], into[i - 1]) = (into[i - 1], into[i]);
        }
    }

    private static void SortTail(List<(double Score, int Row, int Token)> list, int start)
    {
        var tail = list.GetRange(start, list.Count - start).OrderByDescending(c => c.Score).ToList();
        for (int i = 0; i < tail.Count; i++) list[start + i] = tail[i];
    }

    /// <summary>The first index of the largest logit (greedy decoding), vectorized for float and double.</summary>
    private static int ArgMax(ReadOnlySpan<T> logits) =>
        typeof(T) == typeof(float) ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(logits))
        : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(logits));

    internal static void LogSoftmax(ReadOnlySpan<T> logits, double[] into)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++) max = Math.Max(max, Scalar<T>.ToDouble(logits[i]));
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(Scalar<T>.ToDouble(logits[i]) - max);
        double log = max + Math.Log(sum);
        for (int i = 0; i < logits.Length; i++) into[i] = Scalar<T>.ToDouble(logits[i]) - log;
    }
}
