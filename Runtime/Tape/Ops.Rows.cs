using System;
using System.Linq;

using ILGPU.Runtime;

namespace Recur;

public static partial class Ops
{
    /// <summary>Rows of <paramref name="table"/> [V, E] picked by <paramref name="ids"/> → [shape.., E]. Backward adds each row's
    /// gradient into the table row it came from, except rows picked by <paramref name="paddingIndex"/> (≥ 0), which get none.</summary>
    public static Var<T> Embed<T>(Var<T> table, int[] ids, int[] shape, int paddingIndex = -1) where T : unmanaged
    {
        if (table.Shape.Length != 2) throw new ArgumentException($"An embedding table is [vocabulary, features], not {table.Value.ShapeText}.", nameof(table));
        int vocab = table.Shape[0];
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (ids.Length != count) throw new ArgumentException($"{ids.Length} ids cannot fill shape {Tensor<T>.Text(shape)} ({count} positions).", nameof(ids));
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Id {ids[i]} at position {i} is outside the vocabulary of {vocab}.");
        return GatherRows(table, ids, shape.Append(table.Shape[1]).ToArray(), paddingIndex);
    }

    /// <summary>y[r] = x[rows[r]] over x's rows (every axis but the last), into a tensor of <paramref name="shape"/>; the gradient
    /// of each picked row adds back into the row it came from (none for <paramref name="skip"/>).</summary>
    private static Var<T> GatherRows<T>(Var<T> x, int[] rows, int[] shape, int skip = -1) where T : unmanaged
    {
        var device = x.Device;
        var ops = device.Ops<T>();
        var index = x.Tape.Ids(device, rows);
        int width = x.Features;
        var y = Tensor<T>.Rent(device, false, shape);
        ops.Gather(x.View, width, index.View, rows.Length, y.View);
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () => ops.ScatterAdd(x.GradForAccumulate().View, width, index.View, rows.Length, r.Grad!.View, skip));
    }

    /// <summary>Sequences [T, B, F] reversed in time, each within its own length (positions past a length stay where they are), as a
    /// backward-running layer of a bidirectional encoder reads them. Its own inverse.</summary>
    public static Var<T> ReverseSequences<T>(Var<T> x, int[]? lengths = null) where T : unmanaged
    {
        if (x.Shape.Length != 3) throw new ArgumentException($"ReverseSequences takes sequences [T, B, F], not {x.Value.ShapeText}.", nameof(x));
        int steps = x.Shape[0], batch = x.Shape[1];
        lengths = CheckLengths(lengths, steps, batch);
        var map = new int[steps * batch];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                map[t * batch + b] = (t < lengths[b] ? lengths[b] - 1 - t : t) * batch + b;
        return GatherRows(x, map, x.Shape);
    }

    /// <summary>Sequences [T, B, F] (time-major, as recurrent layers read and write them) as [B, T, F] (batch-major: each sequence's
    /// steps together, as attention reads a memory). The gradient goes back through the same permutation.</summary>
    public static Var<T> BatchMajor<T>(Var<T> x) where T : unmanaged => SwapLeadingAxes(x, "BatchMajor");

    /// <summary>[B, T, F] back to [T, B, F]: the inverse of <see cref="BatchMajor{T}"/>.</summary>
    public static Var<T> TimeMajor<T>(Var<T> x) where T : unmanaged => SwapLeadingAxes(x, "TimeMajor");

    private static Var<T> SwapLeadingAxes<T>(Var<T> x, string name) where T : unmanaged
    {
        if (x.Shape.Length != 3) throw new ArgumentException($"{name} takes a 3-axis tensor, not {x.Value.ShapeText}.", nameof(x));
        int a = x.Shape[0], b = x.Shape[1];
        var map = new int[a * b];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                map[j * a + i] = i * b + j;
        return GatherRows(x, map, new[] { b, a, x.Shape[2] });
    }

    /// <summary>Checks per-sequence lengths against [T, B] (null: every sequence is T long).</summary>
    internal static int[] CheckLengths(int[]? lengths, int steps, int batch)
    {
        if (lengths is null) return Enumerable.Repeat(steps, batch).ToArray();
        if (lengths.Length != batch) throw new ArgumentException($"{lengths.Length} lengths were given for a batch of {batch} sequences.", nameof(lengths));
        for (int b = 0; b < batch; b++)
            if (lengths[b] < 1 || lengths[b] > steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), $"Sequence {b} has length {lengths[b]}; lengths must be in [1, {steps}] for {steps} steps.");
        return lengths;
    }

    /// <summary>Concatenation along the last axis (every other axis equal); each part's gradient is its block of columns.</summary>
    public static Var<T> Concat<T>(params Var<T>[] parts) where T : unmanaged
    {
        if (parts.Length == 0) throw new ArgumentException("Concat needs at least one value.", nameof(parts));
        var first = parts[0];
        var device = first.Device;
        parts = parts.Select(p => { SameTape(first, p); return To(p, device); }).ToArray();
        foreach (var p in parts)
            if (!p.Shape.AsSpan(0, p.Shape.Length - 1).SequenceEqual(first.Shape.AsSpan(0, first.Shape.Length - 1)))
                throw new ArgumentException($"Concat joins along the last axis; every other axis must agree, but got {string.Join(" and ", parts.Select(q => q.Value.ShapeText))}.");
        if (parts.Length == 1) return first;
        int rows = first.Rows, total = parts.Sum(p => p.Features);
        var ops = device.Ops<T>();
        var y = Tensor<T>.Rent(device, false, WithFeatures(first.Shape, total));
        int offset = 0;
        foreach (var p in parts)
        {
            ops.CopyColumns(p.View, p.Features, 0, y.View, total, offset, rows, p.Features, accumulate: false);
            offset += p.Features;
        }
        var r = first.Tape.Result(y, parts.Any(p => p.RequiresGrad));
        return Recorded(r, () =>
        {
            int at = 0;
            foreach (var p in parts)
            {
                if (p.RequiresGrad)
                {
                    var dp = p.GradForWrite(out var beta);
                    ops.CopyColumns(r.Grad!.View, total, at, dp.View, p.Features, 0, rows, p.Features, accumulate: !Scalar<T>.IsZero(beta));
                }
                at += p.Features;
            }
        });
    }

    /// <summary>Features [start, start + length) of the last axis; the gradient goes back into those columns.</summary>
    public static Var<T> Slice<T>(Var<T> x, int start, int length) where T : unmanaged
    {
        if (start < 0 || length < 1 || start + length > x.Features)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside the {x.Features} features of {x.Value.ShapeText}.");
        if (start == 0 && length == x.Features) return x;
        int rows = x.Rows, width = x.Features;
        var ops = O(x);
        var y = Tensor<T>.Rent(x.Device, false, WithFeatures(x.Shape, length));
        ops.CopyColumns(x.View, width, start, y.View, length, 0, rows, length, accumulate: false);
        var r = x.Tape.Result(y, x.RequiresGrad);
        return Recorded(r, () => ops.CopyColumns(r.Grad!.View, length, 0, x.GradForAccumulate().View, width, start, rows, length, accumulate: true));
    }

    /// <summary>Steps [start, start + count) of x along its first axis (time, for sequences [T, B, F]): a view, no copy; the gradient
    /// adds into those steps of x's.</summary>
    public static Var<T> Steps<T>(Var<T> x, int start, int count) where T : unmanaged
    {
        int steps = x.Shape[0];
        if (start < 0 || count < 1 || start + count > steps)
            throw new ArgumentOutOfRangeException(nameof(start), $"Steps [{start}, {start + count}) are outside the {steps} of {x.Value.ShapeText}.");
        long per = x.Length / steps;
        var shape = x.Shape.ToArray();
        shape[0] = count;
        var alias = Tensor<T>.Wrap(x.Device, x.View.SubView(start * per, count * per), shape);
        var r = new Var<T>(x.Tape, alias, ownsValue: false, x.RequiresGrad, leaf: false);
        return Recorded(r, () => O(x).Axpy(1, r.Grad!.View, x.GradForAccumulate().View.SubView(start * per, count * per)));
    }

    /// <summary>The same values under another shape with as many elements (a view: no copy forward).</summary>
    public static Var<T> Reshape<T>(Var<T> x, params int[] shape) where T : unmanaged
    {
        var alias = x.Value.Reshape(shape);
        var r = new Var<T>(x.Tape, alias, ownsValue: false, x.RequiresGrad, leaf: false);
        return Recorded(r, () => AccumulateGrad(x, r.Grad!.Reshape(x.Shape)));
    }

    /// <summary>A vector [F] repeated as <paramref name="rows"/> rows → [rows, F] (a learned initial state for every sequence of a
    /// batch); its gradient is the sum over rows.</summary>
    public static Var<T> BroadcastRows<T>(Var<T> v, int rows) where T : unmanaged
    {
        if (v.Shape.Length != 1) throw new ArgumentException($"BroadcastRows repeats a vector, not {v.Value.ShapeText}.", nameof(v));
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"rows must be positive, not {rows}.");
        int width = v.Features;
        var ops = O(v);
        var y = Tensor<T>.Rent(v.Device, true, rows, width);
        ops.AddRowVector(y.View, rows, width, v.View);
        var r = v.Tape.Result(y, v.RequiresGrad);
        return Recorded(r, () => ops.ColumnSumAdd(r.Grad!.View, rows, width, v.GradForAccumulate().View));
    }
}
