using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>The encoder–decoder as a whole: its gradients against finite differences in double (bridges, both directions' final
/// states into the decoder, state averaging, ragged sources and targets, label smoothing), stepping against the full forward pass,
/// and the decoders' promises (beam width 1 is greedy, n-best lists in score order with scores that recompute from the model,
/// nothing allocated per step).</summary>
public class Seq2SeqTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };

    // Three sources of lengths 3, 1, 2 (time-major, padded) and targets of 3, 1, 2 tokens (+ </s>).
    private static readonly int[] SourceIds = { 4, 5, 6, 7, 0, 8, 6, 0, 0 };
    private static readonly int[] SourceLengths = { 3, 1, 2 };
    private static readonly int[] TargetInputs = { 2, 2, 2, 4, 3, 5, 6, 0, 7, 5, 0, 0 };
    private static readonly int[] TargetOutputs = { 4, 3, 5, 6, -1, 7, 5, -1, 3, 3, -1, -1 };

    private static Seq2SeqConfig Small(string cell, string attention, int layers, double averaging = 0, bool every = false) =>
        new(SourceVocab: 9, TargetVocab: 8, cell, attention, Embed: 3, EncoderHidden: 3, DecoderHidden: 4, layers, Bidirectional: true,
            Dropout: 0.1, AttentionEveryLayer: every, StateAveraging: averaging);

    private static Var<double> Loss(Seq2Seq<double> model, Tape tape)
    {
        var source = model.Encode(tape, SourceIds, 3, 3, SourceLengths);
        var logits = model.Decode(tape, source, TargetInputs, 4, 3);
        return Losses.CrossEntropy(Ops.Reshape(logits, 12, logits.Features), TargetOutputs, ignoreIndex: -1, labelSmoothing: 0.1);
    }

    [Theory]
    [InlineData("cpu", "Gru", "bahdanau", 2, 0.0, false)]
    [InlineData("ilgpu-cpu", "Gru", "bahdanau", 2, 0.0, false)]
    [InlineData("cpu", "Lstm", "luong-general", 1, 0.4, false)]
    [InlineData("ilgpu-cpu", "Lstm", "luong-general", 1, 0.4, false)]
    [InlineData("cpu", "Gru", "luong-concat", 2, 0.3, true)]
    public void Every_gradient_of_the_encoder_decoder_matches_finite_differences(string device, string cell, string attention, int layers, double averaging, bool every)
    {
        var d = TestDevices.ByName(device);
        using var model = new Seq2Seq<double>(d, Small(cell, attention, layers, averaging, every), seed: 3);
        using (var tape = new Tape(training: false)) Loss(model, tape);
        TapeCheck.Jitter(model, 5);
        TapeCheck.Check(model, Array.Empty<Tensor<double>>(), (t, _) => Loss(model, t),
            // The padding rows of the embeddings get no gradient by design.
            skip: (name, i) => name is "source.weight" or "target.weight" && i / 3 == Tokens.Pad);
    }

    [Theory, MemberData(nameof(Devices))]
    public void State_averaging_hands_each_step_the_mix_of_the_mean_and_the_last_state(string device)
    {
        // A decoder without attention would do; the attention cell is the one state averaging is for, and its seq-dim states must
        // be left alone (only H is averaged here).
        var d = TestDevices.ByName(device);
        using var layer = CellCatalog.CreateAttention<double>("bahdanau", "Gru", d, 2, 3, seed: 4);
        layer.SetStateAveraging("H", 0.6);
        using var x = TapeCheck.Random(d, 1, 1, 4, 2, 2);
        using var memory = TapeCheck.Random(d, 2, 1, 2, 3, 5);
        var lengths = new[] { 3, 2 };
        using (var tape = new Tape()) layer.Forward(new[] { tape.Input(x) }, null, null, false, new[] { new SequenceMemory<double>(tape.Input(memory), lengths) });
        TapeCheck.Jitter(layer, 6);
        TapeCheck.Check(layer, new[] { x, memory }, (t, v) =>
        {
            var r = layer.Forward(new[] { v[0] }, null, null, false, new[] { new SequenceMemory<double>(v[1], lengths) });
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output, 8)), (1.0, TapeCheck.Mse(r.FinalState[0], 9)));
        }, skip: (name, i) => name == "input 1" && i / (3 * 5) == 1 && i % (3 * 5) / 5 >= 2);
    }

    [Fact]
    public void State_averaging_with_influence_one_hands_each_step_the_mean_of_the_states_so_far()
    {
        var d = TestDevices.Cpu;
        using var plain = new Rnn<Recur.Cells.Gru, double>(d, 2, 3, seed: 1);
        using var averaged = new Rnn<Recur.Cells.Gru, double>(d, 2, 3, seed: 1);
        averaged.SetStateAveraging("H", 1);
        using var x = TapeCheck.Random(d, 3, 1, 3, 1, 2);
        var xs = x.ToArray();
        // By hand: the step's new state h_t is replaced by the mean of h_1..h_t, which is what the step outputs and hands on.
        using var tape = new Tape(training: false);
        double[] Step(double[] input, double[] state) =>
            plain.Forward(Tensor<double>.FromArray(d, input, 1, 1, 2), new[] { Tensor<double>.FromArray(d, state, 1, 3) }, training: false).Output.ToArray();
        var h1 = Step(xs[0..2], new double[3]);
        var h2 = Step(xs[2..4], h1);
        var s2 = h1.Zip(h2, (a, b) => (a + b) / 2).ToArray();
        var h3 = Step(xs[4..6], s2);
        var s3 = h1.Select((a, i) => (a + h2[i] + h3[i]) / 3).ToArray();
        var all = averaged.Forward(x, training: false).Output.ToArray();
        Assert.Equal(h1.Concat(s2).Concat(s3).ToArray(), all, new Close(1e-12));
    }

    [Theory]
    [InlineData("cpu", 0.0)]
    [InlineData("ilgpu-cpu", 0.0)]
    [InlineData("cpu", 0.5)]
    public void Stepping_a_layer_gives_the_full_forward_passs_outputs(string device, double averaging)
    {
        var d = TestDevices.ByName(device);
        using var layer = CellCatalog.CreateAttention<double>("luong-dot", "Lstm", d, 3, 4, seed: 2);
        if (averaging > 0) { layer.SetStateAveraging("H", averaging); layer.SetStateAveraging("C", averaging); }
        using var x = TapeCheck.Random(d, 1, 1, 5, 2, 3);
        using var memory = TapeCheck.Random(d, 2, 1, 2, 4, 4);
        var lengths = new[] { 4, 2 };
        using var full = layer.Forward(new[] { x }, null, training: false, memories: new[] { memory }, memoryLengths: new[] { lengths });
        var expected = full.Output.ToArray();
        using var stepper = layer.Start(2, null, new[] { memory }, new[] { lengths });
        var xs = x.ToArray();
        for (int t = 0; t < 5; t++)
        {
            using var input = Tensor<double>.FromArray(d, xs[(t * 6)..((t + 1) * 6)], 2, 3);
            stepper.Step(input);
            Assert.Equal(expected[(t * 8)..((t + 1) * 8)], stepper.Output.ToArray(), new Close(1e-12));
        }
    }

    private static readonly Dictionary<Device, Seq2Seq<double>> TrainedModels = new();

    /// <summary>One trained model per shared test device (the tests only read it); on ILGPU's CPU accelerator, whose kernels run
    /// interpreted-slow, only a few steps (what is checked there does not need a good model).</summary>
    private static Seq2Seq<double> Trained(Device d)
    {
        lock (TrainedModels)
        {
            if (!TrainedModels.TryGetValue(d, out var model)) TrainedModels[d] = model = Train(d, d == TestDevices.Cpu ? 200 : 10);
            return model;
        }
    }

    private static Seq2Seq<double> Train(Device d, int steps)
    {
        // A model that has learnt to copy (shifted by 1) short sequences, so beams have something to choose between.
        var config = new Seq2SeqConfig(SourceVocab: 10, TargetVocab: 10, "Gru", "bahdanau", Embed: 8, EncoderHidden: 8, DecoderHidden: 12,
            Layers: 1, Bidirectional: true, Dropout: 0);
        var model = new Seq2Seq<double>(d, config, seed: 1);
        using var adam = new Adam<double>(model, 0.02);
        var rng = new Random(1);
        for (int step = 0; step < steps; step++)
        {
            int b = 8, s = 4;
            var lengths = Enumerable.Range(0, b).Select(_ => rng.Next(1, s + 1)).ToArray();
            var src = new int[s * b];
            var tin = new int[(s + 1) * b];
            var tout = Enumerable.Repeat(-1, (s + 1) * b).ToArray();
            for (int r = 0; r < b; r++)
            {
                tin[r] = Tokens.Start;
                for (int t = 0; t < lengths[r]; t++)
                {
                    int w = rng.Next(Tokens.Specials, 9);
                    src[t * b + r] = w;
                    tout[t * b + r] = w + 1;
                    tin[(t + 1) * b + r] = w + 1;
                }
                tout[lengths[r] * b + r] = Tokens.End;
            }
            model.ZeroGrad();
            using var tape = new Tape(training: true);
            var logits = model.Decode(tape, model.Encode(tape, src, s, b, lengths), tin, s + 1, b);
            tape.Backward(Losses.CrossEntropy(Ops.Reshape(logits, (s + 1) * b, 10), tout, ignoreIndex: -1));
            adam.Update();
        }
        return model;
    }

    private static readonly int[][] Sources = { new[] { 4, 5, 6 }, new[] { 7 }, new[] { 8, 4, 4, 5 } };

    [Theory, MemberData(nameof(Devices))]
    public void Beam_search_of_width_one_is_greedy_decoding(string device)
    {
        var d = TestDevices.ByName(device);
        var model = Trained(d);
        var decoder = new Seq2SeqDecoder<double>(model);
        var greedy = decoder.Greedy(Sources);
        var beam = decoder.Beam(Sources, new BeamOptions(Width: 1, Alpha: 0));
        Assert.Equal(greedy, beam.Select(b => b.Single().Tokens).ToList());
        // With a short limit neither ends by itself: both stop at the longest output.
        Assert.Equal(decoder.Greedy(Sources, maxLength: 2), decoder.Beam(Sources, new BeamOptions(Width: 1, MaxLength: 2)).Select(b => b.Single().Tokens).ToList());
        Assert.All(decoder.Greedy(Sources, maxLength: 2), g => Assert.True(g.Length <= 2));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.6, 0.0)]
    [InlineData(1.0, 0.3)]
    public void Beam_hypotheses_come_in_score_order_with_scores_that_recompute_from_the_model(double alpha, double beta)
    {
        var d = TestDevices.Cpu;
        var model = Trained(d);
        var decoder = new Seq2SeqDecoder<double>(model);
        var options = new BeamOptions(Width: 4, Alpha: alpha, Beta: beta, NBest: 4);
        var beams = decoder.Beam(Sources, options);
        for (int s = 0; s < Sources.Length; s++)
        {
            var list = beams[s];
            Assert.True(list.Count >= 2, $"source {s}: {list.Count} hypotheses");
            Assert.Equal(list.Select(h => h.Score).OrderByDescending(x => x), list.Select(h => h.Score));
            Assert.Equal(list.Count, list.Select(h => string.Join(",", h.Tokens)).Distinct().Count());
            var recomputed = decoder.Score(Sources[s], list.Select(h => h.Tokens).ToList());
            for (int i = 0; i < list.Count; i++)
            {
                Assert.Equal(recomputed[i].LogProbability, list[i].LogProbability, 9);
                Assert.Equal(recomputed[i].Coverage, list[i].Coverage, new Close(1e-9));
                Assert.Equal(options.Score(recomputed[i].LogProbability, list[i].Tokens.Length + 1, recomputed[i].Coverage), list[i].Score, 9);
            }
        }
        // The copy task is learnt: the best hypothesis is the shifted source.
        Assert.Equal(new[] { 5, 6, 7 }, beams[0][0].Tokens);
    }

    [Fact]
    public void Decoding_allocates_nothing_per_step()
    {
        var d = Device.Cpu(threads: 2);
        try
        {
            using var model = Train(d, 0);
            var decoder = new Seq2SeqDecoder<double>(model);
            // A decoding run makes its buffers when it starts (the same number however long it runs), none per step.
            long Allocations(Action decode)
            {
                long before = d.BuffersAllocated;
                decode();
                return d.BuffersAllocated - before;
            }
            Allocations(() => decoder.Beam(Sources, new BeamOptions(Width: 3, MaxLength: 2)));
            Allocations(() => decoder.Greedy(Sources, maxLength: 2));
            Assert.Equal(Allocations(() => decoder.Beam(Sources, new BeamOptions(Width: 3, MaxLength: 2))),
                Allocations(() => decoder.Beam(Sources, new BeamOptions(Width: 3, MaxLength: 30, Alpha: 0))));
            Assert.Equal(Allocations(() => decoder.Greedy(Sources, maxLength: 1)),
                Allocations(() => decoder.Sample(Sources, new SamplingOptions(Temperature: 2), new Rng(1), maxLength: 30)));
            Assert.Equal(0, d.Pool.InUse);
        }
        finally
        {
            d.Dispose();
        }
    }

    [Fact]
    public void Weights_start_uniform_within_one_over_root_fan_in_and_embeddings_normal()
    {
        var d = TestDevices.Cpu;
        using var model = new Seq2Seq<double>(d, Small("Gru", "bahdanau", 2) with { Embed = 16, EncoderHidden = 16, DecoderHidden = 24 }, seed: 2);
        foreach (var p in model.Parameters)
        {
            var v = (double[])p.Parameter.Read();
            if (p.Name is "source.weight" or "target.weight")
            {
                Assert.True(v.Max(Math.Abs) > 1, $"{p.Name}: an embedding keeps N(0, 1)");
                continue;
            }
            double limit = 1 / Math.Sqrt(p.Parameter.Shape.Length == 2 ? p.Parameter.Shape[1] : p.Parameter.Shape[0]);
            Assert.True(v.All(x => Math.Abs(x) <= limit), $"{p.Name}: outside ±{limit}");
            if (v.Length >= 100) Assert.True(v.Max(Math.Abs) > 0.8 * limit, $"{p.Name}: not spread over ±{limit}");
        }
        using var own = new Seq2Seq<double>(d, Small("Gru", "bahdanau", 1) with { FanInInit = false }, seed: 2);
        Assert.All(own.Parameters.Where(p => p.Name.EndsWith(".bias")), p => Assert.All((double[])p.Parameter.Read(), x => Assert.Equal(0, x)));
    }

    [Fact]
    public void Bad_sources_get_clear_errors()
    {
        var model = Trained(TestDevices.Cpu);
        var decoder = new Seq2SeqDecoder<double>(model);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => decoder.Greedy(new[] { Array.Empty<int>() })).Message);
        Assert.Contains("outside the source vocabulary of 10", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Greedy(new[] { new[] { 4, 12 } })).Message);
        Assert.Contains("n-best", Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Beam(Sources, new BeamOptions(Width: 2, NBest: 3))).Message);
    }

    private sealed class Close(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double x) => 0;
    }

    [Theory]
    [InlineData("bahdanau")]
    [InlineData("luong-dot")]
    [InlineData("luong-general")]
    [InlineData("luong-concat")]
    [InlineData("coverage")]
    public void The_attention_weights_are_the_state_the_equations_make_a_softmax_over_the_source(string attention)
    {
        using var model = new Seq2Seq<float>(TestDevices.Cpu, new Seq2SeqConfig(12, 12, Attention: attention, Embed: 4, EncoderHidden: 4, DecoderHidden: 8), seed: 1);
        int a = model.AttentionState;
        Assert.True(a >= 0, "no state was found to hold the attention weights");
        Assert.Equal("A", model.DecoderLayers[0].Spec.States[a].Name); // the shipped cells call them A; Cov, their running sum, is not a softmax
        Assert.Single(model.DecoderLayers[0].Spec.States, s => s.IsWeights);
    }
}
