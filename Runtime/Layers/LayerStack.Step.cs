using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

public sealed partial class LayerStack<T>
{
    /// <summary>Starts running the stack one step at a time in inference (generation, decoding): one <see cref="RnnStepper{T}"/> per layer
    /// and the interconnects as column copies into buffers made here, so stepping allocates nothing. Dropout is off, as in every
    /// inference pass. <paramref name="initialState"/>: one [B, d] tensor per state, layer by layer (null: zeros or the learned states);
    /// layers whose cell has a [Memory] read <paramref name="memories"/>.</summary>
    public StackStepper<T> Start(int rows, IReadOnlyList<Tensor<T>>? initialState = null, IReadOnlyList<Tensor<T>>? memories = null, IReadOnlyList<int[]?>? memoryLengths = null)
    {
        if (initialState is not null && initialState.Count != StateCount)
            throw new ArgumentException($"This stack's state is {StateCount} tensors ({string.Join(" + ", _layers.Select(l => l.StateCount))} by layer), but {initialState.Count} were given.", nameof(initialState));
        var layers = new RnnLayer<T>[_layers.Length];
        for (int k = 0; k < _layers.Length; k++)
            layers[k] = _layers[k] as RnnLayer<T> ?? throw new InvalidOperationException($"Layer {k} ({_layers[k].GetType().Name}) reads the whole sequence at once, so the stack cannot run one step at a time.");
        var steppers = new RnnStepper<T>[layers.Length];
        var stepper = new StackStepper<T>(steppers, Interconnect.Dense);
        try
        {
            int at = 0;
            for (int k = 0; k < layers.Length; k++)
            {
                var state = initialState?.Skip(at).Take(layers[k].StateCount).ToArray();
                at += layers[k].StateCount;
                bool attends = layers[k].Spec.Memories is { Length: > 0 };
                if (attends && memories is null) throw new ArgumentException($"Layer {k} ({layers[k].Spec.Name}) attends over a memory; give the stack its memories.", nameof(memories));
                steppers[k] = layers[k].Start(rows, state, attends ? memories : null, attends ? memoryLengths : null);
                stepper.Plan(k, MainParts(k, stepper), ExtraParts(k, stepper, layers[k], rows), Interconnect.Residual);
            }
            return stepper;
        }
        catch
        {
            stepper.Dispose();
            throw;
        }
    }

    /// <summary>What layer k's first input concatenates at a step, as <see cref="MainInputs"/> does for a whole sequence.</summary>
    private List<Func<Tensor<T>>> MainParts(int k, StackStepper<T> s)
    {
        var parts = new List<Func<Tensor<T>>> { k == 0 ? () => s.Input : () => s.Output(k - 1) };
        if (k == 0) return parts;
        if (Interconnect.Inputs) parts.Add(() => s.Input);
        if (Interconnect.States)
        {
            foreach (var state in StatesReadFromBelow(k)) parts.Add(() => s.Layer(k - 1).State(state));
        }
        if (Interconnect.Skip > 0)
        {
            int j = k - 1 - Interconnect.Skip;
            if (j >= 0) parts.Add(() => s.Output(j));
            else if (j == -1) parts.Add(() => s.Input);
        }
        return parts;
    }

    /// <summary>Layer k's other inputs at a step: the layer below's state of the same name, zeros under the first layer.</summary>
    private List<Func<Tensor<T>>> ExtraParts(int k, StackStepper<T> s, RnnLayer<T> layer, int rows)
    {
        var parts = new List<Func<Tensor<T>>>();
        foreach (var port in ExtraInputs(k))
        {
            int width = layer.Sizes[port.Dim];
            if (k == 0)
            {
                var zeros = s.Own(Tensor<T>.Rent(layer.Device, true, rows, width));
                parts.Add(() => zeros);
                continue;
            }
            var cell = ((RnnLayer<T>)_layers[k - 1]).Spec;
            int state = Array.FindIndex(cell.States, st => st.Name == port.Name[..^Below.Length]);
            if (state < 0) throw new ArgumentException($"Layer {k} ({layer.Spec.Name}) reads state {port.Name[..^Below.Length]} of the layer below (its input {port.Name}), but layer {k - 1} ({cell.Name}) has states {string.Join(", ", cell.States.Select(st => st.Name))}.");
            parts.Add(() => s.Layer(k - 1).State(state));
        }
        return parts;
    }
}
