using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

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
/// the generated cells' inference kernels, every buffer made before the first step. The attention weights (the first decoder layer's
/// state over the source's positions, <c>A</c> in the shipped cells) give the coverage.</summary>
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
        using var run = new Run(_model, sources, 1, attention: false);
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
        using var run = new Run(_model, sources, k, attention: true);
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
            int a = AttentionState(_model);
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

    /// <summary>The decoder stack's state index of the first layer's attention weights (its state over the source's positions), or -1.</summary>
    internal static int AttentionState(Seq2Seq<T> model)
    {
        var spec = model.DecoderLayers[0].Spec;
        return Array.FindIndex(spec.States, s => spec.IsSeqDim(s.Dim) && s.Name == "A") is var i and >= 0 ? i
            : Array.FindIndex(spec.States, s => spec.IsSeqDim(s.Dim));
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

    /// <summary>One decoding run: the sources encoded once, each row repeated <c>copies</c> times (beam hypotheses), a stepper per
    /// decoder layer, and the buffers of a step (token ids, embeddings, logits on the device and on the host).</summary>
    private sealed class Run : IDisposable
    {
        private readonly Seq2Seq<T> _model;
        private readonly RnnStepper<T>[] _steppers;
        private readonly MemoryBuffer1D<int, Stride1D.Dense> _ids;
        private readonly Tensor<T> _embedded, _logits;
        private readonly T[] _host, _attentionHost;
        private readonly int _attention;
        private readonly List<IDisposable> _owned = new();

        /// <param name="attention">Whether each step copies the attention weights to the host (beam search's coverage).</param>
        public Run(Seq2Seq<T> model, IReadOnlyList<int[]> sources, int copies, bool attention)
        {
            if (sources.Count == 0) throw new ArgumentException("Give at least one source sentence.", nameof(sources));
            for (int i = 0; i < sources.Count; i++)
            {
                if (sources[i].Length == 0) throw new ArgumentException($"Source {i} is empty; a sentence to translate has at least one token.", nameof(sources));
                foreach (var id in sources[i])
                    if ((uint)id >= (uint)model.Config.SourceVocab) throw new ArgumentOutOfRangeException(nameof(sources), $"Source {i} holds id {id}, outside the source vocabulary of {model.Config.SourceVocab}.");
            }
            _model = model;
            var device = model.Device!;
            int n = sources.Count, rows = n * copies, steps = sources.Max(s => s.Length);
            SourceSteps = steps;
            var ids = new int[steps * n];
            for (int r = 0; r < n; r++)
                for (int t = 0; t < sources[r].Length; t++) ids[t * n + r] = sources[r][t];
            var lengths = sources.Select(s => s.Length).ToArray();
            var ops = device.Ops<T>();
            using var tape = new Tape(training: false);
            var encoded = model.Encode(tape, ids, steps, n, lengths);
            // Every source row repeated for its hypotheses: memories, lengths and initial states.
            var repeat = Enumerable.Range(0, rows).Select(r => r / copies).ToArray();
            _ids = device.Allocate<int>(rows);
            _ids.View.CopyFromCPU(repeat);
            Tensor<T> Repeat(Tensor<T> x)
            {
                int width = (int)(x.Length / n);
                var y = Tensor<T>.Rent(device, false, new[] { rows }.Concat(x.Shape.Skip(1)).ToArray());
                ops.Gather(x.View, width, _ids.View, rows, y.View);
                _owned.Add(y);
                return y;
            }
            var memory = Repeat(encoded.Memory.Value);
            var memoryLengths = repeat.Select(r => lengths[r]).ToArray();
            var layers = model.DecoderLayers;
            _steppers = new RnnStepper<T>[layers.Count];
            int at = 0;
            for (int k = 0; k < layers.Count; k++)
            {
                var states = encoded.DecoderState.Skip(at).Take(layers[k].StateCount).Select(s => Repeat(s.Value)).ToArray();
                at += layers[k].StateCount;
                bool attends = layers[k].Spec.Memories is { Length: > 0 };
                _steppers[k] = layers[k].Start(rows, states, attends ? new[] { memory } : null, attends ? new[] { memoryLengths } : null);
                _owned.Add(_steppers[k]);
            }
            _embedded = Tensor<T>.Rent(device, false, rows, model.Config.Embed);
            _logits = Tensor<T>.Rent(device, false, rows, model.Config.TargetVocab);
            _owned.Add(_embedded);
            _owned.Add(_logits);
            _host = new T[rows * model.Config.TargetVocab];
            _attention = attention ? AttentionState(model) : -1;
            _attentionHost = _attention >= 0 ? new T[rows * steps] : Array.Empty<T>();
            Rows = rows;
        }

        public int Rows { get; }
        public int SourceSteps { get; }

        /// <summary>The last step's logits [rows, V] on the host (a buffer reused by every step).</summary>
        public ReadOnlySpan<T> Logits => _host;

        /// <summary>The last step's attention weights [rows, S] on the host, or null when the decoder reports none.</summary>
        public T[]? Attention => _attention >= 0 ? _attentionHost : null;

        public void Step(int[] tokens)
        {
            var device = _model.Device!;
            var ops = device.Ops<T>();
            _ids.View.CopyFromCPU(tokens);
            ops.Gather(_model.TargetEmbedding.Weight.Value, _model.Config.Embed, _ids.View, Rows, _embedded.View);
            var x = _embedded;
            foreach (var stepper in _steppers)
            {
                stepper.Step(x);
                x = stepper.Output;
            }
            var output = _model.Output;
            int hidden = x.Shape[1], vocab = _model.Config.TargetVocab;
            device.Gemm<T>().Run(false, true, Rows, vocab, hidden, Scalar<T>.One, x.View, hidden, output.Weight.Value, hidden, Scalar<T>.Zero, _logits.View, vocab);
            if (output.Bias is { } bias) ops.AddRowVector(_logits.View, Rows, vocab, bias.Value);
            _logits.View.CopyToCPU(_host);
            if (_attention >= 0) _steppers[0].State(_attention).View.CopyToCPU(_attentionHost);
        }

        public void Reorder(int[] rows)
        {
            foreach (var s in _steppers) s.Reorder(rows);
        }

        public void Dispose()
        {
            foreach (var o in _owned) o.Dispose();
            _ids.Dispose();
        }
    }
}
