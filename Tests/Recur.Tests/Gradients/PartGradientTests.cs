using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Every part's backward pass, and a composed model's, against finite differences in double on both CPU backends: every
/// trainable parameter and the inputs, including masks, locked dropout with fixed seeds and sequences of different lengths.</summary>
public class PartGradientTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };
    private static Tensor<double> R(Device d, int seed, params int[] shape) => TapeCheck.Random(d, seed, 1, shape);


    [Theory, MemberData(nameof(Devices))]
    public void Embedding_dense_and_layer_norm(string device)
    {
        var d = TestDevices.ByName(device);
        using var embedding = new Embedding<double>(d, 6, 4, paddingIndex: 5, seed: 1);
        using var norm = new LayerNorm<double>(d, 4);
        using var dense = new Dense<double>(d, 3, activation: Activation.Tanh, seed: 2); // input size from the first call
        var ids = new[] { 0, 5, 3, 2, 3, 1 };
        using var model = new Sequential<double>(norm, dense);
        using var both = new Holder(embedding, model);
        using (var tape = new Tape()) model.Forward(embedding.Forward(tape, ids, 3, 2));
        TapeCheck.Jitter(both, 3);
        TapeCheck.Check(both, Array.Empty<Tensor<double>>(), (t, _) => TapeCheck.Mse(model.Forward(embedding.Forward(t, ids, 3, 2)), 4),
            skip: (name, i) => name == "0.weight" && i / 4 == 5);
    }

    [Theory, MemberData(nameof(Devices))]
    public void A_recurrent_layer_with_lengths_and_a_learned_initial_state(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<Gru, double>(d, null, 4, seed: 5, learnInitialState: true);
        using var x = R(d, 6, 4, 3, 2);
        var lengths = new[] { 4, 1, 3 };
        using (var tape = new Tape()) rnn.Forward(tape.Input(x));
        TapeCheck.Jitter(rnn, 7);
        TapeCheck.Check(rnn, new[] { x }, (t, v) =>
        {
            var r = rnn.Forward(v[0], null, lengths);
            // The outputs past each length are not meaningful: the loss reads them through a mask, and the final state.
            var mask = t.Input(d, Enumerable.Range(0, 4 * 3).SelectMany(i => Enumerable.Repeat(i / 3 < lengths[i % 3] ? 1.0 : 0.0, 4)).ToArray(), 4, 3, 4);
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output * mask, 8)), (1.0, TapeCheck.Mse(r.FinalState[0], 9)));
        });
    }

    [Fact]
    public void A_final_state_with_lengths_is_the_state_after_each_sequences_last_step()
    {
        var d = TestDevices.Cpu;
        using var rnn = new Rnn<Lstm, double>(d, 2, 3, seed: 1);
        using var x = R(d, 10, 5, 2, 2);
        using var tape = new Tape();
        var full = rnn.Forward(tape.Input(x), null);
        var cut = rnn.Forward(tape.Input(x), null, new[] { 5, 2 });
        var second = Ops.Reshape(Ops.Slice(Ops.Reshape(tape.Input(x), 5, 4), 2, 2), 5, 1, 2); // sequence 1 alone
        var shortOnly = rnn.Forward(second, null, new[] { 2 });
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(full.FinalState[k].ToArray().Take(3), cut.FinalState[k].ToArray().Take(3));
            Assert.Equal(shortOnly.FinalState[k].ToArray(), cut.FinalState[k].ToArray().Skip(3));
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void A_stack_with_locked_dropout_between_layers_and_a_given_initial_state(string device)
    {
        var d = TestDevices.ByName(device);
        using var stack = new LayerStack<double>(new IRecurrent<double>[] { new Rnn<Lstm, double>(d, 3, 4, seed: 1), new Rnn<LayerNormGru, double>(d, 4, 3, seed: 2) },
            dropout: 0.3, lockedDropout: true);
        using var x = R(d, 11, 3, 2, 3);
        using var c0 = R(d, 12, 2, 4);
        using var h0 = R(d, 13, 2, 4);
        using var g0 = R(d, 14, 2, 3);
        TapeCheck.Jitter(stack, 15);
        TapeCheck.Check(stack, new[] { x, c0, h0, g0 }, (t, v) =>
        {
            var r = stack.Forward(v[0], new[] { v[1], v[2], v[3] });
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output, 16)), (1.0, TapeCheck.Mse(r.FinalState[1], 17)), (1.0, TapeCheck.Mse(r.FinalState[2], 18)));
        }, seed: 19);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Bidirectional_layers_over_sequences_of_different_lengths(string device)
    {
        var d = TestDevices.ByName(device);
        var lengths = new[] { 2, 4, 3 };
        foreach (var merge in new[] { Merge.Concat, Merge.Sum })
        {
            using var bi = new Bidirectional<double>(new Rnn<Lstm, double>(d, 2, 3, seed: 1), new Rnn<Gru, double>(d, 2, 3, seed: 2), merge);
            using var x = R(d, 20, 4, 3, 2);
            TapeCheck.Jitter(bi, 21);
            TapeCheck.Check(bi, new[] { x }, (t, v) =>
            {
                var r = bi.Forward(v[0], null, lengths);
                var mask = t.Input(d, Enumerable.Range(0, 4 * 3).SelectMany(i => Enumerable.Repeat(i / 3 < lengths[i % 3] ? 1.0 : 0.0, bi.OutputSize)).ToArray(), 4, 3, bi.OutputSize);
                return Losses.Sum((1.0, TapeCheck.Mse(r.Output * mask, 22)), (1.0, TapeCheck.Mse(r.FinalState[2], 23)));
            });
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Residual_and_highway_wrappers(string device)
    {
        var d = TestDevices.ByName(device);
        using var model = new Sequential<double>(
            new Residual<double>(new Rnn<LayerNormLstm, double>(d, 3, 3, seed: 1)),
            new Highway<double>(d, 3, seed: 2),
            new Highway<double>(d, 3, new Dense<double>(d, 3, activation: Activation.Tanh, seed: 3), seed: 4));
        using var x = R(d, 24, 3, 2, 3);
        TapeCheck.Jitter(model, 25);
        TapeCheck.Check(model, new[] { x }, (t, v) => TapeCheck.Mse(model.Forward(v[0]), 26));
    }

    /// <summary>embedding → bidirectional LSTM → residual LN-LSTM → dense → masked cross-entropy, end to end, with padding.</summary>
    [Theory, MemberData(nameof(Devices))]
    public void A_composed_model_end_to_end(string device)
    {
        var d = TestDevices.ByName(device);
        using var model = new Tagger(d);
        int steps = 4, batch = 3;
        var lengths = new[] { 4, 2, 3 };
        var rng = new Random(30);
        var ids = Enumerable.Range(0, steps * batch).Select(i => i / batch < lengths[i % batch] ? 1 + rng.Next(6) : 0).ToArray();
        var targets = ids.Select((id, i) => id == 0 ? -1 : rng.Next(4)).ToArray();
        TapeCheck.Jitter(model, 31);
        int n = TapeCheck.Check(model, Array.Empty<Tensor<double>>(), (t, _) => model.Loss(t, ids, targets, steps, batch, lengths),
            skip: (name, i) => name == "embedding.weight" && i / 4 == 0);
        Assert.True(n >= 4 * model.Parameters.Count);
    }

    /// <summary>The composed model of the test above: a tagger over padded sentences.</summary>
    private sealed class Tagger : Part
    {
        private readonly Embedding<double> _embedding;
        private readonly Bidirectional<double> _encoder;
        private readonly Residual<double> _refine;
        private readonly Dense<double> _output;

        public Tagger(Device d) : base(d)
        {
            _embedding = Add("embedding", new Embedding<double>(d, 7, 4, paddingIndex: 0, seed: 1));
            _encoder = Add("encoder", new Bidirectional<double>(new Rnn<Lstm, double>(d, 4, 3, seed: 2), new Rnn<Lstm, double>(d, 4, 3, seed: 3)));
            _refine = Add("refine", new Residual<double>(new Rnn<LayerNormLstm, double>(d, 6, 6, seed: 4)));
            _output = Add("output", new Dense<double>(d, 4, 6, seed: 5));
        }

        public Var<double> Loss(Tape tape, int[] ids, int[] targets, int steps, int batch, int[] lengths)
        {
            var x = Ops.Dropout(_embedding.Forward(tape, ids, steps, batch), 0.2);
            var h = _refine.Forward(_encoder.Forward(x, null, lengths).Output);
            return Losses.CrossEntropy(_output.Forward(h), targets, ignoreIndex: -1, labelSmoothing: 0.05);
        }
    }

    /// <summary>Several parts under one name each, for checks over all their parameters.</summary>
    private sealed class Holder : Part
    {
        public Holder(params Part[] parts) : base(null)
        {
            for (int i = 0; i < parts.Length; i++) Add(i.ToString(), parts[i]);
        }
    }
}
