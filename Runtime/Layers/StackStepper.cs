using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>A <see cref="LayerStack{T}"/> run one step at a time in inference (see <see cref="LayerStack{T}.Start"/>): a stepper per
/// layer, and each layer's inputs gathered from the step's input, the outputs and states of the layers below as the stack's
/// interconnects say, by column copies into buffers made when it started.</summary>
public sealed class StackStepper<T> : IDisposable where T : unmanaged
{
    private readonly RnnStepper<T>[] _layers;
    private readonly bool _dense;
    private readonly Func<Tensor<T>>[][] _main, _extra;
    private readonly Tensor<T>?[] _concat, _residual;
    private readonly Tensor<T>[] _outputs;
    private readonly Tensor<T>[][] _extraInputs;
    private readonly List<IDisposable> _owned = new();
    private Tensor<T>? _input, _denseOutput;
    private Func<Tensor<T>>[] _denseParts = Array.Empty<Func<Tensor<T>>>();

    internal StackStepper(RnnStepper<T>[] layers, bool dense)
    {
        _layers = layers;
        _dense = dense;
        _main = new Func<Tensor<T>>[layers.Length][];
        _extra = new Func<Tensor<T>>[layers.Length][];
        _concat = new Tensor<T>?[layers.Length];
        _residual = new Tensor<T>?[layers.Length];
        _outputs = new Tensor<T>[layers.Length];
        _extraInputs = new Tensor<T>[layers.Length][];
    }

    /// <summary>Rows in this run.</summary>
    public int Rows => _layers[0].Batch;

    /// <summary>The stack's output after the last step [B, H] (every layer's, side by side, with dense connections). A view: the next
    /// step overwrites it.</summary>
    public Tensor<T> Output() => _denseOutput ?? _outputs[^1];

    /// <summary>Layer <paramref name="k"/>'s stepper (its states after the last step).</summary>
    public RnnStepper<T> Layer(int k) => _layers[k];

    internal Tensor<T> Input => _input!;
    internal Tensor<T> Output(int k) => _outputs[k];
    internal Tensor<T> Own(Tensor<T> t) { _owned.Add(t); return t; }

    /// <summary>Layer k's inputs: the parts its first input concatenates, its other inputs, and whether its output adds its input.</summary>
    internal void Plan(int k, List<Func<Tensor<T>>> main, List<Func<Tensor<T>>> extra, bool residual)
    {
        _main[k] = main.ToArray();
        _extra[k] = extra.ToArray();
        _extraInputs[k] = new Tensor<T>[1 + extra.Count];
        var layer = _layers[k];
        var device = layer.Output.Device;
        if (main.Count > 1) _concat[k] = Own(Tensor<T>.Rent(device, false, Rows, layer.InputWidth(0)));
        // A residual sum adds the layer below's output (the first part) where it is as wide as this layer's, as the stack does for whole sequences.
        if (residual && layer.Output.Shape[1] == (k == 0 ? layer.InputWidth(0) : _outputs[k - 1].Shape[1])) _residual[k] = Own(Tensor<T>.Rent(device, false, Rows, layer.Output.Shape[1]));
        _outputs[k] = _residual[k] ?? layer.Output;
        if (k == _layers.Length - 1 && _dense)
        {
            _denseOutput = Own(Tensor<T>.Rent(device, false, Rows, _outputs.Sum(o => o.Shape[1])));
            _denseParts = Enumerable.Range(0, _outputs.Length).Select(j => (Func<Tensor<T>>)(() => _outputs[j])).ToArray();
        }
    }

    /// <summary>Runs one step of every layer on <paramref name="input"/> [B, In]; <see cref="Output()"/> then holds the stack's output.</summary>
    public void Step(Tensor<T> input)
    {
        _input = input;
        var ops = input.Device.Ops<T>();
        for (int k = 0; k < _layers.Length; k++)
        {
            var below = _main[k][0]();
            var x = _concat[k] is { } concat ? Concat(ops, _main[k], concat) : below;
            _extraInputs[k][0] = x;
            for (int e = 0; e < _extra[k].Length; e++) _extraInputs[k][1 + e] = _extra[k][e]();
            _layers[k].Step(_extraInputs[k]);
            if (_residual[k] is { } sum) ops.Add(_layers[k].Output.View, below.View, sum.View);
        }
        if (_denseOutput is { } all) Concat(ops, _denseParts, all);
    }

    private static Tensor<T> Concat(TensorOps<T> ops, Func<Tensor<T>>[] parts, Tensor<T> into)
    {
        int rows = into.Shape[0], width = into.Shape[1], at = 0;
        foreach (var part in parts)
        {
            var p = part();
            int w = p.Shape[1];
            ops.CopyColumns(p.View, w, 0, into.View, width, at, rows, w, accumulate: false);
            at += w;
        }
        return into;
    }

    /// <summary>Row r of every layer takes what row <paramref name="rows"/>[r] held (see <see cref="RnnStepper{T}.Reorder"/>).</summary>
    public void Reorder(int[] rows)
    {
        foreach (var l in _layers) l.Reorder(rows);
    }

    /// <summary>Frees every layer's stepper and the stack's buffers.</summary>
    public void Dispose()
    {
        foreach (var l in _layers) l?.Dispose();
        foreach (var o in _owned) o.Dispose();
    }
}
