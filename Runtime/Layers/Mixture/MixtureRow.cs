using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;

namespace Recur;

/// <summary>The mixture-density head's loss for one row, written once: the ILGPU kernel runs it one thread per row (CUDA and the ILGPU
/// CPU backend), the CPU backend calls it row by row. It is a device operation (<see cref="TensorOps{T}.MixtureNll"/>) because the
/// head's raw output and its gradient live on the device: done on the host, every training step would copy [rows, 6·M + 1] both ways.
/// A row of raw is [π logits (M), μx (M), μy (M), log σx (M), log σy (M), ρ before tanh (M), end-of-stroke logit]; a row of targets
/// is (dx, dy, eos).</summary>
internal static class MixtureRow<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Row <paramref name="r"/>'s negative log-likelihood (0 for a row of weight 0) and, with <paramref name="withGrad"/>,
    /// scale·∂/∂raw of the row into <paramref name="grad"/>. Two passes over the components: the log-densities' maximum, then the sums.</summary>
    public static T Nll(int r, ArrayView<T> raw, int m, ArrayView<T> targets, ArrayView<T> weights, T scale, ArrayView<T> grad, int withGrad)
    {
        int width = 6 * m + 1, row = r * width;
        if (weights[r] == T.Zero)
        {
            if (withGrad != 0) for (int c = 0; c < width; c++) grad[row + c] = T.Zero;
            return T.Zero;
        }
        T one = T.One, two = one + one, half = one / two, twoPi = two * T.Pi;
        T x = targets[r * 3], y = targets[r * 3 + 1], eos = targets[r * 3 + 2];
        T maxLogit = raw[row];
        for (int k = 1; k < m; k++) maxLogit = T.Max(maxLogit, raw[row + k]);
        T piSum = T.Zero;
        for (int k = 0; k < m; k++) piSum += T.Exp(raw[row + k] - maxLogit);
        T logPiNorm = maxLogit + T.Log(piSum), best = T.NegativeInfinity;
        for (int k = 0; k < m; k++) best = T.Max(best, LogDensity(raw, row, m, k, x, y, logPiNorm, twoPi, half));
        T mix = T.Zero;
        for (int k = 0; k < m; k++) mix += T.Exp(LogDensity(raw, row, m, k, x, y, logPiNorm, twoPi, half) - best);
        T logMix = best + T.Log(mix);
        T e = one / (one + T.Exp(-raw[row + 6 * m]));
        T loss = -logMix - (eos > half ? T.Log(e) : T.Log(one - e));
        if (withGrad == 0) return loss;
        for (int k = 0; k < m; k++)
        {
            T mx = raw[row + m + k], my = raw[row + 2 * m + k], sx = T.Exp(raw[row + 3 * m + k]), sy = T.Exp(raw[row + 4 * m + k]), rho = T.Tanh(raw[row + 5 * m + k]);
            T dx = (x - mx) / sx, dy = (y - my) / sy, c = one / (one - rho * rho), z = dx * dx + dy * dy - two * rho * dx * dy;
            T gamma = T.Exp(LogDensity(raw, row, m, k, x, y, logPiNorm, twoPi, half) - logMix), pi = T.Exp(raw[row + k] - logPiNorm);
            grad[row + k] = scale * (pi - gamma);
            grad[row + m + k] = -scale * gamma * c * (dx - rho * dy) / sx;
            grad[row + 2 * m + k] = -scale * gamma * c * (dy - rho * dx) / sy;
            grad[row + 3 * m + k] = -scale * gamma * (c * dx * (dx - rho * dy) - one);
            grad[row + 4 * m + k] = -scale * gamma * (c * dy * (dy - rho * dx) - one);
            grad[row + 5 * m + k] = -scale * gamma * (rho * c + c * dx * dy - rho * c * c * z) * (one - rho * rho);
        }
        grad[row + 6 * m] = scale * (e - eos);
        return loss;
    }

    /// <summary>log(π_k · N(x, y | μ_k, σ_k, ρ_k)).</summary>
    private static T LogDensity(ArrayView<T> raw, int row, int m, int k, T x, T y, T logPiNorm, T twoPi, T half)
    {
        T one = T.One;
        T lsx = raw[row + 3 * m + k], lsy = raw[row + 4 * m + k], rho = T.Tanh(raw[row + 5 * m + k]);
        T dx = (x - raw[row + m + k]) / T.Exp(lsx), dy = (y - raw[row + 2 * m + k]) / T.Exp(lsy), c = one / (one - rho * rho);
        T z = dx * dx + dy * dy - (one + one) * rho * dx * dy;
        return raw[row + k] - logPiNorm - T.Log(twoPi) - lsx - lsy + half * T.Log(c) - half * c * z;
    }
}
