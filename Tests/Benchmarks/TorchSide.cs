using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Recur.Benchmarks;

/// <summary>The peer: libtorch 2.10 through TorchSharp. nn.LSTM and nn.GRU are libtorch's own fused modules; LN-LSTM and JZS1
/// are composed from ops in a loop, as a researcher would write them, with the input projection of all steps as one matmul
/// and time steps sliced with unbind(0) (indexing each step costs a full-size zero tensor in backward).</summary>
internal static class TorchSide
{
    /// <summary>The cells with a libtorch counterpart here; the others are measured on Recur's side only (against our Lstm).</summary>
    public static readonly string[] Cells = { "Lstm", "Gru", "LayerNormLstm", "Jzs1", "BasicRnn" };

    public static void Run(Config c, string[] cells, int threads, int reps, Action<string, string, double> report)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        Console.Error.WriteLine($"libtorch: TorchSharp {typeof(torch).Assembly.GetName().Version}, {torch.get_num_threads()} threads");
        var x = torch.rand(c.Steps, c.Batch, c.Input) * 2 - 1;
        var dy = torch.rand(c.Steps, c.Batch, c.Hidden) * 2 - 1;
        // One unrecorded round first, as on Recur's side.
        foreach (var (cell, record) in cells.Take(1).Select(c => (c, false)).Concat(cells.Select(c => (c, true))))
        {
            Action<string, string, double> sink = record ? report : (_, _, _) => { };
            Func<Tensor, Tensor> model = cell switch
            {
                "Lstm" => Lstm(c),
                "Gru" => Gru(c),
                "LayerNormLstm" => LayerNormLstm(c),
                "Jzs1" => Jzs1(c),
                "BasicRnn" => BasicRnn(c),
                _ => throw new ArgumentException($"Unknown cell '{cell}'."),
            };
            sink(cell, "fwd", Timing.MedianMs(() =>
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                model(x);
            }, 5, reps));
            sink(cell, "fwdbwd", Timing.MedianMs(() =>
            {
                using var scope = torch.NewDisposeScope();
                (model(x) * dy).sum().backward();
            }, 5, reps));
        }
    }

    private static Tensor Param(params long[] shape) => (torch.randn(shape) * 0.1).requires_grad_();

    private static Func<Tensor, Tensor> Lstm(Config c)
    {
        var m = nn.LSTM(c.Input, c.Hidden);
        return x => m.forward(x, null).Item1;
    }

    private static Func<Tensor, Tensor> Gru(Config c)
    {
        var m = nn.GRU(c.Input, c.Hidden);
        return x => m.forward(x, null).Item1;
    }

    private static Func<Tensor, Tensor> BasicRnn(Config c)
    {
        var m = nn.RNN(c.Input, c.Hidden);
        return x => m.forward(x, null).Item1;
    }

    private static Func<Tensor, Tensor> LayerNormLstm(Config c)
    {
        long h = c.Hidden;
        var wx = Param(c.Input, 4 * h); var bx = Param(4 * h); var wh = Param(h, 4 * h); var bh = Param(4 * h);
        var gains = new Tensor[5]; var shifts = new Tensor[5];
        for (int k = 0; k < 5; k++) { gains[k] = torch.ones(h).requires_grad_(); shifts[k] = torch.zeros(h).requires_grad_(); }
        Tensor Ln(Tensor v, int k) => nn.functional.layer_norm(v, new[] { h }, gains[k], shifts[k], 1e-5);
        return x =>
        {
            var steps = (x.matmul(wx) + bx).unbind(0);
            var hs = torch.zeros(c.Batch, h); var cs = torch.zeros(c.Batch, h);
            var outs = new List<Tensor>(steps.Length);
            foreach (var xt in steps)
            {
                var gates = (xt + hs.matmul(wh) + bh).chunk(4, -1);
                var i = Ln(gates[0], 0).sigmoid(); var j = Ln(gates[1], 1).tanh();
                var f = (Ln(gates[2], 2) + 1).sigmoid(); var o = Ln(gates[3], 3).sigmoid();
                cs = cs * f + i * j;
                hs = Ln(cs, 4).tanh() * o;
                outs.Add(hs);
            }
            return torch.stack(outs, 0);
        };
    }

    private static Func<Tensor, Tensor> Jzs1(Config c)
    {
        long h = c.Hidden;
        var wx = Param(c.Input, 3 * h); var bx = Param(3 * h); var whh = Param(h, h); var bhh = Param(h);
        return x =>
        {
            var steps = (x.matmul(wx) + bx).unbind(0);
            var hs = torch.zeros(c.Batch, h);
            var outs = new List<Tensor>(steps.Length);
            foreach (var xt in steps)
            {
                var parts = xt.chunk(3, -1);
                var z = parts[0].sigmoid(); var r = parts[1].sigmoid();
                hs = ((r * hs).matmul(whh) + bhh + parts[2].tanh()).tanh() * z + hs * (1 - z);
                outs.Add(hs);
            }
            return torch.stack(outs, 0);
        };
    }
}
