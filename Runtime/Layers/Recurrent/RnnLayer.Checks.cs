using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

// What the layer checks before it runs: every shape, device and length a caller hands it, with errors that name the problem.
public partial class RnnLayer<T>
{
    private void CheckTensor(Tensor<T> t, string what)
    {
        if (t is null) throw new ArgumentNullException(what);
        if (!ReferenceEquals(t.Device, Device))
            throw new ArgumentException($"The {what} is on device '{t.Device.Name}', but the layer is on '{Device.Name}'; create it on the layer's device.");
    }

    /// <summary>One [T, B, width] tensor per [Input] of the cell, all of one length and batch, each on the layer's device.</summary>
    private void CheckInputs(IReadOnlyList<Tensor<T>> inputs)
    {
        if (inputs.Count != Spec.Inputs.Length)
            throw new ArgumentException($"{Spec.Name} reads {Spec.Inputs.Length} input(s) ({string.Join(", ", Spec.Inputs.Select(p => p.Name))}), but {inputs.Count} were given.", nameof(inputs));
        for (int k = 0; k < inputs.Count; k++)
        {
            var input = inputs[k];
            var port = Spec.Inputs[k];
            string name = Spec.Inputs.Length > 1 ? " " + port.Name : "";
            CheckTensor(input, "input" + name);
            int width = Sizes[port.Dim];
            if (input.Shape.Length != 3 || (width > 0 && input.Shape[2] != width) || input.Shape[0] != inputs[0].Shape[0] || input.Shape[1] != inputs[0].Shape[1])
                throw new ArgumentException($"{Spec.Name} expects input{name} [T, B, {(width > 0 ? width.ToString() : port.Dim == 0 ? "In" : Spec.Dims[port.Dim])}] (steps, batch, {Spec.Dims[port.Dim]}), but got {input.ShapeText}.", nameof(inputs));
        }
    }

    /// <summary>Checks the memories against the cell's [Memory] properties and returns each one's length per row (all full when
    /// none were given).</summary>
    private int[][] CheckMemories(IReadOnlyList<Tensor<T>>? memories, IReadOnlyList<int[]?>? memoryLengths, int batch)
    {
        var specs = Spec.Memories ?? Array.Empty<MemorySpec>();
        if (specs.Length == 0)
        {
            if (memories is { Count: > 0 }) throw new ArgumentException($"{Spec.Name} has no [Memory] to attend over, but {memories.Count} memories were given.", nameof(memories));
            return Array.Empty<int[]>();
        }
        if (memories is null || memories.Count != specs.Length)
            throw new ArgumentException($"{Spec.Name} attends over {specs.Length} memory(ies) ({string.Join(", ", specs.Select(m => m.Name))}), each [B, S, features]; " +
                                        $"{(memories is null ? "none were" : memories.Count + " were")} given.", nameof(memories));
        if (memoryLengths is not null && memoryLengths.Count != specs.Length)
            throw new ArgumentException($"Give one length array per memory ({specs.Length}), or null for full rows; {memoryLengths.Count} were given.", nameof(memoryLengths));
        var rows = new int[specs.Length][];
        for (int k = 0; k < specs.Length; k++)
        {
            var m = memories[k];
            CheckTensor(m, $"memory {specs[k].Name}");
            int width = Sizes[specs[k].Dim];
            if (m.Shape.Length != 3 || m.Shape[0] != batch || m.Shape[1] < 1 || (width > 0 && m.Shape[2] != width))
                throw new ArgumentException($"{Spec.Name} expects memory {specs[k].Name} [{batch}, S, {(width > 0 ? width.ToString() : Spec.Dims[specs[k].Dim])}] " +
                                            $"(batch, positions, {Spec.Dims[specs[k].Dim]}; batch-major), but got {m.ShapeText}.", nameof(memories));
            int positions = m.Shape[1];
            var lengths = memoryLengths?[k] ?? Enumerable.Repeat(positions, batch).ToArray();
            if (lengths.Length != batch) throw new ArgumentException($"Memory {specs[k].Name} needs one length per batch row ({batch}), but {lengths.Length} were given.", nameof(memoryLengths));
            for (int b = 0; b < batch; b++)
                if (lengths[b] < 1 || lengths[b] > positions)
                    throw new ArgumentOutOfRangeException(nameof(memoryLengths), $"Row {b} of memory {specs[k].Name} has length {lengths[b]}; a length is between 1 and the memory's {positions} positions (an empty source has nothing to attend to).");
            for (int j = 0; j < k; j++)
                if (specs[j].SeqDim == specs[k].SeqDim && (memories[j].Shape[1] != positions || !rows[j].AsSpan().SequenceEqual(lengths)))
                    throw new ArgumentException($"Memories {specs[j].Name} and {specs[k].Name} share positions {Spec.Dims[specs[k].SeqDim]}, so they need the same length and lengths.", nameof(memories));
            rows[k] = lengths;
        }
        return rows;
    }

    /// <summary>One [B, width] tensor per state, or a clear error naming the state and both shapes.</summary>
    private void CheckInitialState(IReadOnlyList<Tensor<T>>? initialState, int batch, int[] sizes)
    {
        if (initialState is null) return;
        if (initialState.Count != Spec.States.Length)
            throw new ArgumentException($"{Spec.Name} has {Spec.States.Length} states ({string.Join(", ", Spec.States.Select(s => s.Name))}), but {initialState.Count} initial states were given.", nameof(initialState));
        for (int s = 0; s < initialState.Count; s++)
        {
            CheckTensor(initialState[s], $"initial state {Spec.States[s].Name}");
            int width = sizes[Spec.States[s].Dim];
            if (initialState[s].Shape.Length != 2 || initialState[s].Shape[0] != batch || initialState[s].Shape[1] != width)
                throw new ArgumentException($"Initial state {Spec.States[s].Name} must be [{batch}, {width}] (batch, {Spec.Dims[Spec.States[s].Dim]}), but got {initialState[s].ShapeText}.", nameof(initialState));
        }
    }


    /// <summary>The gradients a backward pass is given, against the shapes of its forward.</summary>
    private void CheckGradients(RnnWorkspace<T> ws, Tensor<T> outputGrad, IReadOnlyList<Tensor<T>?>? finalStateGrad, IReadOnlyList<Tensor<T>?>? sequenceGrad)
    {
        int steps = ws.Steps, batch = ws.Batch, outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        CheckTensor(outputGrad, "output gradient");
        if (outputGrad.Shape.Length != 3 || outputGrad.Shape[0] != steps || outputGrad.Shape[1] != batch || outputGrad.Shape[2] != outWidth)
            throw new ArgumentException($"The output gradient must have the output's shape [{steps}, {batch}, {outWidth}], but got {outputGrad.ShapeText}.", nameof(outputGrad));
        if (finalStateGrad is not null && finalStateGrad.Count != Spec.States.Length)
            throw new ArgumentException($"{Spec.Name} has {Spec.States.Length} states, but {finalStateGrad.Count} final-state gradients were given.", nameof(finalStateGrad));
        for (int s = 0; s < Spec.States.Length; s++)
        {
            if (finalStateGrad?[s] is not { } g) continue;
            CheckTensor(g, $"final-state gradient {Spec.States[s].Name}");
            if (g.Shape.Length != 2 || g.Shape[0] != batch || g.Shape[1] != ws.StateWidth[s])
                throw new ArgumentException($"Final-state gradient {Spec.States[s].Name} must be [{batch}, {ws.StateWidth[s]}], but got {g.ShapeText}.", nameof(finalStateGrad));
        }

        for (int s = 0; s < Spec.States.Length; s++)
        {
            if (sequenceGrad?[s] is not { } g) continue;
            if (s == outState) throw new ArgumentException($"The gradient of {Spec.Name}'s output state comes as the output gradient, not as a state sequence.", nameof(sequenceGrad));
            CheckTensor(g, $"gradient of state sequence {Spec.States[s].Name}");
            if (g.Shape.Length != 3 || g.Shape[0] != steps || g.Shape[1] != batch || g.Shape[2] != ws.StateWidth[s])
                throw new ArgumentException($"The gradient of state sequence {Spec.States[s].Name} must be [{steps}, {batch}, {ws.StateWidth[s]}], but got {g.ShapeText}.", nameof(sequenceGrad));
        }
    }

    /// <summary>This call's sizes: the layer's, with each memory's number of positions.</summary>
    private int[] CallSizes(IReadOnlyList<Tensor<T>>? memories)
    {
        var sizes = (int[])Sizes.Clone();
        foreach (var (memory, k) in (Spec.Memories ?? Array.Empty<MemorySpec>()).Select((m, k) => (m, k))) sizes[memory.SeqDim] = memories![k].Shape[1];
        return sizes;
    }

}
