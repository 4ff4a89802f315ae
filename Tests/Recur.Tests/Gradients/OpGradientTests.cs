using System;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Every tape operation's backward pass against finite differences in double, on both CPU backends (native loops, and the
/// ILGPU kernels CUDA runs), with operands as checked inputs.</summary>
public class OpGradientTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };
    private static Tensor<double> R(Device d, int seed, params int[] shape) => TapeCheck.Random(d, seed, 1, shape);

    [Theory, MemberData(nameof(Devices))]
    public void Elementwise_operations(string device)
    {
        var d = TestDevices.ByName(device);
        using var a = R(d, 1, 3, 4);
        using var b = R(d, 2, 3, 4);
        TapeCheck.Check(null, new[] { a, b }, (t, v) =>
        {
            var x = v[0] * v[1] + Ops.Sigmoid(v[0]) - 0.5 * Ops.Tanh(v[1]) + Ops.Relu(v[0] - v[1]);
            return TapeCheck.Mse(2.0 - x + 1.5, 3);
        });
    }

    [Theory, MemberData(nameof(Devices))]
    public void Linear_with_bias_and_each_activation(string device)
    {
        var d = TestDevices.ByName(device);
        foreach (var f in Enum.GetValues<Activation>())
        {
            using var x = R(d, 3, 2, 3, 5);
            using var w = R(d, 4, 4, 5);
            using var b = R(d, 5, 4);
            TapeCheck.Check(null, new[] { x, w, b }, (t, v) => TapeCheck.Mse(Ops.Linear(v[0], v[1], v[2], f), 6));
            TapeCheck.Check(null, new[] { x, w }, (t, v) => TapeCheck.Mse(Ops.Linear(v[0], v[1], activation: f), 6));
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Embedding_lookup_gives_no_gradient_to_the_padding_row(string device)
    {
        var d = TestDevices.ByName(device);
        using var table = R(d, 7, 5, 3);
        var ids = new[] { 1, 0, 4, 1, 2, 0 };
        TapeCheck.Check(null, new[] { table }, (t, v) => TapeCheck.Mse(Ops.Embed(v[0], ids, new[] { 3, 2 }, paddingIndex: 0), 8),
            skip: (name, i) => i / 3 == 0);
        using var tape = new Tape(training: true);
        var tv = tape.Input(table, requiresGrad: true);
        tape.Backward(TapeCheck.Mse(Ops.Embed(tv, ids, new[] { 6 }, paddingIndex: 0), 8));
        Assert.All(tv.Grad!.ToArray().Take(3), g => Assert.Equal(0, g));
        Assert.Contains(tv.Grad!.ToArray().Skip(3), g => g != 0);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Concatenation_slicing_reshaping_and_broadcasting(string device)
    {
        var d = TestDevices.ByName(device);
        using var a = R(d, 9, 2, 3, 2);
        using var b = R(d, 10, 2, 3, 3);
        using var v = R(d, 11, 5);
        TapeCheck.Check(null, new[] { a, b, v }, (t, x) =>
        {
            var c = Ops.Concat(x[0], x[1], x[0]);                       // [2, 3, 7]
            var s = Ops.Slice(c, 1, 5);                                 // [2, 3, 5]
            var r = Ops.Reshape(s, 6, 5);                               // [6, 5]
            return TapeCheck.Mse(r * Ops.BroadcastRows(x[2], 6), 12);
        });
    }

    [Theory, MemberData(nameof(Devices))]
    public void Reversing_sequences_within_their_lengths(string device)
    {
        var d = TestDevices.ByName(device);
        using var x = R(d, 13, 4, 3, 2);
        TapeCheck.Check(null, new[] { x }, (t, v) => TapeCheck.Mse(Ops.ReverseSequences(v[0], new[] { 4, 2, 1 }) * Ops.Sigmoid(v[0]), 14));
        // The reversal itself: positions within each length reversed, padding left where it is.
        using var tape = new Tape();
        var seq = tape.Input(d, Enumerable.Range(0, 4 * 3).Select(i => (double)i).ToArray(), 4, 3, 1);
        var rev = Ops.ReverseSequences(seq, new[] { 4, 2, 1 }).ToArray();
        Assert.Equal(new double[] { 9, 4, 2, 6, 1, 5, 3, 7, 8, 0, 10, 11 }, rev);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Layer_norm_over_the_last_axis(string device)
    {
        var d = TestDevices.ByName(device);
        using var x = R(d, 15, 3, 2, 6);
        using var gain = R(d, 16, 6);
        using var shift = R(d, 17, 6);
        TapeCheck.Check(null, new[] { x, gain, shift }, (t, v) => TapeCheck.Mse(Ops.LayerNorm(v[0], v[1], v[2]), 18));
    }

    [Theory, MemberData(nameof(Devices))]
    public void Standard_and_locked_dropout_with_fixed_seeds(string device)
    {
        var d = TestDevices.ByName(device);
        using var x = R(d, 19, 4, 3, 5);
        foreach (bool locked in new[] { false, true })
            TapeCheck.Check(null, new[] { x }, (t, v) => TapeCheck.Mse(Ops.Dropout(v[0], 0.4, locked), 20), seed: 21);
    }

    [Fact]
    public void Locked_dropout_shares_one_mask_over_time_and_standard_dropout_does_not()
    {
        var d = TestDevices.Cpu;
        using var ones = Tensor<double>.FromArray(d, Enumerable.Repeat(1.0, 6 * 4 * 8).ToArray(), 6, 4, 8);
        using var tape = new Tape(training: true, new Rng(3));
        var locked = Ops.Dropout(tape.Input(ones), 0.5, locked: true).ToArray();
        var standard = Ops.Dropout(tape.Input(ones), 0.5).ToArray();
        var steps = Enumerable.Range(0, 6).Select(s => locked.Skip(s * 32).Take(32).ToArray()).ToArray();
        Assert.All(steps, s => Assert.Equal(steps[0], s));
        Assert.All(locked, v => Assert.True(v == 0 || v == 2));
        Assert.NotEqual(standard.Take(32), standard.Skip(32).Take(32));
        using var inference = new Tape();
        var same = inference.Input(ones);
        Assert.Same(same, Ops.Dropout(same, 0.5, locked: true));
    }

    [Theory, MemberData(nameof(Devices))]
    public void Cross_entropy_with_a_mask_and_label_smoothing_and_a_weighted_sum_of_losses(string device)
    {
        var d = TestDevices.ByName(device);
        using var logits = R(d, 22, 3, 2, 5);
        using var pred = R(d, 23, 4);
        var targets = new[] { 4, -1, 0, 2, -1, 1 };
        TapeCheck.Check(null, new[] { logits, pred }, (t, v) => Losses.Sum(
            (1.0, Losses.CrossEntropy(v[0], targets, ignoreIndex: -1, labelSmoothing: 0.1)),
            (0.3, TapeCheck.Mse(v[1], 24)),
            (0.5, Losses.CrossEntropy(v[0], targets.Select(x => x < 0 ? 3 : x).ToArray()))));
    }

    [Fact]
    public void The_reported_cross_entropy_is_the_mean_over_unmasked_targets()
    {
        var d = TestDevices.Cpu;
        var logits = new double[] { 0, 0, 0, 5, 0, 0 };
        using var tape = new Tape();
        var l = Losses.CrossEntropy(tape.Input(d, logits, 2, 3), new[] { 0, -1 });
        Assert.Equal(Math.Log(3), l.Item(), 12);
        Assert.Equal(0, Losses.CrossEntropy(tape.Input(d, logits, 2, 3), new[] { -1, -1 }).Item());
        Assert.Contains("Target 7 at row 1", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(tape.Input(d, logits, 2, 3), new[] { 0, 7 })).Message);
        Assert.Contains("3 targets were given for 2 rows", Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(tape.Input(d, logits, 2, 3), new[] { 0, 1, 2 })).Message);
    }

    [Fact]
    public void A_value_crossing_devices_is_copied_and_its_gradient_flows_back()
    {
        using var x = R(TestDevices.Cpu, 25, 3, 4);
        using var w = R(TestDevices.IlgpuCpu, 26, 4, 4);
        TapeCheck.Check(null, new[] { x, w }, (t, v) =>
        {
            var there = Ops.To(v[0], TestDevices.IlgpuCpu);
            var y = Ops.Linear(there, v[1], activation: Activation.Tanh);
            return TapeCheck.Mse(Ops.To(y, TestDevices.Cpu) + v[0], 27);
        });
    }

    [Fact]
    public void Shape_mistakes_are_named()
    {
        var d = TestDevices.Cpu;
        using var tape = new Tape();
        var a = tape.Input(d, new double[6], 2, 3);
        var b = tape.Input(d, new double[6], 3, 2);
        Assert.Contains("[2, 3] and [3, 2]", Assert.Throws<ArgumentException>(() => a + b).Message);
        Assert.Contains("[out, 3]", Assert.Throws<ArgumentException>(() => Ops.Linear(a, b)).Message);
        Assert.Contains("outside the 3 features", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(a, 2, 2)).Message);
        Assert.Contains("Sequence 1 has length 5", Assert.Throws<ArgumentOutOfRangeException>(() =>
            Ops.ReverseSequences(tape.Input(d, new double[12], 2, 2, 3), new[] { 1, 5 })).Message);
        using var training = new Tape(training: true);
        var notScalar = Ops.Tanh(training.Input(d, new double[6], 2, 3));
        Assert.Contains("one-element loss", Assert.Throws<ArgumentException>(() => training.Backward(notScalar)).Message);
    }

    [Fact]
    public void Values_released_by_backward_say_so_and_kept_ones_stay_readable()
    {
        var d = TestDevices.Cpu;
        using var w = R(d, 28, 3, 3);
        using var tape = new Tape(training: true);
        var x = tape.Input(w, requiresGrad: true);
        var hidden = Ops.Tanh(x);
        var kept = Ops.Sigmoid(hidden).Keep();
        tape.Backward(TapeCheck.Mse(kept, 29));
        Assert.Contains("Keep()", Assert.Throws<InvalidOperationException>(() => hidden.Value).Message);
        Assert.Equal(9, kept.ToArray().Length);
        Assert.NotNull(kept.Grad);
        Assert.NotNull(x.Grad);
        Assert.Contains("ran on this tape already", Assert.Throws<InvalidOperationException>(() => tape.Backward(TapeCheck.Mse(x, 1))).Message);
    }
}
