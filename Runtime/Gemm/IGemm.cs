using ILGPU;

namespace Recur;

/// <summary>Row-major GEMM on device views: C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C.
/// lda, ldb and ldc are the row strides of the matrices as stored (A stored k×m when transposed).</summary>
internal interface IGemm<T> where T : unmanaged
{
    string Name { get; }

    void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc);

    /// <summary>A handle for products a time loop repeats at every step on one matrix (see <see cref="StepWeights{T}"/>): plain
    /// products unless the GEMM prepares the weights better.</summary>
    StepWeights<T> StepWeights(bool transposed) => new(this, transposed);
}
