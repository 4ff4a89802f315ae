using System;
using System.Linq;

using ILGPU.Runtime;

namespace Recur;

/// <summary>Losses as tape operations: each returns a one-element value, the exact mean over what it counts, that
/// <see cref="Tape.Backward{T}"/> starts from. Terms combine with <see cref="Sum{T}"/> (or + and * on the values).</summary>
public static class Losses
{
    /// <summary>Softmax cross-entropy of <paramref name="logits"/> [.., classes] against one class id per row: the mean over rows whose
    /// target is not <paramref name="ignoreIndex"/> (padding) of −log softmax(row)[target], or with label smoothing ε,
    /// (1 − ε)·that + ε·mean over classes of −log softmax (PyTorch's <c>cross_entropy(label_smoothing=ε)</c>). A batch whose targets
    /// are all ignored has loss 0 and no gradient.</summary>
    public static Var<T> CrossEntropy<T>(Var<T> logits, int[] targets, int ignoreIndex = -1, double labelSmoothing = 0) where T : unmanaged
    {
        int rows = logits.Rows, classes = logits.Features;
        if (targets.Length != rows)
            throw new ArgumentException($"{targets.Length} targets were given for {rows} rows of logits {logits.Value.ShapeText}.", nameof(targets));
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"Label smoothing is in [0, 1), not {labelSmoothing}.");
        int count = 0;
        for (int r = 0; r < rows; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            if ((uint)targets[r] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {targets[r]} at row {r} is not a class of {classes} (nor the ignored index {ignoreIndex}).");
            count++;
        }
        var tape = logits.Tape;
        var device = logits.Device;
        var ops = device.Ops<T>();
        var ids = tape.Ids(device, targets);
        bool grad = logits.RequiresGrad && count > 0;
        var saved = grad ? new Saved<T>(Tensor<T>.Rent(device, false, logits.Shape)) : null;
        double sum = ops.CrossEntropy(logits.View, rows, classes, ids.View, ignoreIndex, labelSmoothing, count > 0 ? 1.0 / count : 0, saved?.Value.View ?? default);
        var loss = HostScalar<T>(tape, device, count > 0 ? sum / count : 0, grad);
        if (!grad) return loss;
        tape.Record(() => AdoptScaled(ops, saved!.Take(), loss, logits), new ITracked[] { loss }, saved!);
        return loss;
    }

    /// <summary>A gradient computed forward for a loss gradient of 1, scaled by the actual one (a device scalar, no sync) and handed to
    /// <paramref name="into"/> (taken over when it has no gradient yet).</summary>
    internal static void AdoptScaled<T>(TensorOps<T> ops, Tensor<T> g, Var<T> loss, Var<T> into) where T : unmanaged
    {
        if (into.Grad is null)
        {
            ops.ScaleBy(loss.Grad!.View, g.View);
            into.AddGrad(g, adopt: true);
        }
        else
        {
            ops.AxpyBy(loss.Grad!.View, g.View, into.Grad.View);
            g.Dispose();
        }
    }

    /// <summary>The mean over every element of (prediction − target)²; gradients flow to both when they take them.</summary>
    public static Var<T> MeanSquaredError<T>(Var<T> prediction, Var<T> target) where T : unmanaged
    {
        target = Ops.To(target, prediction.Device);
        if (!prediction.Shape.AsSpan().SequenceEqual(target.Shape))
            throw new ArgumentException($"Mean squared error compares values of one shape, not {prediction.Value.ShapeText} and {target.Value.ShapeText}.", nameof(target));
        var device = prediction.Device;
        var ops = device.Ops<T>();
        var diff = Tensor<T>.Rent(device, false, prediction.Shape);
        double n = prediction.Length;
        double sum = ops.SquaredDifference(prediction.View, target.View, diff.View);
        bool grad = prediction.RequiresGrad || target.RequiresGrad;
        var loss = HostScalar<T>(prediction.Tape, device, sum / n, grad);
        if (!grad)
        {
            diff.Dispose();
            return loss;
        }
        // ∂/∂prediction = 2(p − t)/n · ∂loss, ∂/∂target the negative.
        ops.Affine(diff.View, 2 / n, 0, diff.View);
        prediction.Tape.Record(() =>
        {
            if (prediction.RequiresGrad) ops.AxpyBy(loss.Grad!.View, diff.View, prediction.GradForAccumulate().View);
            if (target.RequiresGrad)
            {
                ops.Affine(diff.View, -1, 0, diff.View);
                ops.AxpyBy(loss.Grad!.View, diff.View, target.GradForAccumulate().View);
            }
        }, new ITracked[] { loss }, diff);
        return loss;
    }

    /// <summary>Σ weight·term over one-element losses (on one device: the first term's).</summary>
    public static Var<T> Sum<T>(params (double Weight, Var<T> Term)[] terms) where T : unmanaged
    {
        if (terms.Length == 0) throw new ArgumentException("A sum of losses needs at least one term.", nameof(terms));
        var first = terms[0].Term;
        var parts = terms.Select(t => (t.Weight, Term: Ops.To(t.Term, first.Device))).ToArray();
        foreach (var (_, term) in parts)
            if (term.Length != 1) throw new ArgumentException($"Loss terms are one-element values; got {term.Value.ShapeText}.", nameof(terms));
        var ops = first.Device.Ops<T>();
        var y = Tensor<T>.Rent(first.Device, true, 1);
        foreach (var (w, term) in parts) ops.Axpy(w, term.View, y.View);
        var r = first.Tape.Result(y, parts.Any(p => p.Term.RequiresGrad));
        if (r.RequiresGrad)
            first.Tape.Record(() =>
            {
                foreach (var (w, term) in parts)
                    if (term.RequiresGrad) ops.Axpy(w, r.Grad!.View, term.GradForAccumulate().View);
            }, new ITracked[] { r });
        return r;
    }

    internal static Var<T> HostScalar<T>(Tape tape, Device device, double value, bool requiresGrad) where T : unmanaged
    {
        var t = Tensor<T>.Rent(device, false, 1);
        t.CopyFrom(new[] { Scalar<T>.From(value) });
        return tape.Result(t, requiresGrad);
    }
}
