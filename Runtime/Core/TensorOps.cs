using System;
using ILGPU;

namespace Recur;

/// <summary>An elementwise function of a <c>Dense</c> layer or of the tape's activation operations.</summary>
public enum Activation
{
    /// <summary>No function: the value as it is.</summary>
    Identity,
    /// <summary>The logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>One Adam/AdamW update: bias-corrected moments (Kingma &amp; Ba 2015); <see cref="L2"/> adds wd·p to the gradient (Adam's
/// weight_decay), <see cref="Decoupled"/> shrinks p by lr·wd first (AdamW, Loshchilov &amp; Hutter 2019); the gradient is read
/// times <see cref="GradScale"/> (global-norm clipping).</summary>
internal readonly record struct AdamStep(double Lr, double Beta1, double Beta2, double Eps, double L2, double Decoupled, int Step, double GradScale)
{
    public double Correction1 => 1 / (1 - Math.Pow(Beta1, Step));
    public double Correction2 => 1 / (1 - Math.Pow(Beta2, Step));
}

/// <summary>One SGD update as PyTorch's <c>torch.optim.SGD</c> takes it: g += wd·p; v = μ·v + g; p −= lr·(Nesterov ? g + μ·v : v).</summary>
internal readonly record struct SgdStep(double Lr, double Momentum, bool Nesterov, double WeightDecay, double GradScale);

/// <summary>One RMSProp update as <c>torch.optim.RMSprop</c> takes it: g += wd·p; s = α·s + (1 − α)·g²; with momentum μ > 0,
/// b = μ·b + g/(√s + ε) and p −= lr·b, else p −= lr·g/(√s + ε).</summary>
internal readonly record struct RmsPropStep(double Lr, double Alpha, double Eps, double Momentum, double WeightDecay, double GradScale);

/// <summary>The device operations the tape, the losses and the optimizers are made of, in float or double: native loops on
/// <see cref="Device.Cpu"/>, ILGPU kernels on every other device (CUDA, and ILGPU's CPU accelerator, where the tests check the two
/// against each other). Matrices are row-major [rows, cols]; "accumulate" adds into the output instead of overwriting it.</summary>
internal abstract class TensorOps<T> where T : unmanaged
{
    public static TensorOps<T> Create(Device device)
    {
        object ops = typeof(T) == typeof(float) ? (device.IsNativeCpu ? new CpuTensorOps<float>() : new IlgpuTensorOps<float>(device))
            : typeof(T) == typeof(double) ? (device.IsNativeCpu ? new CpuTensorOps<double>() : new IlgpuTensorOps<double>(device))
            : throw new NotSupportedException($"Recur computes in float or double, not {typeof(T).Name}.");
        return (TensorOps<T>)ops;
    }

    /// <summary>y = a + b.</summary>
    public abstract void Add(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y);
    /// <summary>y += alpha·x.</summary>
    public abstract void Axpy(double alpha, ArrayView<T> x, ArrayView<T> y);
    /// <summary>y = alpha·x + beta, elementwise (y may be x).</summary>
    public abstract void Affine(ArrayView<T> x, double alpha, double beta, ArrayView<T> y);
    /// <summary>y (+)= a ⊙ b.</summary>
    public abstract void Multiply(ArrayView<T> a, ArrayView<T> b, ArrayView<T> y, bool accumulate);
    /// <summary>y[i] (+)= x[i]·mask[i mod period]: a mask for every element (period = length) or one repeated over time steps.</summary>
    public abstract void MultiplyPeriodic(ArrayView<T> x, ArrayView<T> mask, long period, ArrayView<T> y, bool accumulate);
    /// <summary>x *= s[0], where s is a one-element device tensor (a loss's gradient).</summary>
    public abstract void ScaleBy(ArrayView<T> s, ArrayView<T> x);
    /// <summary>y += s[0]·x, where s is a one-element device tensor.</summary>
    public abstract void AxpyBy(ArrayView<T> s, ArrayView<T> x, ArrayView<T> y);
    public abstract void Fill(ArrayView<T> x, double value);

    /// <summary>Zoneout's blend of a step's new state with the previous one, in place: next = k ⊙ prev + (1 − k) ⊙ next, where k is
    /// <paramref name="keep"/> (1 where an element keeps its previous value) or, when that view is empty, the probability
    /// <paramref name="p"/> (its expectation, for inference).</summary>
    public abstract void ZoneoutForward(ArrayView<T> prev, ArrayView<T> next, ArrayView<T> keep, double p);
    /// <summary>Zoneout's backward step. <paramref name="grad"/> holds dL/d(blended state) but for <paramref name="outputGrad"/> (the
    /// step's output gradient, when the state is the output; empty otherwise), which the cell's kernel adds itself. With
    /// full = grad + outputGrad: prevGrad += k ⊙ full, and grad = (1 − k) ⊙ full − outputGrad, so the kernel sees (1 − k) ⊙ full.</summary>
    public abstract void ZoneoutBackward(ArrayView<T> grad, ArrayView<T> outputGrad, ArrayView<T> keep, ArrayView<T> prevGrad);

    /// <summary>y = f(x) (y may be x).</summary>
    public abstract void Activate(Activation f, ArrayView<T> x, ArrayView<T> y);
    /// <summary>dx (+)= dy·f′, with f′ written in terms of the output y = f(x).</summary>
    public abstract void ActivationBackward(Activation f, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, bool accumulate);

    /// <summary>m[r, c] += v[c].</summary>
    public abstract void AddRowVector(ArrayView<T> m, int rows, int cols, ArrayView<T> v);
    /// <summary>acc[c] += Σ_r m[r, c].</summary>
    public abstract void ColumnSumAdd(ArrayView<T> m, int rows, int cols, ArrayView<T> acc);
    /// <summary>y[r, :] = table[ids[r], :] (the ids are checked on the host before they get here).</summary>
    public abstract void Gather(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> y);
    /// <summary>table[ids[r], :] += g[r, :] for every r whose id is not <paramref name="skip"/>.</summary>
    public abstract void ScatterAdd(ArrayView<T> table, int width, ArrayView<int> ids, int rows, ArrayView<T> g, int skip);
    /// <summary>dst[r, dstOffset + c] (+)= src[r, srcOffset + c] for c &lt; width: concatenation and slicing along the last axis.</summary>
    public abstract void CopyColumns(ArrayView<T> src, int srcCols, int srcOffset, ArrayView<T> dst, int dstCols, int dstOffset, int rows, int width, bool accumulate);

    /// <summary>y = (x − mean)·rstd·gain + shift per row, with rstd = 1/√(var + eps); mean and rstd [rows] are kept for backward.</summary>
    public abstract void LayerNorm(ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> shift, double eps, ArrayView<T> y, ArrayView<T> mean, ArrayView<T> rstd);
    /// <summary>Accumulates dx, dgain and dshift (each skipped when its view is empty).</summary>
    public abstract void LayerNormBackward(ArrayView<T> dy, ArrayView<T> x, int rows, int cols, ArrayView<T> gain, ArrayView<T> mean, ArrayView<T> rstd,
        ArrayView<T> dx, ArrayView<T> dgain, ArrayView<T> dshift);

    /// <summary>Σ over rows whose target is not <paramref name="ignore"/> of (1 − ε)·(−log p_target) + ε·mean_c(−log p_c), with
    /// p = softmax(logits row), computed stably. When <paramref name="grad"/> is not empty it gets scale·∂/∂logits (zero rows for
    /// ignored targets).</summary>
    public abstract double CrossEntropy(ArrayView<T> logits, int rows, int cols, ArrayView<int> targets, int ignore, double smoothing, double scale, ArrayView<T> grad);
    /// <summary>The negative log-likelihood of pen offsets under a bivariate Gaussian mixture with an end-of-stroke probability (Graves
    /// 2013), summed over rows with weight 1 (rows of weight 0 are skipped). A row of <paramref name="raw"/> is [π logits (M), μx (M),
    /// μy (M), log σx (M), log σy (M), ρ before tanh (M), end-of-stroke logit]; a row of <paramref name="targets"/> is (dx, dy, eos). When
    /// <paramref name="grad"/> is not empty it gets scale·∂/∂raw.</summary>
    public abstract double MixtureNll(ArrayView<T> raw, int rows, int components, ArrayView<T> targets, ArrayView<T> weights, double scale, ArrayView<T> grad);

    /// <summary>diff = a − b; returns Σ diff².</summary>
    public abstract double SquaredDifference(ArrayView<T> a, ArrayView<T> b, ArrayView<T> diff);
    /// <summary>norms[r] = ‖x[r, :]‖₂.</summary>
    public abstract void RowNorms(ArrayView<T> x, int rows, int cols, ArrayView<T> norms);
    /// <summary>dx[r, c] += scale[r]·x[r, c].</summary>
    public abstract void ScaleRowsAdd(ArrayView<T> x, ArrayView<T> scale, int rows, int cols, ArrayView<T> dx);

    /// <summary>Σ x².</summary>
    public abstract double SquaredNorm(ArrayView<T> x);

    public abstract void Adam(ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, AdamStep s);
    public abstract void Sgd(ArrayView<T> p, ArrayView<T> g, ArrayView<T> velocity, SgdStep s);
    /// <summary><paramref name="buffer"/> is used only with momentum.</summary>
    public abstract void RmsProp(ArrayView<T> p, ArrayView<T> g, ArrayView<T> square, ArrayView<T> buffer, RmsPropStep s);
}
