using System;
using System.Linq;

namespace Recur.Benchmarks;

/// <summary>Recur's side of the benchmark, on Device.Cpu with the benchmark's thread count.</summary>
internal static class RecurSide
{
    public static void Run(Config c, string[] cells, int threads, int reps, Action<string, string, double> report)
    {
        using var device = Device.Cpu(threads);
        Console.Error.WriteLine($"recur: {device.Name}, {threads} threads, GEMM: {device.GemmName<float>()}{(device.GemmNote is { } n ? " — " + n : "")}, OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset (OpenBLAS detects the CPU)"}");
        // One unrecorded round first: the process's first model pays for page faults, JIT and thread start-up.
        foreach (var (cell, record) in cells.Take(1).Select(c => (c, false)).Concat(cells.Select(c => (c, true))))
        {
            Action<string, string, double> sink = record ? report : (_, _, _) => { };
            switch (cell)
            {
                case "Lstm": Measure<Cells.Lstm>(device, c, reps, sink); break;
                case "Gru": Measure<Cells.Gru>(device, c, reps, sink); break;
                case "LayerNormLstm": Measure<Cells.LayerNormLstm>(device, c, reps, sink); break;
                case "Jzs1": Measure<Cells.Jzs1>(device, c, reps, sink); break;
                case "BasicRnn": Measure<Cells.BasicRnn>(device, c, reps, sink); break;
                default: throw new ArgumentException($"Unknown cell '{cell}'.");
            }
        }
    }

    private static void Measure<TCell>(Device device, Config c, int reps, Action<string, string, double> report) where TCell : IRnnCell
    {
        var rng = new Random(1);
        using var rnn = new Rnn<TCell>(device, c.Input, c.Hidden, seed: 1);
        using var x = Tensor<float>.FromArray(device, Enumerable.Range(0, c.Steps * c.Batch * c.Input).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), c.Steps, c.Batch, c.Input);
        using var dy = Tensor<float>.FromArray(device, Enumerable.Range(0, c.Steps * c.Batch * c.Hidden).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), c.Steps, c.Batch, c.Hidden);
        var name = TCellName<TCell>();
        report(name, "fwd", Timing.MedianMs(() => { using var r = rnn.Forward(x, training: false); }, 5, reps));
        report(name, "fwdbwd", Timing.MedianMs(() =>
        {
            using var r = rnn.Forward(x, training: true);
            using var g = rnn.Backward(dy);
        }, 5, reps));
    }

    private static string TCellName<TCell>() where TCell : IRnnCell => TCell.Spec.Name;
}
