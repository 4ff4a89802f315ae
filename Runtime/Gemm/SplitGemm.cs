using ILGPU;
using ILGPU.Runtime;

namespace Recur;

// The job lives on the caller's stack for the whole parallel run and is only read through its pointer, so its ArrayViews' buffer
// references stay rooted by the caller's locals: the pointer to a struct holding references is safe here.
#pragma warning disable CS8500

/// <summary>Runs a single-threaded GEMM on column slices of C in parallel, on the device's own threads. With OpenBLAS this keeps one
/// set of threads for everything: OpenBLAS's own pool spins for a long while after each call, which on a small machine steals the
/// cores the fused kernels run on between the per-step products.</summary>
internal sealed unsafe class SplitGemm<T> : IGemm<T>, System.IDisposable where T : unmanaged
{
    private readonly IGemm<T> _inner;
    private readonly CpuWorkers _workers;
    private System.Runtime.InteropServices.GCHandle _self;

    public SplitGemm(IGemm<T> inner, CpuWorkers workers)
    {
        _inner = inner;
        _workers = workers;
        // The workers reach the inner GEMM through this handle, made once: the per-step products allocate nothing.
        _self = System.Runtime.InteropServices.GCHandle.Alloc(inner);
    }

    public void Dispose()
    {
        if (_self.IsAllocated) _self.Free();
    }

    public string Name => $"{_inner.Name}, columns split over {_workers.Count} threads";

    private struct Job
    {
        public bool TransA, TransB;
        public int M, N, K, Lda, Ldb, Ldc, Chunks;
        public T Alpha, Beta;
        public ArrayView<T> A, B, C;
        public void* Self;
    }

    public void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        // Slices of at least 64 columns: narrower ones lose more to the split than they gain.
        int chunks = System.Math.Min(_workers.Count, System.Math.Max(1, n / 64));
        if (chunks == 1 || (long)m * n * k < 500_000)
        {
            _inner.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        var job = new Job { TransA = transA, TransB = transB, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Chunks = chunks,
            Alpha = alpha, Beta = beta, A = a, B = b, C = c, Self = (void*)System.Runtime.InteropServices.GCHandle.ToIntPtr(_self) };
        _workers.Run(chunks, &Execute, &job);
    }

    private static void Execute(void* state, int chunk)
    {
        var j = (Job*)state;
        var inner = (IGemm<T>)System.Runtime.InteropServices.GCHandle.FromIntPtr((System.IntPtr)j->Self).Target!;
        // Slices are multiples of 16 columns, so each starts on a SIMD boundary.
        int n0 = (int)((long)j->N * chunk / j->Chunks) & ~15, n1 = chunk == j->Chunks - 1 ? j->N : (int)((long)j->N * (chunk + 1) / j->Chunks) & ~15;
        if (n1 <= n0) return;
        var b = j->TransB ? j->B.SubView((long)n0 * j->Ldb) : j->B.SubView(n0);
        inner.Run(j->TransA, j->TransB, j->M, n1 - n0, j->K, j->Alpha, j->A, j->Lda, b, j->Ldb, j->Beta, j->C.SubView(n0), j->Ldc);
    }
}
