using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace Recur.GpuCheck;

/// <summary>A layer's size for a timing: sequence length, batch, input and hidden.</summary>
internal sealed record Shape(int Steps, int Batch, int Input, int Hidden)
{
    public override string ToString() => $"T{Steps} B{Batch} I{Input} H{Hidden}";
}

/// <summary>One timing: a cell's layer in a mode (fwd: inference; fwdbwd: training forward and backward) at a shape, median ms.</summary>
internal sealed record Timing(string Grid, string Cell, string Mode, Shape Shape, double Ms);

/// <summary>The grids the kit times: fastrnns' (PyTorch's RNN benchmark: seq 100, batch 64, input 512, hidden 512) for every cell,
/// and haste's (batch 1 to 128, hidden 128 to 4096, input 512, 50 steps) for Lstm and Gru. The tiny run times a few small shapes,
/// to keep the code path alive on ILGPU's CPU accelerator.</summary>
internal static class Timings
{
    public static IEnumerable<(string Grid, string Cell, Shape Shape)> Plan(bool tiny, IReadOnlyList<CellCase> cells)
    {
        var fastrnns = tiny ? new Shape(5, 4, 8, 16) : new Shape(100, 64, 512, 512);
        // The tiny run keeps the timing path alive with three cells; the real run times every one.
        foreach (var c in cells.Where(c => !c.IsAttention && (!tiny || c.Name is "Lstm" or "Gru" or "LayerNormLstm"))) yield return ("fastrnns", c.Name, fastrnns);
        int[] batches = tiny ? new[] { 1, 4 } : new[] { 1, 8, 32, 64, 128 };
        int[] hiddens = tiny ? new[] { 16 } : new[] { 128, 256, 512, 1024, 2048, 4096 };
        foreach (var cell in new[] { "Lstm", "Gru" })
            foreach (var b in batches)
                foreach (var h in hiddens)
                    yield return ("haste", cell, new Shape(tiny ? 5 : 50, b, tiny ? 8 : 512, h));
    }

    /// <summary>Median wall time of <paramref name="reps"/> passes after 3 warm-ups, waiting for the device after each.</summary>
    public static IEnumerable<Timing> Measure(Device device, string grid, string cell, Shape s, int reps)
    {
        using var layer = CellCatalog.Create<float>(cell, device, s.Input, s.Hidden, seed: 1);
        using var data = new PassData<float>(device, layer, s.Steps, s.Batch, positions: 1, seed: 3);
        double Median(Action pass)
        {
            for (int i = 0; i < 3; i++) pass();
            device.Synchronize();
            var times = new double[reps];
            for (int i = 0; i < reps; i++)
            {
                var watch = Stopwatch.StartNew();
                pass();
                device.Synchronize();
                times[i] = watch.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            return times[reps / 2];
        }
        yield return new Timing(grid, CellCatalog.Canonical(cell), "fwd", s, Median(() => { using var r = data.Forward(layer, training: false); }));
        yield return new Timing(grid, CellCatalog.Canonical(cell), "fwdbwd", s, Median(() =>
        {
            using var r = data.Forward(layer, training: true);
            using var g = layer.Backward(data.OutputGrad);
        }));
    }
}
