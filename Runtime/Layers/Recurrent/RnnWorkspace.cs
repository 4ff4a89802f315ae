using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Every buffer one sequence of a layer needs, allocated once per (steps, batch) and reused, so the time loop allocates nothing.
/// Training keeps each step's states, GEMM outputs and GEMM operands for the backward pass; inference keeps two state slots
/// (previous and next) and one step of everything else.</summary>
internal sealed class RnnWorkspace<T> : IDisposable where T : unmanaged
{
    private readonly List<IDisposable> _owned = new();
    private readonly Device _device;
    // Input projections are computed for every step before the loop, so their buffer always holds all steps.
    private readonly bool[] _allSteps;

    public RnnWorkspace(Device device, CellSpec spec, int[] sizes, int steps, int batch, bool training, int hooks)
    {
        _device = device;
        HookBuffers = new object?[hooks];
        Steps = steps;
        Batch = batch;
        Training = training;
        Sizes = (int[])sizes.Clone();
        StateWidth = spec.States.Select(s => sizes[s.Dim]).ToArray();
        GroupWidth = spec.Groups.Select(g => Enumerable.Range(g.FirstParam, g.ParamCount).Sum(p => sizes[spec.Params[p].Rows])).ToArray();
        IntermediateWidth = spec.Intermediates.Select(i => sizes[i.Dim]).ToArray();
        int stateSlots = training ? steps + 1 : 2, stepSlots = training ? steps : 1;

        ArrayView<int> AllocInts(long length)
        {
            var buffer = device.Allocate<int>(length);
            _owned.Add(buffer);
            return buffer.View;
        }

        States = StateWidth.Select(w => Allocate((long)stateSlots * batch * w)).ToArray();
        _allSteps = spec.Groups.Select(g => g.Operand == GemmOperand.Input).ToArray();
        // A memory product is one [B, S, width] block for the whole sequence.
        IsMemoryGroup = spec.Groups.Select(g => g.Operand == GemmOperand.Memory).ToArray();
        long Rows(int g) => IsMemoryGroup[g] ? (long)batch * sizes[spec.Memories![spec.Groups[g].Index].SeqDim] : (long)(_allSteps[g] ? steps : stepSlots) * batch;
        GemmOut = spec.Groups.Select((g, i) => Allocate(Rows(i) * GroupWidth[i])).ToArray();
        var memories = spec.Memories ?? Array.Empty<MemorySpec>();
        Lengths = Enumerable.Range(0, sizes.Length).Select(d => spec.IsSeqDim(d) ? AllocInts(batch) : default).ToArray();
        Intermediates = IntermediateWidth.Select(w => Allocate((long)stepSlots * batch * w)).ToArray();
        int widest = sizes.DefaultIfEmpty(1).Max();
        Scratch = Enumerable.Range(0, spec.ScratchSlots).Select(_ => Allocate((long)batch * widest)).ToArray();
        MaskWidth = (spec.Masks ?? Array.Empty<MaskSpec>()).Select(m => sizes[m.Dim]).ToArray();
        Masks = MaskWidth.Select(w => Allocate((long)stepSlots * batch * w)).ToArray();
        if (!training) return;
        GemmOutGrad = GroupWidth.Select((w, g) => Allocate((IsMemoryGroup[g] ? Rows(g) : (long)steps * batch) * w)).ToArray();
        MemoryGrad = memories.Select(m => Allocate((long)batch * sizes[m.SeqDim] * sizes[m.Dim])).ToArray();
        IntermediateGrad = IntermediateWidth.Select(w => Allocate((long)batch * w)).ToArray();
        StateGradA = StateWidth.Select(w => Allocate((long)batch * w)).ToArray();
        StateGradB = StateWidth.Select(w => Allocate((long)batch * w)).ToArray();
        InputGrad = spec.Inputs.Select(p => Allocate((long)steps * batch * sizes[p.Dim])).ToArray();
    }

    public int Steps { get; }
    public int Batch { get; }
    /// <summary>The sizes of the cell's dimensions in this workspace (a memory's positions: the longest row's, this call's).</summary>
    public int[] Sizes { get; }
    public bool[] IsMemoryGroup { get; }
    /// <summary>Per dimension that counts a memory's positions, each batch row's length [B] (default elsewhere).</summary>
    public ArrayView<int>[] Lengths { get; }
    /// <summary>The gradient of each memory [B, S, E], accumulated over the steps (training only).</summary>
    public ArrayView<T>[] MemoryGrad { get; } = Array.Empty<ArrayView<T>>();
    public bool Training { get; }
    public int[] StateWidth { get; }
    public int[] GroupWidth { get; }
    public int[] IntermediateWidth { get; }

    public ArrayView<T>[] States { get; }
    public ArrayView<T>[] GemmOut { get; }
    public ArrayView<T>[] Intermediates { get; }
    public ArrayView<T>[] Scratch { get; }
    /// <summary>Dropout masks: every step's in training (the backward pass reuses them), one step of ones in inference.</summary>
    public ArrayView<T>[] Masks { get; }
    public int[] MaskWidth { get; }
    public ArrayView<T>[] GemmOutGrad { get; } = Array.Empty<ArrayView<T>>();
    public ArrayView<T>[] IntermediateGrad { get; } = Array.Empty<ArrayView<T>>();
    public ArrayView<T>[] StateGradA { get; } = Array.Empty<ArrayView<T>>();
    public ArrayView<T>[] StateGradB { get; } = Array.Empty<ArrayView<T>>();
    public ArrayView<T>[] InputGrad { get; } = Array.Empty<ArrayView<T>>();

    /// <summary>What each of the layer's step hooks keeps with this workspace (zoneout's masks, weight-drop's dropped weights), by
    /// the hook's index; a hook makes its own the first time it runs on this workspace.</summary>
    public object?[] HookBuffers { get; }

    /// <summary>A zeroed device buffer that lives and dies with the workspace.</summary>
    public ArrayView<T> Allocate(long length)
    {
        var buffer = _device.Allocate<T>(length);
        buffer.MemSetToZero();
        _owned.Add(buffer);
        return buffer.View;
    }

    /// <summary>Row block <paramref name="slot"/> of a buffer of rows of width <paramref name="width"/> (one row per batch element).</summary>
    public ArrayView<T> Slot(ArrayView<T> buffer, int slot, int width) => buffer.SubView((long)slot * Batch * width, (long)Batch * width);

    public int StateSlot(int step) => Training ? step : step & 1;
    public int StepSlot(int step) => Training ? step : 0;
    public int GemmSlot(int group, int step) => _allSteps[group] ? step : StepSlot(step);

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
    }
}
