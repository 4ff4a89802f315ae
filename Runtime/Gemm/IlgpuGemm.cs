using System;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A GEMM kernel in ILGPU: one thread per output element. The portable fallback (and the ILGPU CPU accelerator's GEMM).</summary>
internal sealed class IlgpuGemm<T> : IGemm<T> where T : unmanaged
{
    private readonly Action<Index1D, GemmArgs<T>> _kernel;

    public IlgpuGemm(Accelerator accelerator)
    {
        if (typeof(T) == typeof(float))
            _kernel = (Action<Index1D, GemmArgs<T>>)(object)accelerator.LoadAutoGroupedStreamKernel<Index1D, GemmArgs<float>>(GemmKernels.Float);
        else if (typeof(T) == typeof(double))
            _kernel = (Action<Index1D, GemmArgs<T>>)(object)accelerator.LoadAutoGroupedStreamKernel<Index1D, GemmArgs<double>>(GemmKernels.Double);
        else throw new NotSupportedException($"GEMM runs in float or double, not {typeof(T).Name}.");
    }

    public string Name => "ILGPU kernel";

    public void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _kernel(m * n, new GemmArgs<T>
        {
            A = a, B = b, C = c, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc,
            TransA = transA ? 1 : 0, TransB = transB ? 1 : 0, Alpha = alpha, Beta = beta,
        });
    }
}

internal struct GemmArgs<T> where T : unmanaged
{
    public ArrayView<T> A, B, C;
    public int M, N, K, Lda, Ldb, Ldc, TransA, TransB;
    public T Alpha, Beta;
}

internal static class GemmKernels
{
    public static void Float(Index1D index, GemmArgs<float> g)
    {
        int i = index / g.N, j = index % g.N;
        float sum = 0f;
        for (int p = 0; p < g.K; p++)
            sum += g.A[g.TransA == 0 ? i * g.Lda + p : p * g.Lda + i] * g.B[g.TransB == 0 ? p * g.Ldb + j : j * g.Ldb + p];
        int at = i * g.Ldc + j;
        g.C[at] = g.Beta == 0f ? g.Alpha * sum : g.Alpha * sum + g.Beta * g.C[at];
    }

    public static void Double(Index1D index, GemmArgs<double> g)
    {
        int i = index / g.N, j = index % g.N;
        double sum = 0d;
        for (int p = 0; p < g.K; p++)
            sum += g.A[g.TransA == 0 ? i * g.Lda + p : p * g.Lda + i] * g.B[g.TransB == 0 ? p * g.Ldb + j : j * g.Ldb + p];
        int at = i * g.Ldc + j;
        g.C[at] = g.Beta == 0d ? g.Alpha * sum : g.Alpha * sum + g.Beta * g.C[at];
    }
}

internal static class GemmBackends
{
    /// <summary>cuBLAS on CUDA when it loads (else the ILGPU kernel, saying why); the ILGPU kernel elsewhere.</summary>
    public static IGemm<T> Create<T>(Device device) where T : unmanaged
    {
        if (device.IsNativeCpu)
        {
            // Float: Recur's own GEMM where the CPU has its tiles (AVX-512, or AVX2 with FMA), measured faster than OpenBLAS's
            // kernels there; RECUR_GEMM=openblas asks for OpenBLAS instead. Double, and CPUs without those tiles: OpenBLAS when the
            // machine has it, else the managed SIMD GEMM.
            var choice = Environment.GetEnvironmentVariable("RECUR_GEMM");
            if (typeof(T) == typeof(float) && CpuGemm.Supported && choice is null or "" or "recur")
                return (IGemm<T>)(object)new CpuGemm(device.Workers);
            string why = "RECUR_GEMM=managed";
            var blas = choice == "managed" ? null : OpenBlasGemm<T>.TryCreate(device.Workers is null ? device.Threads : 1, out why);
            if (blas is not null) return device.Workers is null ? blas : new SplitGemm<T>(blas, device.Workers);
            device.GemmNote = $"OpenBLAS not used ({why})";
            if (typeof(T) == typeof(float)) return (IGemm<T>)(object)new ManagedGemm<float>(device.Threads);
            if (typeof(T) == typeof(double)) return (IGemm<T>)(object)new ManagedGemm<double>(device.Threads);
        }
        if (device.Kind != "cuda") return new IlgpuGemm<T>(device.Accelerator);
        var cublas = CuBlasGemm<T>.TryCreate(device.Accelerator, out var reason);
        if (cublas is not null) return cublas;
        Console.Error.WriteLine($"Recur: cuBLAS is not available ({reason}); using ILGPU's GEMM kernel, which is much slower.");
        return new IlgpuGemm<T>(device.Accelerator);
    }
}
