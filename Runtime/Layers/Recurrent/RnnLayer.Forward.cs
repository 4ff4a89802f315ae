using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>Runs the layer over <paramref name="input"/> [T, B, In] from <paramref name="initialState"/> (one [B, d] tensor per
    /// state, or zeros). With <paramref name="training"/> the activations of every step are kept for <see cref="Backward(Tensor{T}, IReadOnlyList{Tensor{T}}?)"/>; without,
    /// only the current step's (inference). With <paramref name="lengths"/>, each sequence's final state is taken after its own last
    /// step. The result's tensors come from the device's pool: dispose the result when done.</summary>
    public RnnResult<T> Forward(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState = null, bool training = true, int[]? lengths = null) =>
        Forward(new[] { input }, initialState, training, lengths);

    /// <summary>The same for a cell with several [Input]s, one [T, B, width] tensor each, in declaration order. With
    /// <paramref name="stateSequences"/> the result also holds every state other than the output at every step.</summary>
    /// <param name="memories">For a cell with [Memory] properties (attention): one [B, S, E] tensor per memory, in declaration order,
    /// batch-major (each row's positions together, as the kernels read them).</param>
    /// <param name="memoryLengths">Each memory's length per batch row (1 ≤ length ≤ S; positions past it are padding, which attention
    /// never reads); null for a memory whose rows are all full.</param>
    public RnnResult<T> Forward(IReadOnlyList<Tensor<T>> inputs, IReadOnlyList<Tensor<T>>? initialState = null, bool training = true, int[]? lengths = null,
        bool stateSequences = false, IReadOnlyList<Tensor<T>>? memories = null, IReadOnlyList<int[]?>? memoryLengths = null)
    {
        var result = Run(inputs, initialState, training, lengths, stateSequences, memories, memoryLengths);
        if (result.Context is not null) _last = result.Context;
        return result;
    }

    internal RnnResult<T> Run(IReadOnlyList<Tensor<T>> inputs, IReadOnlyList<Tensor<T>>? initialState, bool training, int[]? lengths, bool stateSequences = false,
        IReadOnlyList<Tensor<T>>? memories = null, IReadOnlyList<int[]?>? memoryLengths = null)
    {
        CheckInputs(inputs);
        int steps = inputs[0].Shape[0], batch = inputs[0].Shape[1];
        var memoryRows = CheckMemories(memories, memoryLengths, batch);
        if (!IsBuilt) TakeInputSizes(inputs.Select(i => i.Shape[2]).ToArray(), memories?.Select(m => m.Shape[2]).ToArray());
        var sizes = CallSizes(memories);
        bool full = lengths is null || lengths.All(l => l == steps);
        if (lengths is not null) Ops.CheckLengths(lengths, steps, batch);
        CheckInitialState(initialState, batch, sizes);

        var ws = TakeWorkspace(steps, batch, training, sizes);
        var views = Views(ws, inputs.Select(i => i.View).ToArray(), memories, memoryRows);
        var kind = training ? PassKind.Training : PassKind.Inference;
        foreach (var hook in Hooks) hook.BeginForward(views, kind);
        for (int s = 0; s < Spec.States.Length; s++)
        {
            // A state over a memory's positions is written only up to each row's length: its padding stays zero.
            if (Spec.IsSeqDim(Spec.States[s].Dim)) ws.States[s].MemSetToZero();
            var slot0 = ws.Slot(ws.States[s], 0, ws.StateWidth[s]);
            if (initialState is null) slot0.MemSetToZero();
            else initialState[s].View.CopyTo(slot0);
        }
        InputProducts(ws, inputs.Select(i => i.View).ToArray(), steps * batch);
        MemoryProducts(ws, memories);
        PrepareWeights(_forwardWeights, ws);

        int outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        var output = Tensor<T>.Rent(Device, false, steps, batch, outWidth);
        var final = Enumerable.Range(0, Spec.States.Length).Select(s => Tensor<T>.Rent(Device, false, batch, ws.StateWidth[s])).ToArray();
        // Every state but the output at every step, when asked (the output is that state's sequence already).
        var sequences = stateSequences
            ? Enumerable.Range(0, Spec.States.Length).Select(s => s == outState ? null : Tensor<T>.Rent(Device, false, steps, batch, ws.StateWidth[s])).ToArray()
            : null;
        _loop.Forward(new ForwardPass<T>(ws, views, _forwardWeights, kind, full ? null : lengths, output, final, sequences));
        foreach (var hook in Hooks) hook.EndForward(views, kind);
        if (training)
        {
            // A training workspace keeps every step's states: the outputs are a copy of them.
            ws.States[outState].SubView((long)batch * outWidth, (long)steps * batch * outWidth).CopyTo(output.View);
            if (sequences is not null)
                for (int s = 0; s < sequences.Length; s++)
                    if (sequences[s] is { } seq) ws.States[s].SubView((long)batch * ws.StateWidth[s], seq.Length).CopyTo(seq.View);
        }
        if (full)
        {
            views.Step = steps - 1;
            for (int s = 0; s < final.Length; s++) views.NextState(s).CopyTo(final[s].View);
        }
        var context = training ? new RnnContext<T>(this, ws, views, inputs.ToArray(), full ? null : lengths!.ToArray(), memories?.ToArray() ?? Array.Empty<Tensor<T>>()) : null;
        return new RnnResult<T>(output, final, context, sequences);
    }

    /// <summary>The views the kernels of a pass over <paramref name="ws"/> read, with the memories and their rows' lengths in place.</summary>
    private StepViews<T> Views(RnnWorkspace<T> ws, ArrayView<T>[] inputs, IReadOnlyList<Tensor<T>>? memories, int[][] memoryRows)
    {
        // Rows per thread: below this a step's pointwise work is too small to be worth waking another thread.
        int rowsPerWorker = Math.Max(1, Device.MinElementsPerThread / ws.Sizes.Max());
        var views = new StepViews<T>(ws, ws.Sizes, _hypers, _paramViews, _gradViews, inputs, Device.GroupSize, Device.Workers, _partialGrads?.Shifts, rowsPerWorker);
        views.SetMemories(memories?.Select(m => m.View).ToArray() ?? Array.Empty<ArrayView<T>>());
        for (int k = 0; k < memoryRows.Length; k++) ws.Lengths[Spec.Memories![k].SeqDim].CopyFromCPU(memoryRows[k]);
        return views;
    }

    /// <summary>The products of the inputs, for all <paramref name="rows"/> (steps × batch) at once: one GEMM per input group.</summary>
    private void InputProducts(RnnWorkspace<T> ws, ArrayView<T>[] inputs, int rows)
    {
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Input) continue;
            int width = Sizes[Spec.Inputs[group.Index].Dim];
            _gemm!.Run(false, true, rows, ws.GroupWidth[g], width, Scalar<T>.One, inputs[group.Index], width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }
    }

    /// <summary>Memory products (U m_s for every position): once per sequence, [B·S, E] × Wᵀ.</summary>
    private void MemoryProducts(RnnWorkspace<T> ws, IReadOnlyList<Tensor<T>>? memories)
    {
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Memory) continue;
            var memory = Spec.Memories![group.Index];
            int width = ws.Sizes[memory.Dim], rows = ws.Batch * ws.Sizes[memory.SeqDim];
            _gemm!.Run(false, true, rows, ws.GroupWidth[g], width, Scalar<T>.One, memories![group.Index].View, width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }
    }

    /// <summary>Hands this pass's weights (weight-drop's dropped copy where it applies) to the per-step products: once per pass, so
    /// a GEMM that packs them (the CPU's) does it once for every step.</summary>
    private void PrepareWeights(StepWeights<T>[] weights, RnnWorkspace<T> ws)
    {
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand is GemmOperand.Input or GemmOperand.Memory) continue;
            int width = group.Operand == GemmOperand.State ? ws.StateWidth[group.Index] : ws.IntermediateWidth[group.Index];
            weights[g].Prepare(Weights(g, ws), ws.GroupWidth[g], width, ws.Batch);
        }
    }
}
