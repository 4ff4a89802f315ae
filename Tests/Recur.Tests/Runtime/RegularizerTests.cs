using System;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Regularizers for any cell, against finite differences in double on both CPU backends with fixed seeds, and what they do
/// in inference.</summary>
public class RegularizerTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };
    private static Tensor<double> R(Device d, int seed, params int[] shape) => TapeCheck.Random(d, seed, 1, shape);


    [Theory, MemberData(nameof(Devices))]
    public void Zoneout_on_every_state_is_differentiated_exactly(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<Lstm, double>(d, 3, 4, seed: 1);
        rnn.SetZoneout("C", 0.5);
        rnn.SetZoneout("H", 0.3);
        using var x = R(d, 2, 5, 3, 3);
        using var h0 = R(d, 3, 3, 4);
        using var c0 = R(d, 4, 3, 4);
        TapeCheck.Jitter(rnn, 5);
        TapeCheck.Check(rnn, new[] { x, c0, h0 }, (t, v) =>
        {
            var r = rnn.Forward(v[0], new[] { v[1], v[2] });
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output, 6)), (1.0, TapeCheck.Mse(r.FinalState[0], 7)));
        }, seed: 8);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Zoneout_on_a_multi_segment_cell_with_lengths(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<Jzs1, double>(d, 2, 3, seed: 1);
        rnn.SetZoneout(0.4);
        using var x = R(d, 9, 4, 2, 2);
        TapeCheck.Jitter(rnn, 10);
        TapeCheck.Check(rnn, new[] { x }, (t, v) => TapeCheck.Mse(rnn.Forward(v[0], null, new[] { 4, 2 }).FinalState[0], 11), seed: 12);
    }

    [Fact]
    public void Zoneout_takes_the_expectation_in_inference()
    {
        var d = TestDevices.Cpu;
        using var rnn = new Rnn<Gru, double>(d, 2, 3, seed: 1);
        using var x = R(d, 13, 1, 2, 2);
        using var h0 = R(d, 14, 2, 3);
        double[] Step()
        {
            using var tape = new Tape();
            return rnn.Forward(tape.Input(x), new[] { tape.Input(h0) }).Output.ToArray();
        }
        var plain = Step();
        rnn.SetZoneout("H", 0.25);
        var zoned = Step();
        var previous = h0.ToArray();
        for (int i = 0; i < plain.Length; i++) Assert.Equal(0.25 * previous[i] + 0.75 * plain[i], zoned[i], 12);
        Assert.Contains("no state 'X'", Assert.Throws<ArgumentException>(() => rnn.SetZoneout("X", 0.1)).Message);
        Assert.Contains("[0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => rnn.SetZoneout("H", 1)).Message);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Weight_drop_on_the_recurrent_weights_is_differentiated_exactly(string device)
    {
        var d = TestDevices.ByName(device);
        foreach (var rnn in new RnnLayer<double>[] { new Rnn<Lstm, double>(d, 3, 4, seed: 1), new Rnn<Jzs2, double>(d, 3, 4, seed: 2) })
        {
            using var layer = rnn;
            layer.WeightDrop = 0.4;
            using var x = R(d, 15, 3, 2, 3);
            TapeCheck.Jitter(layer, 16);
            TapeCheck.Check(layer, new[] { x }, (t, v) => TapeCheck.Mse(layer.Forward(v[0], null).Output, 17), seed: 18);
        }
    }

    [Fact]
    public void Weight_drop_leaves_inference_alone_and_drops_a_share_of_the_recurrent_weights_in_training()
    {
        var d = TestDevices.Cpu;
        using var rnn = new Rnn<BasicRnn, double>(d, 2, 40, seed: 1);
        using var x = R(d, 19, 1, 1, 2);
        using var h0 = R(d, 20, 1, 40);
        double[] Out(bool training, ulong seed = 1)
        {
            using var tape = new Tape(training, new Rng(seed));
            return rnn.Forward(tape.Input(x), new[] { tape.Input(h0) }).Output.ToArray();
        }
        var plain = Out(false);
        rnn.WeightDrop = 0.5;
        Assert.Equal(plain, Out(false));
        Assert.NotEqual(Out(true, 1), Out(true, 2));
        Assert.Equal(Out(true, 3), Out(true, 3));
    }
}

/// <summary>The loss-term regularizers against finite differences in double on both CPU backends, and against their definitions.</summary>
public class RegularizerTermTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };
    private static Tensor<double> R(Device d, int seed, params int[] shape) => TapeCheck.Random(d, seed, 1, shape);

    [Theory, MemberData(nameof(Devices))]
    public void The_norm_stabilizer_on_hidden_states_and_on_logits(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<Gru, double>(d, 2, 3, seed: 1);
        using var head = new Dense<double>(d, 5, 3, seed: 2);
        using var model = new Sequential<double>(rnn, head);
        using var x = R(d, 3, 4, 2, 2);
        TapeCheck.Check(model, new[] { x }, (t, v) =>
        {
            var h = rnn.Forward(v[0]);
            var logits = head.Forward(h);
            return Losses.Sum((1.0, Regularizers.NormStabilizer(h, 0.7)), (1.0, Regularizers.NormStabilizer(logits, 0.3)));
        });
    }

    [Theory, MemberData(nameof(Devices))]
    public void Activation_temporal_activation_and_decov_terms(string device)
    {
        var d = TestDevices.ByName(device);
        using var x = R(d, 4, 3, 2, 4);
        TapeCheck.Check(null, new[] { x }, (t, v) =>
        {
            var h = Ops.Tanh(v[0]);
            return Losses.Sum((1.0, Regularizers.Activation(h, 2)), (1.0, Regularizers.Temporal(h, 1)), (1.0, Regularizers.DeCov(h, 3)));
        });
    }

    [Fact]
    public void The_terms_have_the_values_of_their_definitions()
    {
        var d = TestDevices.Cpu;
        // Two steps, one sequence, two features: h0 = (3, 4), h1 = (0, 1).
        using var tape = new Tape();
        var h = tape.Input(d, new[] { 3.0, 4, 0, 1 }, 2, 1, 2);
        Assert.Equal(0.5 * (5 - 1) * (5 - 1), Regularizers.NormStabilizer(h, 0.5).Item(), 12);
        Assert.Equal(2 * (9 + 16 + 0 + 1) / 4.0, Regularizers.Activation(h, 2).Item(), 12);
        Assert.Equal(3 * ((0 - 3) * (0 - 3) + (1 - 4) * (1 - 4)) / 2.0, Regularizers.Temporal(h, 3).Item(), 12);
        // Rows (3, 4) and (0, 1): centred (1.5, 1.5) and (−1.5, −1.5), covariance 2.25 everywhere; off-diagonal ½·2·2.25².
        Assert.Equal(0.5 * 2 * 2.25 * 2.25, Regularizers.DeCov(Ops.Reshape(h, 2, 2), 1).Item(), 12);
    }
}
