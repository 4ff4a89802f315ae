using System;
using System.Linq;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Regularizers as loss terms with exact gradients, for any model: add them to the loss with <see cref="Losses.Sum{T}"/> or +.
/// Each takes the sequence it regularizes, [T, B, F] time-major (a layer's hidden states, or the logits), and its weight.</summary>
public static class Regularizers
{
    /// <summary>The norm-stabilizer (Krueger &amp; Memisevic 2016): β · mean over consecutive steps and sequences of
    /// (‖x_t‖ − ‖x_{t−1}‖)², which keeps the norm of the hidden states (or of the logits) from drifting over time; Project_RNN_Enhancement's
    /// norm_regularize_hidden_states and norm_regularize_logits.</summary>
    public static Var<T> NormStabilizer<T>(Var<T> sequence, double beta) where T : unmanaged
    {
        if (sequence.Shape.Length < 2 || sequence.Shape[0] < 2)
            throw new ArgumentException($"The norm-stabilizer compares consecutive steps of a sequence [T, B, F] with T ≥ 2, not {sequence.Value.ShapeText}.", nameof(sequence));
        int steps = sequence.Shape[0], rows = sequence.Rows, cols = sequence.Features, batch = rows / steps;
        var device = sequence.Device;
        var ops = device.Ops<T>();
        using var normsOnDevice = Tensor<T>.Rent(device, false, rows);
        ops.RowNorms(sequence.View, rows, cols, normsOnDevice.View);
        var norms = normsOnDevice.ToArray().Select(Scalar<T>.ToDouble).ToArray();
        double n = (steps - 1.0) * batch, sum = 0;
        for (int t = 1; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                double d = norms[t * batch + b] - norms[(t - 1) * batch + b];
                sum += d * d;
            }
        var loss = ScalarLoss(sequence, beta * sum / n);
        if (!loss.RequiresGrad) return loss;
        sequence.Tape.Record(() =>
        {
            // dL/d‖x_t‖ = 2β/n·[(‖x_t‖ − ‖x_{t−1}‖) − (‖x_{t+1}‖ − ‖x_t‖)] (the terms that exist), and d‖x‖/dx = x/‖x‖ (0 at x = 0).
            double upstream = loss.Grad!.ToArray().Select(Scalar<T>.ToDouble).Single();
            var scale = new T[rows];
            for (int t = 0; t < steps; t++)
                for (int b = 0; b < batch; b++)
                {
                    int r = t * batch + b;
                    double g = 0;
                    if (t > 0) g += norms[r] - norms[r - batch];
                    if (t < steps - 1) g -= norms[r + batch] - norms[r];
                    scale[r] = Scalar<T>.From(norms[r] > 0 ? upstream * 2 * beta / n * g / norms[r] : 0);
                }
            using var s = Tensor<T>.Rent(device, false, rows);
            s.CopyFrom(scale);
            ops.ScaleRowsAdd(sequence.View, s.View, rows, cols, sequence.GradForAccumulate().View);
        }, new ITracked[] { loss });
        return loss;
    }

    /// <summary>Activation regularization (AR, Merity et al. 2017): α · mean of x² over every element.</summary>
    public static Var<T> Activation<T>(Var<T> x, double alpha) where T : unmanaged => Ops.Affine(Losses.MeanSquaredError(x, Zeros(x)), alpha, 0);

    /// <summary>Temporal activation regularization (TAR, Merity et al. 2017): β · mean of (x_t − x_{t−1})² over consecutive steps.</summary>
    public static Var<T> Temporal<T>(Var<T> sequence, double beta) where T : unmanaged
    {
        int steps = sequence.Shape[0];
        if (steps < 2) throw new ArgumentException($"TAR compares consecutive steps of a sequence with T ≥ 2, not {sequence.Value.ShapeText}.", nameof(sequence));
        return Ops.Affine(Losses.MeanSquaredError(Ops.Steps(sequence, 1, steps - 1), Ops.Steps(sequence, 0, steps - 1)), beta, 0);
    }

    /// <summary>DeCov (Cogswell et al. 2016): weight · ½(‖C‖²_F − ‖diag C‖²), C the covariance over the batch (every row of x, a
    /// sequence's steps included) of the features of x [.., F]: it decorrelates hidden units. ∂/∂x = weight · (2/N)·(x − μ)·(C − diag C).</summary>
    public static Var<T> DeCov<T>(Var<T> x, double weight) where T : unmanaged
    {
        int rows = x.Rows, cols = x.Features;
        if (rows < 2) throw new ArgumentException($"DeCov needs a batch of at least two rows, not {x.Value.ShapeText}.", nameof(x));
        var device = x.Device;
        var ops = device.Ops<T>();
        var gemm = device.Gemm<T>();
        // Centred rows, and their covariance C = Xcᵀ·Xc / N.
        var centered = Tensor<T>.Rent(device, false, rows, cols);
        using var mean = Tensor<T>.Rent(device, true, cols);
        ops.ColumnSumAdd(x.View, rows, cols, mean.View);
        ops.Affine(mean.View, -1.0 / rows, 0, mean.View);
        x.View.CopyTo(centered.View);
        ops.AddRowVector(centered.View, rows, cols, mean.View);
        using var covariance = Tensor<T>.Rent(device, false, cols, cols);
        gemm.Run(true, false, cols, cols, rows, Scalar<T>.From(1.0 / rows), centered.View, cols, centered.View, cols, Scalar<T>.Zero, covariance.View, cols);
        var c = covariance.ToArray();
        double sum = 0;
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++)
            {
                if (i == j) { c[i * cols + j] = Scalar<T>.Zero; continue; }
                double v = Scalar<T>.ToDouble(c[i * cols + j]);
                sum += v * v;
            }
        var loss = ScalarLoss(x, weight * 0.5 * sum);
        if (!loss.RequiresGrad)
        {
            centered.Dispose();
            return loss;
        }
        var offDiagonal = Tensor<T>.Rent(device, false, cols, cols);
        offDiagonal.CopyFrom(c);
        x.Tape.Record(() =>
        {
            double upstream = loss.Grad!.ToArray().Select(Scalar<T>.ToDouble).Single();
            var dx = x.GradForWrite(out var beta);
            gemm.Run(false, false, rows, cols, cols, Scalar<T>.From(upstream * weight * 2.0 / rows), centered.View, cols, offDiagonal.View, cols, beta, dx.View, cols);
        }, new ITracked[] { loss }, centered, offDiagonal);
        return loss;
    }

    private static Var<T> ScalarLoss<T>(Var<T> from, double value) where T : unmanaged
    {
        var t = Tensor<T>.Rent(from.Device, false, 1);
        t.CopyFrom(new[] { Scalar<T>.From(value) });
        return from.Tape.Result(t, from.RequiresGrad);
    }

    private static Var<T> Zeros<T>(Var<T> like) where T : unmanaged
    {
        var zeros = Tensor<T>.Rent(like.Device, true, like.Shape);
        like.Tape.Hold(zeros);
        return like.Tape.Input(zeros);
    }
}
