using System;
using ILGPU;

namespace Recur;

/// <summary>The weights of a product a time loop repeats at every step with the same matrix for a whole pass:
/// C[m × n] = A[m × k] · op(W) + β·C, W stored rows × cols, op(W) = Wᵀ (a step's forward products: n = rows, k = cols) or W (their
/// backward: n = cols, k = rows). A GEMM that can do better than a plain product on the same weights every step says so by handing
/// out a subclass (<see cref="CpuGemm"/> packs them once per pass); everything else multiplies the stored matrix as it is.</summary>
internal class StepWeights<T> : IDisposable where T : unmanaged
{
    private readonly IGemm<T> _gemm;

    public StepWeights(IGemm<T> gemm, bool transposed)
    {
        _gemm = gemm;
        Transposed = transposed;
    }

    /// <summary>Whether the product multiplies by Wᵀ (forward) rather than W (backward).</summary>
    public bool Transposed { get; }

    /// <summary>This pass's weights (the layer's own, or weight-drop's dropped copy).</summary>
    protected ArrayView<T> W { get; private set; }
    protected int Rows { get; private set; }
    protected int Cols { get; private set; }

    /// <summary>Takes the weights for the products of a pass whose steps have <paramref name="batch"/> rows.</summary>
    public virtual void Prepare(ArrayView<T> w, int rows, int cols, int batch)
    {
        W = w;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>C = A · op(W) + β·C for the <paramref name="m"/> rows of a step (A's and C's rows are contiguous).</summary>
    public virtual void Multiply(ArrayView<T> a, int m, ArrayView<T> c, T beta)
    {
        if (Transposed) _gemm.Run(false, true, m, Rows, Cols, Scalar<T>.One, a, Cols, W, Cols, beta, c, Rows);
        else _gemm.Run(false, false, m, Cols, Rows, Scalar<T>.One, a, Rows, W, Cols, beta, c, Cols);
    }

    public virtual void Dispose() { }
}
