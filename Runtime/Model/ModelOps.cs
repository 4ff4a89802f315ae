using System;
using ILGPU;

namespace Recur;

/// <summary>The operations of a model around its recurrent layers: embedding lookups, dropout, the output projection's bias,
/// softmax cross-entropy and optimizer updates. Native loops on <see cref="Device.Cpu"/>; ILGPU kernels on every other device
/// (CUDA, and ILGPU's CPU accelerator, where the tests check the two against each other).</summary>
public interface IModelOps
{
    /// <summary>output[r, :] = table[indices[r], :] for r &lt; rows.</summary>
    void Gather(ArrayView<float> table, int width, ArrayView<int> indices, int rows, ArrayView<float> output);
    /// <summary>tableGrad[indices[r], :] += grad[r, :].</summary>
    void ScatterAdd(ArrayView<float> tableGrad, int width, ArrayView<int> indices, int rows, ArrayView<float> grad);
    /// <summary>y = x ⊙ mask, elementwise (y may be x).</summary>
    void Multiply(ArrayView<float> x, ArrayView<float> mask, ArrayView<float> y);
    /// <summary>matrix[r, c] += bias[c].</summary>
    void AddRowVector(ArrayView<float> matrix, int rows, int cols, ArrayView<float> bias);
    /// <summary>acc[c] += Σ_r matrix[r, c].</summary>
    void ColumnSumAdd(ArrayView<float> matrix, int rows, int cols, ArrayView<float> acc);
    /// <summary>Mean over rows of −log softmax(logits[r])[targets[r]], computed stably (max subtracted); when <paramref name="grad"/>
    /// is given, writes d(mean loss)/d logits = (softmax − onehot) / rows into it.</summary>
    double SoftmaxCrossEntropy(ArrayView<float> logits, int rows, int cols, ArrayView<int> targets, ArrayView<float>? grad);
    /// <summary>One Adam step on p from g·gradScale (Kingma &amp; Ba, bias-corrected for step t ≥ 1).</summary>
    void Adam(ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, float lr, float beta1, float beta2, float eps, int t, float gradScale);
    /// <summary>SGD with momentum: velocity = momentum·velocity + g·gradScale; p −= lr·velocity.</summary>
    void Sgd(ArrayView<float> p, ArrayView<float> g, ArrayView<float> velocity, float lr, float momentum, float gradScale);
    /// <summary>Σ g².</summary>
    double SquaredNorm(ArrayView<float> g);

    /// <summary>The device's model operations, created (and, on ILGPU devices, compiled) once per device.</summary>
    public static IModelOps For(Device device) => device.ModelOps;

    internal static IModelOps Create(Device device) => device.IsNativeCpu ? new CpuModelOps() : new IlgpuModelOps(device);
}
