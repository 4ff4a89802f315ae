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
        int steps = inputs[0].Shape[0], batch = inputs[0].Shape[1];
        var memoryRows = CheckMemories(memories, memoryLengths, batch);
        if (!IsBuilt) TakeInputSizes(inputs.Select(i => i.Shape[2]).ToArray(), memories?.Select(m => m.Shape[2]).ToArray());
        var sizes = CallSizes(memories);
        bool full = lengths is null || lengths.All(l => l == steps);
        if (lengths is not null) Ops.CheckLengths(lengths, steps, batch);
        CheckInitialState(initialState, batch, sizes);

        var ws = TakeWorkspace(steps, batch, training, sizes);
        // Rows per thread: below this a step's pointwise work is too small to be worth waking another thread.
        int rowsPerWorker = Math.Max(1, Device.MinElementsPerThread / sizes.Max());
        var views = new StepViews<T>(ws, ws.Sizes, _hypers, _paramViews, _gradViews, inputs.Select(i => i.View).ToArray(), Device.GroupSize, Device.Workers, _gradShifts, rowsPerWorker);
        views.SetMemories(memories?.Select(m => m.View).ToArray() ?? Array.Empty<ArrayView<T>>());
        for (int k = 0; k < memoryRows.Length; k++) ws.Lengths[Spec.Memories![k].SeqDim].CopyFromCPU(memoryRows[k]);
        FillMasks(ws, training);
        DropWeights(ws, training);
        for (int s = 0; s < Spec.States.Length; s++)
        {
            // A state over a memory's positions is written only up to each row's length: its padding stays zero.
            if (Spec.IsSeqDim(Spec.States[s].Dim)) ws.States[s].MemSetToZero();
            var slot0 = ws.Slot(ws.States[s], 0, ws.StateWidth[s]);
            if (initialState is null) slot0.MemSetToZero();
            else initialState[s].View.CopyTo(slot0);
        }

        // Input projections for all steps: one GEMM per input group.
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Input) continue;
            int width = Sizes[Spec.Inputs[group.Index].Dim];
            _gemm!.Run(false, true, steps * batch, ws.GroupWidth[g], width, Scalar<T>.One, inputs[group.Index].View, width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }
        // Memory products (U m_s for every position): once per sequence, [B·S, E] × Wᵀ.
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Memory) continue;
            var memory = Spec.Memories![group.Index];
            int width = sizes[memory.Dim], rows = batch * sizes[memory.SeqDim];
            _gemm!.Run(false, true, rows, ws.GroupWidth[g], width, Scalar<T>.One, memories![group.Index].View, width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }

        PackWeights(ws, backward: false);
        int outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        var output = Tensor<T>.Rent(Device, false, steps, batch, outWidth);
        var final = Enumerable.Range(0, Spec.States.Length).Select(s => Tensor<T>.Rent(Device, false, batch, ws.StateWidth[s])).ToArray();
        // Every state but the output at every step, when asked (the output is that state's sequence already).
        var sequences = stateSequences
            ? Enumerable.Range(0, Spec.States.Length).Select(s => s == outState ? null : Tensor<T>.Rent(Device, false, steps, batch, ws.StateWidth[s])).ToArray()
            : null;
        // Recording the cell's equations (inference only): every probe gets a [T, B, d] buffer the probed kernels write.
        var probes = !training && _recording is { Count: > 0 } && Spec.Probes is { } specs
            ? specs.Select(p => Tensor<T>.Rent(Device, Spec.IsSeqDim(p.Dim), steps, batch, sizes[p.Dim])).ToArray()
            : null;
        views.Probes = probes?.Select(p => p.View).ToArray();
        for (int t = 0; t < steps; t++)
        {
            views.Step = t;
            RunGroups(views, ws, segment: 0, includeState: true);
            for (int k = 0; k < Spec.Segments; k++)
            {
                if (probes is null) _program!.Forward(k, views);
                else _program!.ForwardProbed(k, views);
                RunGroups(views, ws, segment: k + 1, includeState: false);
            }
            Zoneout(views, ws, training);
            AverageStates(views, ws);
            if (!training)
            {
                views.NextState(outState).CopyTo(ws.Slot(output.View, t, outWidth));
                if (sequences is not null)
                    for (int s = 0; s < sequences.Length; s++)
                        if (sequences[s] is { } seq) views.NextState(s).CopyTo(ws.Slot(seq.View, t, ws.StateWidth[s]));
            }
            if (!full) TakeFinalRows(views, ws, lengths!, t, final);
        }
        if (training)
        {
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
        if (probes is not null) TakeRecording(probes, steps, batch);
        var context = training ? new RnnContext<T>(this, ws, views, inputs.ToArray(), full ? null : lengths!.ToArray(), memories?.ToArray() ?? Array.Empty<Tensor<T>>()) : null;
        return new RnnResult<T>(output, final, context, sequences);
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

    /// <summary>Adds this pass's values of the recorded equations to <see cref="Recorded"/>, one [B, d] array per step, and gives the
    /// buffers back.</summary>
    private void TakeRecording(Tensor<T>[] probes, int steps, int batch)
    {
        for (int p = 0; p < probes.Length; p++)
        {
            var name = Spec.Probes![p].Name;
            if (_recording!.Contains(name))
            {
                var all = probes[p].ToArray();
                int per = all.Length / steps;
                for (int t = 0; t < steps; t++) _recorded[name].Add(all[(t * per)..((t + 1) * per)]);
            }
            probes[p].Dispose();
        }
    }

    /// <summary>Copies the states of the sequences that end at step <paramref name="t"/> into the final state.</summary>
    private static void TakeFinalRows(StepViews<T> views, RnnWorkspace<T> ws, int[] lengths, int t, Tensor<T>[] final)
    {
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] != t + 1) continue;
            for (int s = 0; s < final.Length; s++)
            {
                int w = ws.StateWidth[s];
                views.NextState(s).SubView((long)b * w, w).CopyTo(final[s].View.SubView((long)b * w, w));
            }
        }
    }

    /// <summary>Blends the step's new states with the previous ones where zoneout is on: by this step's masks in training, by the
    /// probability (the expectation) in inference.</summary>
    private void Zoneout(StepViews<T> views, RnnWorkspace<T> ws, bool training)
    {
        for (int s = 0; s < _zoneout.Length; s++)
        {
            if (_zoneout[s] == 0) continue;
            var keep = training ? ws.Slot(ZoneMask(ws, s), views.Step, ws.StateWidth[s]) : default;
            Device.Ops<T>().ZoneoutForward(views.State(s), views.NextState(s), keep, _zoneout[s]);
        }
    }

    /// <summary>State averaging after step <c>views.Step</c>: adds the state to its running sum, then hands on
    /// α · sum / (t + 1) + (1 − α) · state. The sums start at zero with step 0.</summary>
    /// <summary>This call's sizes: the layer's, with each memory's number of positions.</summary>
    private int[] CallSizes(IReadOnlyList<Tensor<T>>? memories)
    {
        var sizes = (int[])Sizes.Clone();
        foreach (var (memory, k) in (Spec.Memories ?? Array.Empty<MemorySpec>()).Select((m, k) => (m, k))) sizes[memory.SeqDim] = memories![k].Shape[1];
        return sizes;
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

    private void AverageStates(StepViews<T> views, RnnWorkspace<T> ws, int? stepNumber = null)
    {
        int t = stepNumber ?? views.Step;
        var ops = Device.Ops<T>();
        for (int s = 0; s < _averaging.Length; s++)
        {
            double alpha = _averaging[s];
            if (alpha == 0) continue;
            var sum = AveragingSum(ws, s);
            if (t == 0) sum.MemSetToZero();
            var next = views.NextState(s);
            ops.Axpy(1, next, sum);
            ops.Affine(next, 1 - alpha, 0, next);
            ops.Axpy(alpha / (t + 1), sum, next);
        }
    }

    /// <summary>The running sum of state <paramref name="s"/> over the steps so far [B, d] (state averaging).</summary>
    private static ArrayView<T> AveragingSum(RnnWorkspace<T> ws, int s) => ws.Extra("averagesum" + s, (long)ws.Batch * ws.StateWidth[s]);

    /// <summary>The zoneout masks of state <paramref name="s"/>, every step [T, B, d]: 1 where an element keeps its previous value.</summary>
    private static ArrayView<T> ZoneMask(RnnWorkspace<T> ws, int s) => ws.Extra("zoneout" + s, (long)ws.Steps * ws.Batch * ws.StateWidth[s]);

    /// <summary>Under weight-drop in training, draws one mask per recurrent weight block for this pass (0, or 1/(1 − p)) and keeps
    /// the dropped weights in the workspace for the forward and backward products.</summary>
    private void DropWeights(RnnWorkspace<T> ws, bool training)
    {
        ws.WeightsDropped = training && _weightDrop > 0;
        if (!ws.WeightsDropped) return;
        T kept = Scalar<T>.From(1 / (1 - _weightDrop)), zero = Scalar<T>.Zero;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            if (Spec.Groups[g].Operand != GemmOperand.State) continue;
            long length = WeightLength(Spec.Groups[g]);
            var host = new T[length];
            for (long i = 0; i < length; i++) host[i] = _maskRng.NextDouble() < _weightDrop ? zero : kept;
            var mask = ws.Extra("weightmask" + g, length);
            mask.CopyFromCPU(host);
            Device.Ops<T>().Multiply(Weights(Spec.Groups[g]), mask, ws.Extra("dropped" + g, length), accumulate: false);
        }
    }

    /// <summary>Draws every step's dropout masks for a training pass (0, or 1/(1 − rate)); inference and rate 0 give ones. Zoneout's
    /// masks too (1 where an element keeps its previous value).</summary>
    private void FillMasks(RnnWorkspace<T> ws, bool training)
    {
        if (training)
            for (int s = 0; s < _zoneout.Length; s++)
            {
                if (_zoneout[s] == 0) continue;
                var keep = ZoneMask(ws, s);
                var host = new T[keep.Length];
                for (long i = 0; i < host.Length; i++) host[i] = _maskRng.NextDouble() < _zoneout[s] ? Scalar<T>.One : Scalar<T>.Zero;
                keep.CopyFromCPU(host);
            }
        if (Spec.Masks is not { Length: > 0 } masks) return;
        for (int k = 0; k < masks.Length; k++)
        {
            // In [0, 1): SetHyper checks a rate hyperparameter, the generator a literal one.
            double rate = masks[k].RateHyper >= 0 ? GetHyper(Spec.Hypers[masks[k].RateHyper].Name) : masks[k].Rate;
            if (_maskHost.Length != ws.Masks[k].Length) _maskHost = new T[ws.Masks[k].Length];
            var values = _maskHost;
            T one = Scalar<T>.One, kept = Scalar<T>.From(1 / (1 - rate)), zero = Scalar<T>.Zero;
            if (!training || rate == 0) Array.Fill(values, one);
            else for (int i = 0; i < values.Length; i++) values[i] = _maskRng.NextDouble() < rate ? zero : kept;
            ws.Masks[k].CopyFromCPU(values);
        }
    }

    /// <summary>The per-step GEMMs that feed segment <paramref name="segment"/>: recurrent products (state operands) and products of intermediates.</summary>
    private void RunGroups(StepViews<T> views, RnnWorkspace<T> ws, int segment, bool includeState)
    {
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Segment != segment || group.Operand is GemmOperand.Input or GemmOperand.Memory) continue;
            if (group.Operand == GemmOperand.State && !includeState) continue;
            var (operand, width) = group.Operand == GemmOperand.State
                ? (views.State(group.Index), ws.StateWidth[group.Index])
                : (views.Intermediate(group.Index), ws.IntermediateWidth[group.Index]);
            if (Packs(ws)) PackedProduct(operand, ws.Batch, width, _forwardPacks[g], views.GemmOut(g), ws.GroupWidth[g], 0f);
            else _gemm!.Run(false, true, ws.Batch, ws.GroupWidth[g], width, Scalar<T>.One, operand, width, Weights(g, ws), width, Scalar<T>.Zero, views.GemmOut(g), ws.GroupWidth[g]);
        }
    }

    /// <summary>Packs the weights of the per-step products once for the whole sequence: Wᵀ for forward (output = operand·Wᵀ),
    /// W for backward (dOperand = dOutput·W).</summary>
    private unsafe void PackWeights(RnnWorkspace<T> ws, bool backward)
    {
        if (!Packs(ws)) return;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand is GemmOperand.Input or GemmOperand.Memory) continue;
            int width = group.Operand == GemmOperand.State ? ws.StateWidth[group.Index] : ws.IntermediateWidth[group.Index];
            var w = (float*)Weights(g, ws).LoadEffectiveAddressAsPtr();
            if (backward) _packedGemm!.Pack(_backwardPacks[g], w, ws.GroupWidth[g], width, width, transposed: false);
            else _packedGemm!.Pack(_forwardPacks[g], w, width, ws.GroupWidth[g], width, transposed: true);
        }
    }

    /// <summary>Whether this pass's per-step products run on packed weights: with fewer rows than the GEMM's register tile (batch-1
    /// generation) a product reads each weight once either way, and packing them would only add a copy of them per pass.</summary>
    private bool Packs(RnnWorkspace<T> ws) => _packedGemm is not null && ws.Batch >= _packedGemm.RowsWorthPacking;

    private unsafe void PackedProduct(ArrayView<T> a, int m, int lda, CpuGemm.Packed b, ArrayView<T> c, int ldc, float beta) =>
        _packedGemm!.Multiply((float*)a.LoadEffectiveAddressAsPtr(), m, lda, b, (float*)c.LoadEffectiveAddressAsPtr(), ldc, beta);
}
