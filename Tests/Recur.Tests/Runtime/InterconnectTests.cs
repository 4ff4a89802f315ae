using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Vertical interconnects, cells with several inputs (GridLstm) and the states a layer gives the layer above, against finite
/// differences in double on both CPU backends.</summary>
public class InterconnectTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };
    private static Tensor<double> R(Device d, int seed, params int[] shape) => TapeCheck.Random(d, seed, 1, shape);


    [Theory, MemberData(nameof(Devices))]
    public void Every_state_at_every_step_takes_its_gradient(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<Lstm, double>(d, 3, 4, seed: 1);
        using var x = R(d, 2, 4, 2, 3);
        TapeCheck.Jitter(rnn, 3);
        TapeCheck.Check(rnn, new[] { x }, (t, v) =>
        {
            var r = rnn.Forward(v[0], null, stateSequences: true);
            Assert.Same(r.Output, r.States![1]); // H, the output state, is the output
            return Losses.Sum((1.0, TapeCheck.Mse(r.States[0], 4)), (1.0, TapeCheck.Mse(r.Output, 5)), (1.0, TapeCheck.Mse(r.FinalState[0], 6)));
        });
    }

    [Theory, MemberData(nameof(Devices))]
    public void A_grid_lstm_layer_reads_two_inputs(string device)
    {
        var d = TestDevices.ByName(device);
        using var grid = new Rnn<GridLstm, double>(d, 3, 4, seed: 1);
        using var x = R(d, 7, 3, 2, 3);
        using var below = R(d, 8, 3, 2, 4);
        TapeCheck.Jitter(grid, 9);
        TapeCheck.Check(grid, new[] { x, below }, (t, v) =>
        {
            var r = grid.Forward(new[] { v[0], v[1] }, null, stateSequences: true);
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output, 10)), (1.0, TapeCheck.Mse(r.States![2], 11)), (1.0, TapeCheck.Mse(r.FinalState[1], 12)));
        });
        using var tape = new Tape();
        Assert.Contains("reads 2 inputs (X, DBelow)", Assert.Throws<ArgumentException>(() => grid.Forward(tape.Input(x), null)).Message);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Every_interconnect_together(string device)
    {
        var d = TestDevices.ByName(device);
        var all = Interconnect.Parse("inputs,states,skip:1,residual,dense");
        using var stack = new LayerStack<double>(new IRecurrent<double>[]
        {
            new Rnn<Lstm, double>(d, 3, 4, seed: 1), new Rnn<Lstm, double>(d, null, 4, seed: 2), new Rnn<Gru, double>(d, null, 4, seed: 3),
        }, dropout: 0.2, lockedDropout: true, interconnect: all);
        using var x = R(d, 13, 3, 2, 3);
        using (var tape = new Tape()) Assert.Equal(new[] { 3, 2, 12 }, stack.Forward(tape.Input(x)).Shape);
        // Layer 1 reads H of layer 0 (4), the input (3), C of layer 0 (4) and, skipping one layer, the input again (3);
        // layer 2 reads H of layer 1, the input, C of layer 1 and the output of layer 0.
        Assert.Equal(new[] { 4, 14 }, stack.Parameters.Single(p => p.Name == "1.i.X.weight").Shape);
        Assert.Equal(new[] { 4, 15 }, stack.Parameters.Single(p => p.Name == "2.r.X.weight").Shape);
        Assert.Equal(12, stack.OutputSize);
        TapeCheck.Jitter(stack, 14);
        TapeCheck.Check(stack, new[] { x }, (t, v) => TapeCheck.Mse(stack.Forward(v[0], null).Output, 15), seed: 16);
    }

    [Theory, MemberData(nameof(Devices))]
    public void A_grid_lstm_stack_passes_depth_states_up(string device)
    {
        var d = TestDevices.ByName(device);
        using var stack = new LayerStack<double>(Enumerable.Range(0, 3).Select(k => (IRecurrent<double>)new Rnn<GridLstm, double>(d, k == 0 ? 2 : 3, 3, seed: k)));
        using var x = R(d, 17, 3, 2, 2);
        TapeCheck.Jitter(stack, 18);
        TapeCheck.Check(stack, new[] { x }, (t, v) =>
        {
            var r = stack.Forward(v[0], null);
            return Losses.Sum((1.0, TapeCheck.Mse(r.Output, 19)), (1.0, TapeCheck.Mse(r.FinalState[^2], 20)));
        });
    }

    [Fact]
    public void The_layer_above_reads_exactly_the_layer_belows_depth_memory()
    {
        var d = TestDevices.Cpu;
        using var first = new Rnn<GridLstm, double>(d, 2, 3, seed: 1);
        using var second = new Rnn<GridLstm, double>(d, 3, 3, seed: 2);
        using var stack = new LayerStack<double>(new IRecurrent<double>[] { first, second });
        using var x = R(d, 21, 4, 2, 2);
        using var tape = new Tape();
        var together = stack.Forward(tape.Input(x), null).Output.ToArray();
        var zeros = tape.Input(d, new double[4 * 2 * 3], 4, 2, 3);
        var below = first.Forward(new[] { tape.Input(x), zeros }, null, stateSequences: true);
        var apart = second.Forward(new[] { below.Output, below.States![2] }, null).Output.ToArray();
        Assert.Equal(apart, together);
    }

    [Theory, MemberData(nameof(Devices))]
    public void A_user_cell_with_two_inputs(string device)
    {
        var d = TestDevices.ByName(device);
        using var rnn = new Rnn<TwoInputs, double>(d, null, 3, seed: 1);
        using var x = R(d, 22, 3, 2, 2);
        using var side = R(d, 23, 3, 2, 3);
        TapeCheck.Check(rnn, new[] { x, side }, (t, v) => TapeCheck.Mse(rnn.Forward(new[] { v[0], v[1] }, null).Output, 24));
        Assert.Equal(new[] { 3, 2 }, rnn.Parameters.Single(p => p.Name == "H.cat.X.weight").Shape); // In from the first call
        var e = Assert.Throws<ArgumentException>(() => new LayerStack<double>(new IRecurrent<double>[] { new Rnn<Gru, double>(d, 2, 3), new Rnn<TwoInputs, double>(d, 3, 3) }));
        Assert.Contains("second input 'Side'", e.Message);
        Assert.Contains("named after it with 'Below'", e.Message);
    }

    [Fact]
    public void Interconnect_mistakes_are_named()
    {
        Assert.Equal("inputs,states,skip:2,residual,dense", Interconnect.Parse("dense, skip:2,states,inputs,residual").ToString());
        Assert.Equal("none", Interconnect.Parse("").ToString());
        Assert.Contains("'skip:0' is not", Assert.Throws<ArgumentException>(() => Interconnect.Parse("skip:0")).Message);
        Assert.Contains("'highway' is not", Assert.Throws<ArgumentException>(() => Interconnect.Parse("inputs,highway")).Message);
        Assert.Equal(new[] { "C", "H" }, Interconnect.Parse("states:C+H").StateNames);
        using (var named = new LayerStack<double>(new IRecurrent<double>[] { new Rnn<Lstm, double>(TestDevices.Cpu, 2, 3), new Rnn<Gru, double>(TestDevices.Cpu, null, 3) },
            interconnect: Interconnect.Parse("states:C+H")))
        {
            using var tape = new Tape();
            named.Forward(tape.Input(TestDevices.Cpu, new double[2 * 1 * 2], 2, 1, 2));
            Assert.Equal(new[] { 3, 9 }, named.Parameters.Single(p => p.Name == "1.r.X.weight").Shape); // H, then C and H again, by name
            using var wrong = new LayerStack<double>(new IRecurrent<double>[] { new Rnn<Lstm, double>(TestDevices.Cpu, 2, 3), new Rnn<Gru, double>(TestDevices.Cpu, null, 3) },
                interconnect: Interconnect.Parse("states:Q"));
            Assert.Contains("reads state Q of layer 0, but its cell Lstm has states C, H", Assert.Throws<ArgumentException>(() => wrong.Forward(tape.Input(TestDevices.Cpu, new double[4], 2, 1, 2))).Message);
        }
        var d = TestDevices.Cpu;
        var e = Assert.Throws<ArgumentException>(() => new LayerStack<double>(new IRecurrent<double>[]
            { new Bidirectional<double>(new Rnn<Gru, double>(d, 2, 3), new Rnn<Gru, double>(d, 2, 3)), new Rnn<Gru, double>(d, null, 3) },
            interconnect: Interconnect.Parse("states")));
        Assert.Contains("only a recurrent layer (Rnn) gives its states", e.Message);
    }
}
