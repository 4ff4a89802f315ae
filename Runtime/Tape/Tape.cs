using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>A value a tape tracks, whatever its element type.</summary>
internal interface ITracked
{
    bool HasGrad { get; }
    bool IsLeaf { get; }
    bool Kept { get; }
    void Release();
}

/// <summary>Define-by-run differentiation over coarse operations. A model's forward pass is ordinary C#: each operation that runs
/// (a whole recurrent layer over a sequence, one matrix product, one gather, one loss) computes its output and, on a training tape,
/// records how to send gradients back to its inputs. <see cref="Backward{T}"/> plays those records in reverse, giving each
/// intermediate value's buffers back to the device pool as soon as nothing needs them, so a training step allocates nothing after
/// the first. An inference tape (<c>training: false</c>) records nothing and keeps no activations. Dispose the tape when the step is
/// done: every buffer it still holds goes back to the pool.
/// <code>
/// using var tape = new Tape(training: true, rng);
/// var loss = model.Loss(tape, batch);
/// tape.Backward(loss);          // parameter gradients accumulate
/// </code></summary>
public sealed class Tape : IDisposable
{
    private readonly record struct Entry(Action Backward, ITracked[] Outputs, IDisposable[]? Saved);

    private readonly List<Entry> _entries = new();
    private readonly List<ITracked> _values = new();
    private readonly List<IDisposable> _held = new();
    private bool _backwardDone, _disposed;

    /// <summary>An empty tape; operations on <see cref="Var{T}"/>s record onto it.</summary>
    /// <param name="training">Record for a backward pass and turn dropout on.</param>
    /// <param name="rng">Where dropout masks come from (a trainer passes its own, so a resumed run draws the same masks).</param>
    public Tape(bool training = false, Rng? rng = null)
    {
        Training = training;
        Rng = rng ?? new Rng(0x5EED);
    }

    /// <summary>True for a training tape: dropout is on and operations record their backward.</summary>
    public bool Training { get; }
    /// <summary>The generator dropout masks and sampling draw from.</summary>
    public Rng Rng { get; }

    /// <summary>Operations recorded so far (tens per training step for a recurrent model).</summary>
    public int Count => _entries.Count;

    /// <summary>A tensor the caller owns, as a value on this tape (with <paramref name="requiresGrad"/> its gradient is kept after Backward).</summary>
    public Var<T> Input<T>(Tensor<T> value, bool requiresGrad = false) where T : unmanaged =>
        new(this, Check(value), ownsValue: false, requiresGrad, leaf: true);

    /// <summary>Host data copied to <paramref name="device"/> as a value on this tape.</summary>
    public Var<T> Input<T>(Device device, T[] data, params int[] shape) where T : unmanaged
    {
        var t = Tensor<T>.Rent(device, false, shape);
        if (t.Length != data.Length)
        {
            t.Dispose();
            throw new ArgumentException($"{data.Length} values cannot fill a tensor of shape {Tensor<T>.Text(shape)} ({t.Length} values).", nameof(data));
        }
        t.CopyFrom(data);
        return new Var<T>(this, t, ownsValue: true, requiresGrad: false, leaf: true);
    }

    /// <summary>A parameter as a value on this tape: its gradient adds into the parameter's gradient buffer (unless it is frozen).</summary>
    public Var<T> Parameter<T>(Parameter<T> p) where T : unmanaged =>
        new(this, Tensor<T>.Wrap(p.Device, p.Value, p.Shape), ownsValue: false, !p.Frozen, leaf: true, Tensor<T>.Wrap(p.Device, p.Grad, p.Shape));

    /// <summary>Integer ids copied to the device, held until the tape is disposed.</summary>
    internal Tensor<int> Ids(Device device, int[] ids)
    {
        var t = Tensor<int>.Rent(device, false, ids.Length);
        t.CopyFrom(ids);
        Hold(t);
        return t;
    }

    /// <summary>An operation's output, owned by the tape.</summary>
    internal Var<T> Result<T>(Tensor<T> value, bool requiresGrad) where T : unmanaged =>
        new(this, value, ownsValue: true, requiresGrad, leaf: false);

    /// <summary>Records an operation's backward pass: it runs when any of <paramref name="outputs"/> received a gradient, after which
    /// the outputs (unless kept) and the <paramref name="saved"/> resources are released.</summary>
    internal void Record(Action backward, ITracked[] outputs, params IDisposable[]? saved)
    {
        CheckOpen();
        if (!Training) throw new InvalidOperationException("An inference tape (training: false) records nothing.");
        _entries.Add(new Entry(backward, outputs, saved));
    }

    internal void Track(ITracked value)
    {
        CheckOpen();
        _values.Add(value);
    }

    /// <summary>Releases <paramref name="resource"/> when the tape is disposed.</summary>
    public void Hold(IDisposable resource) => _held.Add(resource);

    /// <summary>Sends the gradient of <paramref name="loss"/> (a one-element value) back through every recorded operation; gradients
    /// add into the parameters' gradient buffers and into inputs given with requiresGrad. Intermediate values are released as the pass
    /// goes (the loss is kept).</summary>
    public void Backward<T>(Var<T> loss) where T : unmanaged
    {
        CheckOpen();
        if (!Training) throw new InvalidOperationException("This tape was made with training: false, so it recorded nothing to differentiate; make it with training: true.");
        if (!ReferenceEquals(loss.Tape, this)) throw new ArgumentException("The loss was computed on another tape.", nameof(loss));
        if (loss.Length != 1) throw new ArgumentException($"Backward starts from a one-element loss; this value is {loss.Value.ShapeText}. Reduce it with a loss (CrossEntropy, MeanSquaredError) first.", nameof(loss));
        if (_backwardDone) throw new InvalidOperationException("Backward ran on this tape already; record a new tape for the next step.");
        if (!loss.RequiresGrad) throw new InvalidOperationException("The loss does not depend on anything that takes a gradient (every parameter it reads is frozen, or it reads only constants).");
        _backwardDone = true;
        loss.Keep();
        var seed = loss.GradForWrite(out _);
        loss.Device.Ops<T>().Fill(seed.View, 1);
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            var entry = _entries[i];
            if (entry.Outputs.Any(o => o.HasGrad)) entry.Backward();
            foreach (var o in entry.Outputs) if (!o.IsLeaf && !o.Kept) o.Release();
            if (entry.Saved is not null) foreach (var s in entry.Saved) s?.Dispose();
        }
        _entries.Clear();
    }

    private Tensor<T> Check<T>(Tensor<T> t) where T : unmanaged => t ?? throw new ArgumentNullException(nameof(t));

    private void CheckOpen()
    {
        if (_disposed) throw new ObjectDisposedException(nameof(Tape), "This tape was disposed; values and gradients it held were given back to the pool.");
    }

    /// <summary>Frees every buffer the tape still holds (values not kept with <see cref="Var{T}.Keep"/> are gone).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var e in _entries)
            if (e.Saved is not null) foreach (var s in e.Saved) s?.Dispose();
        _entries.Clear();
        foreach (var v in _values) v.Release();
        _values.Clear();
        foreach (var h in _held) h.Dispose();
        _held.Clear();
    }
}
