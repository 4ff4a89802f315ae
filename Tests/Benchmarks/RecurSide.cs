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
            Measure(device, cell, c, reps, sink);
        }
    }

    /// <summary>Any cell of the catalogue, with the catalogue's sizes for the cell's own dimensions (HyperLstm: 128 hyper units).</summary>
    private static void Measure(Device device, string cell, Config c, int reps, Action<string, string, double> report)
    {
        var rng = new Random(1);
        using var rnn = CellCatalog.Create<float>(cell, device, c.Input, c.Hidden, seed: 1);
        Tensor<float> Random(int width) => Tensor<float>.FromArray(device, Enumerable.Range(0, c.Steps * c.Batch * width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), c.Steps, c.Batch, width);
        // A cell with several inputs (GridLstm) gets a random sequence for each, of its dimension's size.
        var inputs = rnn.Spec.Inputs.Select((p, k) => Random(k == 0 ? c.Input : rnn.Sizes[p.Dim])).ToArray();
        using var dy = Random(rnn.OutputSize);
        var name = CellCatalog.Canonical(cell);
        report(name, "fwd", Timing.MedianMs(() => { using var r = rnn.Forward(inputs, training: false); }, 5, reps));
        report(name, "fwdbwd", Timing.MedianMs(() =>
        {
            using var r = rnn.Forward(inputs, training: true);
            using var g = rnn.Backward(dy);
        }, 5, reps));
        foreach (var x in inputs) x.Dispose();
    }
}
