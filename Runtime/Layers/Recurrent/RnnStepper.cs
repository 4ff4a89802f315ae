using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

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
    private readonly StepWeights<T>[] _weights;
    private readonly List<(ArrayView<T> View, int Width)> _rowState;

    internal RnnStepper(RnnLayer<T> layer, RnnWorkspace<T> ws, StepViews<T> views, StepWeights<T>[] weights)
    {
        _layer = layer;
        _ws = ws;
        _views = views;
        _weights = weights;
        _states = Enumerable.Range(0, layer.Spec.States.Length).Select(s => Tensor<T>.Wrap(layer.Device, views.State(s), ws.Batch, ws.StateWidth[s])).ToArray();
        _inputs = new ArrayView<T>[layer.Spec.Inputs.Length];
        _rows = layer.Device.Allocate<int>(ws.Batch);
        _scratch = layer.Device.Allocate<T>((long)ws.Batch * ws.StateWidth.Max());
        _rowState = layer.RowState(ws, views);
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

    /// <summary>The width of the cell's input <paramref name="k"/>: what a step reads per row.</summary>
    public int InputWidth(int k) => _layer.Sizes[_layer.Spec.Inputs[k].Dim];

    /// <summary>Runs one step on <paramref name="input"/> [B, In] (a cell with several inputs: <see cref="Step(IReadOnlyList{Tensor{T}})"/>).</summary>
    public void Step(Tensor<T> input)
    {
        _single[0] = input;
        Step(_single);
    }

    private readonly Tensor<T>[] _single = new Tensor<T>[1];

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
        _layer.StepOnce(_ws, _views, _weights, _inputs, Steps);
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
        foreach (var (view, width) in _rowState)
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
        foreach (var w in _weights) w.Dispose();
        _rows.Dispose();
        _scratch.Dispose();
    }
}
