using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>Starts running the layer one step at a time in inference (decoding): the memories' products run once here, and every
    /// <see cref="RnnStepper{T}.Step(Tensor{T})"/> after runs the step's products and the cell's fused inference kernels on buffers made here, so
    /// stepping allocates nothing. <paramref name="initialState"/>: one [B, d] tensor per state (null: zeros, or the learned state).</summary>
    public RnnStepper<T> Start(int batch, IReadOnlyList<Tensor<T>>? initialState = null, IReadOnlyList<Tensor<T>>? memories = null, IReadOnlyList<int[]?>? memoryLengths = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"A batch has at least one row, not {batch}.");
        var memoryRows = CheckMemories(memories, memoryLengths, batch);
        if (!IsBuilt) TakeInputSizes(Spec.Inputs.Select(p => Sizes[p.Dim]).ToArray(), memories?.Select(m => m.Shape[2]).ToArray());
        if (!IsBuilt) throw NotBuilt();
        var sizes = CallSizes(memories);
        CheckInitialState(initialState, batch, sizes);

        var ws = new RnnWorkspace<T>(Device, Spec, sizes, steps: 1, batch, training: false);
        int rowsPerWorker = Math.Max(1, Device.MinElementsPerThread / sizes.Max());
        var views = new StepViews<T>(ws, ws.Sizes, _hypers, _paramViews, _gradViews, Spec.Inputs.Select(_ => default(ArrayView<T>)).ToArray(),
            Device.GroupSize, Device.Workers, _gradShifts, rowsPerWorker);
        views.SetMemories(memories?.Select(m => m.View).ToArray() ?? Array.Empty<ArrayView<T>>());
        for (int k = 0; k < memoryRows.Length; k++) ws.Lengths[Spec.Memories![k].SeqDim].CopyFromCPU(memoryRows[k]);
        FillMasks(ws, training: false);
        var ops = Device.Ops<T>();
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var slot0 = ws.Slot(ws.States[s], 0, ws.StateWidth[s]);
            if (initialState is not null) initialState[s].View.CopyTo(slot0);
            else if (LearnsInitialState) ops.AddRowVector(slot0, batch, ws.StateWidth[s], _initialState[s].Value);
        }
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Memory) continue;
            var memory = Spec.Memories![group.Index];
            int width = sizes[memory.Dim];
            _gemm!.Run(false, true, batch * sizes[memory.SeqDim], ws.GroupWidth[g], width, Scalar<T>.One, memories![group.Index].View, width, Weights(group), width,
                Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }
        PackWeights(ws, backward: false);
        return new RnnStepper<T>(this, ws, views);
    }

    /// <summary>One inference step of a stepper: the inputs' products, the recurrent products and the fused kernels, zoneout's
    /// expectation and state averaging; then the new state becomes the one the next step reads.</summary>
    internal void StepOnce(RnnWorkspace<T> ws, StepViews<T> views, ArrayView<T>[] inputs, int stepNumber)
    {
        views.SetInputs(inputs);
        views.Step = 0;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Input) continue;
            int width = Sizes[Spec.Inputs[group.Index].Dim];
            _gemm!.Run(false, true, ws.Batch, ws.GroupWidth[g], width, Scalar<T>.One, inputs[group.Index], width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }
        RunGroups(views, ws, segment: 0, includeState: true);
        for (int k = 0; k < Spec.Segments; k++)
        {
            _program!.Forward(k, views);
            RunGroups(views, ws, segment: k + 1, includeState: false);
        }
        Zoneout(views, ws, training: false);
        AverageStates(views, ws, stepNumber);
        for (int s = 0; s < Spec.States.Length; s++) views.NextState(s).CopyTo(views.State(s));
    }

    /// <summary>The running sums state averaging keeps, for a stepper to reorder with its rows.</summary>
    internal IEnumerable<(ArrayView<T> View, int Width)> AveragingSums(RnnWorkspace<T> ws) =>
        Enumerable.Range(0, _averaging.Length).Where(s => _averaging[s] > 0).Select(s => (AveragingSum(ws, s), ws.StateWidth[s]));
}

/// <summary>A recurrent layer run one step at a time in inference, as decoding does (see <see cref="RnnLayer{T}.Start"/>): feed each
/// step's input with <see cref="Step(Tensor{T})"/>, read <see cref="Output"/> and <see cref="State(int)"/>, and for beam search
/// <see cref="Reorder"/> the rows. Every buffer is made when it starts; stepping allocates nothing.</summary>
public sealed class RnnStepper<T> : IDisposable where T : unmanaged
{
    private readonly RnnLayer<T> _layer;
    private readonly RnnWorkspace<T> _ws;
    private readonly StepViews<T> _views;
    private readonly Tensor<T>[] _states;
    private readonly ArrayView<T>[] _inputs;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _rows;
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _scratch;

    internal RnnStepper(RnnLayer<T> layer, RnnWorkspace<T> ws, StepViews<T> views)
    {
        _layer = layer;
        _ws = ws;
        _views = views;
        _states = Enumerable.Range(0, layer.Spec.States.Length).Select(s => Tensor<T>.Wrap(layer.Device, views.State(s), ws.Batch, ws.StateWidth[s])).ToArray();
        _inputs = new ArrayView<T>[layer.Spec.Inputs.Length];
        _rows = layer.Device.Allocate<int>(ws.Batch);
        _scratch = layer.Device.Allocate<T>((long)ws.Batch * ws.StateWidth.Max());
    }

    /// <summary>Rows in this run.</summary>
    public int Batch => _ws.Batch;

    /// <summary>Steps taken so far.</summary>
    public int Steps { get; private set; }

    /// <summary>The output after the last step [B, H] (before any step: the initial state). A view: the next step overwrites it.</summary>
    public Tensor<T> Output => _states[_layer.Spec.OutputState];

    /// <summary>State <paramref name="s"/> after the last step [B, d] (a view, overwritten by the next step).</summary>
    public Tensor<T> State(int s) => _states[s];

    /// <summary>State <paramref name="name"/> after the last step [B, d].</summary>
    public Tensor<T> State(string name) => _states[Array.FindIndex(_layer.Spec.States, st => st.Name == name) is var s and >= 0 ? s
        : throw new ArgumentException($"{_layer.Spec.Name} has no state '{name}'; it has: {string.Join(", ", _layer.Spec.States.Select(st => st.Name))}.", nameof(name))];

    /// <summary>Runs one step on <paramref name="input"/> [B, In] (a cell with several inputs: <see cref="Step(IReadOnlyList{Tensor{T}})"/>).</summary>
    public void Step(Tensor<T> input) => Step(new[] { input });

    /// <summary>Runs one step on <paramref name="inputs"/>, one [B, d] tensor per input of the cell; the states and <see cref="Output"/> then hold the step's result.</summary>
    public void Step(IReadOnlyList<Tensor<T>> inputs)
    {
        if (inputs.Count != _inputs.Length)
            throw new ArgumentException($"{_layer.Spec.Name} reads {_inputs.Length} input(s) per step, but {inputs.Count} were given.", nameof(inputs));
        for (int k = 0; k < inputs.Count; k++)
        {
            int width = _layer.Sizes[_layer.Spec.Inputs[k].Dim];
            if (!ReferenceEquals(inputs[k].Device, _layer.Device) || inputs[k].Length != (long)Batch * width)
                throw new ArgumentException($"A step of {_layer.Spec.Name} reads input {_layer.Spec.Inputs[k].Name} [{Batch}, {width}] on {_layer.Device.Name}, but got {inputs[k].ShapeText} on {inputs[k].Device.Name}.", nameof(inputs));
            _inputs[k] = inputs[k].View;
        }
        _layer.StepOnce(_ws, _views, _inputs, Steps);
        Steps++;
    }

    /// <summary>Reorders the rows of the state: row r takes what row <paramref name="rows"/>[r] held (beam search keeping the best
    /// hypotheses). Rows that read memories must stay within rows of the same memory (a beam's hypotheses of one source).</summary>
    public void Reorder(int[] rows)
    {
        if (rows.Length != Batch) throw new ArgumentException($"Reorder takes one source row per row ({Batch}), not {rows.Length}.", nameof(rows));
        foreach (var r in rows)
            if ((uint)r >= (uint)Batch) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is not one of the {Batch} rows.");
        _rows.View.CopyFromCPU(rows);
        var ops = _layer.Device.Ops<T>();
        var views = Enumerable.Range(0, _states.Length).Select(s => (_views.State(s), _ws.StateWidth[s])).Concat(_layer.AveragingSums(_ws));
        foreach (var (view, width) in views)
        {
            var scratch = ((ArrayView<T>)_scratch.View).SubView(0, (long)Batch * width);
            ops.Gather(view, width, _rows.View, Batch, scratch);
            scratch.CopyTo(view);
        }
    }

    /// <summary>Frees the stepper's buffers; the states it returned are gone with them.</summary>
    public void Dispose()
    {
        _ws.Dispose();
        _rows.Dispose();
        _scratch.Dispose();
    }
}
