using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>OpenBLAS's cblas_sgemm/cblas_dgemm, loaded at run time when the machine has it (Debian: libopenblas0-pthread).
/// Works on <see cref="Device.Cpu"/> buffers, which are host memory.</summary>
internal sealed unsafe class OpenBlasGemm<T> : IGemm<T> where T : unmanaged
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;
    private static readonly string[] Candidates = { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll", "openblas" };
    private readonly delegate* unmanaged<int, int, int, int, int, int, T, T*, int, T*, int, T, T*, int, void> _gemm;

    private OpenBlasGemm(IntPtr library, string name, int threads)
    {
        _gemm = (delegate* unmanaged<int, int, int, int, int, int, T, T*, int, T*, int, T, T*, int, void>)
            NativeLibrary.GetExport(library, typeof(T) == typeof(float) ? "cblas_sgemm" : "cblas_dgemm");
        if (NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out var setThreads))
            ((delegate* unmanaged<int, void>)setThreads)(threads);
        Name = $"OpenBLAS ({name}, {threads} thread{(threads == 1 ? "" : "s")})";
    }

    public string Name { get; }

    /// <summary>OpenBLAS, or null (with the reason) when no OpenBLAS library can be loaded.</summary>
    public static OpenBlasGemm<T>? TryCreate(int threads, out string reason)
    {
        reason = "";
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) { reason = $"BLAS has no GEMM for {typeof(T).Name}"; return null; }
        if (Environment.GetEnvironmentVariable("RECUR_NO_OPENBLAS") == "1") { reason = "RECUR_NO_OPENBLAS=1"; return null; }
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            try { return new OpenBlasGemm<T>(lib, name, threads); }
            catch (EntryPointNotFoundException e) { reason = $"{name}: {e.Message}"; }
        }
        if (reason.Length == 0) reason = "libopenblas.so.0 not found (Debian: apt-get install libopenblas0-pthread)";
        return null;
    }

    public void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _gemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha,
            (T*)a.LoadEffectiveAddressAsPtr(), lda, (T*)b.LoadEffectiveAddressAsPtr(), ldb, beta, (T*)c.LoadEffectiveAddressAsPtr(), ldc);
    }
}
