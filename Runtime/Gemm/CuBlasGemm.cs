using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Recur;

/// <summary>cuBLAS GEMM bound directly through its stable C ABI (libcublas.so.13, .12 or .11): ILGPU.Algorithms' own binding
/// looks only for .10–.12, and CUDA 13 machines carry .13. Row-major C = op(A)·op(B) is computed as the column-major
/// Cᵀ = op(B)ᵀ·op(A)ᵀ, which needs no copies.</summary>
internal sealed unsafe class CuBlasGemm<T> : IGemm<T>, IDisposable where T : unmanaged
{
    private static readonly string[] Candidates = { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so", "cublas64_13", "cublas64_12", "cublas64_11" };
    private readonly IntPtr _library, _handle;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, T*, IntPtr, int, IntPtr, int, T*, IntPtr, int, int> _gemm;
    private readonly delegate* unmanaged<IntPtr, int> _destroy;

    private CuBlasGemm(IntPtr library, string libraryName, CudaAccelerator accelerator)
    {
        _library = library;
        var create = (delegate* unmanaged<IntPtr*, int>)NativeLibrary.GetExport(library, "cublasCreate_v2");
        var setStream = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "cublasSetStream_v2");
        _destroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
        _gemm = (delegate* unmanaged<IntPtr, int, int, int, int, int, T*, IntPtr, int, IntPtr, int, T*, IntPtr, int, int>)
            NativeLibrary.GetExport(library, typeof(T) == typeof(float) ? "cublasSgemm_v2" : "cublasDgemm_v2");
        IntPtr handle;
        Check(create(&handle), "cublasCreate");
        _handle = handle;
        Check(setStream(_handle, ((CudaStream)accelerator.DefaultStream).StreamPtr), "cublasSetStream");
        Name = "cuBLAS (" + libraryName + ")";
    }

    public string Name { get; }

    /// <summary>cuBLAS for this CUDA accelerator, or null (with the reason) when the library cannot be loaded.</summary>
    public static CuBlasGemm<T>? TryCreate(Accelerator accelerator, out string reason)
    {
        reason = "";
        if (accelerator is not CudaAccelerator cuda) { reason = "not a CUDA device"; return null; }
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) { reason = $"cuBLAS has no GEMM for {typeof(T).Name}"; return null; }
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            try { return new CuBlasGemm<T>(lib, name, cuda); }
            catch (Exception e) { reason = $"{name}: {e.Message}"; NativeLibrary.Free(lib); }
        }
        if (reason.Length == 0) reason = "no libcublas.so.13/.12/.11 found on the library path";
        return null;
    }

    public void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        const int N = 0, Tr = 1; // CUBLAS_OP_N, CUBLAS_OP_T
        Check(_gemm(_handle, transB ? Tr : N, transA ? Tr : N, n, m, k, &alpha,
            b.LoadEffectiveAddressAsPtr(), ldb, a.LoadEffectiveAddressAsPtr(), lda, &beta, c.LoadEffectiveAddressAsPtr(), ldc), "gemm");
    }

    private static void Check(int status, string what)
    {
        if (status != 0) throw new InvalidOperationException($"cuBLAS {what} failed with status {status}.");
    }

    public void Dispose()
    {
        _destroy(_handle);
        NativeLibrary.Free(_library);
    }
}
