using System;
using System.Linq;
using ILGPU.Runtime;
using Xunit;

namespace Recur.Tests;

/// <summary>The CPU GEMM backends against a plain triple loop, on odd sizes (edge tiles), with and without transposes and beta.</summary>
public unsafe class CpuGemmTests
{
    private static float[] Reference(bool ta, bool tb, int m, int n, int k, float[] a, int lda, float[] b, int ldb, float beta, float[] c0, int ldc, float alpha = 1f)
    {
        var c = (float[])c0.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[ta ? p * lda + i : i * lda + p] * b[tb ? j * ldb + p : p * ldb + j];
                c[i * ldc + j] = alpha * (float)s + beta * c0[i * ldc + j];
            }
        return c;
    }

    public static TheoryData<bool, bool, float> Cases => new() { { false, false, 0f }, { false, true, 1f }, { true, false, 1f }, { true, true, 0f } };

    private static float[] Rand(int n, int seed) => TestData.Gaussian(new Random(seed), n).Select(v => (float)v).ToArray();

    [Theory, MemberData(nameof(Cases))]
    public void Managed_gemm_matches_the_triple_loop(bool ta, bool tb, float beta) => Check(new ManagedGemm<float>(2), ta, tb, beta);

    [Theory, MemberData(nameof(Cases))]
    public void The_cpu_device_gemm_matches_the_triple_loop(bool ta, bool tb, float beta) => Check(TestDevices.Cpu.Gemm<float>(), ta, tb, beta);

    private static void Check(IGemm<float> gemm, bool ta, bool tb, float beta)
    {
        foreach (var (m, n, k) in new[] { (7, 37, 13), (33, 70, 300), (200, 129, 65) }) Check(gemm, ta, tb, beta, m, n, k, alpha: 1f);
    }

    private static void Check(IGemm<float> gemm, bool ta, bool tb, float beta, int m, int n, int k, float alpha)
    {
        var d = TestDevices.Cpu;
        int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
        var a = Rand(m * k, 1); var b = Rand(k * n, 2); var c0 = Rand(m * n, 3);
        using var at = Tensor<float>.FromArray(d, a, a.Length);
        using var bt = Tensor<float>.FromArray(d, b, b.Length);
        using var ct = Tensor<float>.FromArray(d, c0, c0.Length);
        gemm.Run(ta, tb, m, n, k, alpha, at.View, lda, bt.View, ldb, beta, ct.View, ldc);
        var expected = Reference(ta, tb, m, n, k, a, lda, b, ldb, beta, c0, ldc, alpha);
        var actual = ct.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-3f * Math.Max(1, Math.Abs(expected[i])), $"{gemm.Name} {m}x{n}x{k} [{i}]: {expected[i]} vs {actual[i]}");
    }

    /// <summary>Both of Recur's tiles where the CPU has them (AVX-512's 8×32, AVX2's 6×16), on one thread and on the device's
    /// workers, on sizes that cross every block edge (k over two KC slices, n over an NC block, m over MC) and split rows or columns.</summary>
    public static TheoryData<bool, bool, bool, float> TileCases
    {
        get
        {
            var cases = new TheoryData<bool, bool, bool, float>();
            foreach (var avx512 in new[] { true, false })
                foreach (var (ta, tb, beta) in new[] { (false, false, 0f), (false, true, 1f), (true, false, 1f), (true, true, 0.5f) })
                    cases.Add(avx512, ta, tb, beta);
            return cases;
        }
    }

    [SkippableTheory, MemberData(nameof(TileCases))]
    public void Recurs_gemm_matches_the_triple_loop_on_every_block_edge(bool avx512, bool ta, bool tb, float beta)
    {
        SkipWithoutTile(avx512);
        foreach (var workers in new[] { null, TestDevices.Cpu.Workers })
        {
            using var gemm = new CpuGemm(workers, avx512);
            Check(gemm, ta, tb, beta);
            foreach (var (m, n, k) in new[] { (1, 300, 70), (3, 1100, 520), (300, 20, 9), (140, 133, 257) })
                Check(gemm, ta, tb, beta, m, n, k, alpha: -0.75f);
        }
    }

    private static void SkipWithoutTile(bool avx512) =>
        Skip.If(avx512 ? !Avx512Available : !CpuGemm.Avx2Supported, $"this CPU lacks the {(avx512 ? "AVX-512F" : "AVX2 and FMA")} instructions of the tile under test");

    private static bool Avx512Available => System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Packed_step_gemm_matches_the_triple_loop_for_both_packings(bool avx512)
    {
        SkipWithoutTile(avx512);
        using var gemm = new CpuGemm(TestDevices.Cpu.Workers, avx512);
        foreach (var (m, n, k) in new[] { (5, 37, 13), (32, 1024, 256), (13, 70, 700) })
            foreach (var transposed in new[] { false, true })
            {
                var a = Rand(m * k, 4); var w = Rand(k * n, 5); var c0 = Rand(m * n, 6);
                // transposed: W is stored n×k and B = Wᵀ; otherwise W is stored k×n and B = W.
                var expected = Reference(false, transposed, m, n, k, a, k, w, transposed ? k : n, 1f, c0, n);
                var c = (float[])c0.Clone();
                using var packed = new CpuGemm.Packed();
                fixed (float* pa = a, pw = w, pc = c)
                {
                    gemm.Pack(packed, pw, k, n, transposed ? k : n, transposed);
                    gemm.Multiply(pa, m, k, packed, pc, n, 1f);
                }
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-3f * Math.Max(1, Math.Abs(expected[i])), $"{m}x{n}x{k} transposed {transposed} [{i}]: {expected[i]} vs {c[i]}");
            }
    }
}
