using System;
using ILGPU;
using ILGPU.Runtime;

namespace Recur.Benchmarks;

/// <summary><c>--gemm [threads]</c>: GFLOP/s of OpenBLAS and the managed GEMM on the shapes of a recurrent layer (per-step products,
/// input projections, weight gradients).</summary>
internal static unsafe class GemmProbe
{
    public static void Run(int threads)
    {
        using var device = Device.Cpu(threads);
        foreach (var (m, n, k) in new[] { (32, 1024, 256), (32, 256, 1024), (64, 2048, 512), (3200, 1024, 128), (1024, 256, 3200) })
        {
            using var a = new Tensor<float>(device, m * k);
            using var b = new Tensor<float>(device, k * n);
            using var c = new Tensor<float>(device, m * n);
            var rng = new Random(1);
            a.CopyFrom(RandomArray(rng, m * k));
            b.CopyFrom(RandomArray(rng, k * n));
            double flops = 2.0 * m * n * k;
            var blas = device.Gemm<float>();
            double ms = Timing.MedianMs(() => blas.Run(false, true, m, n, k, 1f, a.View, k, b.View, k, 0f, c.View, n), 5, 30);
            Console.WriteLine($"{m}x{n}x{k}: {blas.Name}: {flops / ms / 1e6:F1} GFLOP/s ({ms * 1000:F0} µs)");
            {
                var managed = new ManagedGemm<float>(threads);
                ms = Timing.MedianMs(() => managed.Run(false, true, m, n, k, 1f, a.View, k, b.View, k, 0f, c.View, n), 5, 30);
                Console.WriteLine($"{m}x{n}x{k}: {managed.Name}: {flops / ms / 1e6:F1} GFLOP/s ({ms * 1000:F0} µs)");
            }
        }
    }

    private static float[] RandomArray(Random rng, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() - 0.5);
        return v;
    }
}
