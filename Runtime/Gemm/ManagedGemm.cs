using System;
using System.Numerics;
using System.Threading.Tasks;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A GEMM in plain .NET for when no BLAS library is installed: B is packed into panels of two SIMD vectors' width
/// (alpha folded in), A into panels of six rows, both per 256-deep slice of k so they stay in cache, and a 6×2-vector
/// register-blocked micro-kernel accumulates each tile. Columns are split across threads.</summary>
internal sealed unsafe class ManagedGemm<T> : IGemm<T> where T : unmanaged, INumber<T>
{
    private const int MR = 6, KC = 256, MC = 120;
    private static readonly int W = Vector<T>.Count, NR = 2 * Vector<T>.Count;
    private readonly int _threads;

    [ThreadStatic] private static T[]? _packA, _packB;

    public ManagedGemm(int threads) => _threads = Math.Max(1, threads);

    public string Name => $"managed SIMD GEMM ({_threads} thread{(_threads == 1 ? "" : "s")})";

    public void Run(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, ArrayView<T> b, int ldb, T beta, ArrayView<T> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        T* pa = (T*)a.LoadEffectiveAddressAsPtr(), pb = (T*)b.LoadEffectiveAddressAsPtr(), pc = (T*)c.LoadEffectiveAddressAsPtr();
        var job = new Job { A = pa, B = pb, C = pc, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, TransA = transA, TransB = transB, Alpha = alpha, Beta = beta };
        int panels = (n + NR - 1) / NR;
        long work = (long)m * n * Math.Max(k, 1);
        int chunks = work < 1_000_000 ? 1 : Math.Min(_threads, panels);
        if (chunks == 1) { Columns(job, 0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, chunk =>
        {
            int p0 = panels * chunk / chunks, p1 = panels * (chunk + 1) / chunks;
            Columns(job, p0 * NR, Math.Min(n, p1 * NR));
        });
    }

    private struct Job
    {
        public T* A, B, C;
        public int M, N, K, Lda, Ldb, Ldc;
        public bool TransA, TransB;
        public T Alpha, Beta;
    }

    /// <summary>C[:, j0..j1) = alpha·op(A)·op(B)[:, j0..j1) + beta·C[:, j0..j1).</summary>
    private static void Columns(Job g, int j0, int j1)
    {
        for (int i = 0; i < g.M; i++)
        {
            T* row = g.C + (long)i * g.Ldc;
            for (int j = j0; j < j1; j++) row[j] = g.Beta == T.Zero ? T.Zero : g.Beta * row[j];
        }
        if (g.K == 0 || g.Alpha == T.Zero) return;
        int panels = (j1 - j0 + NR - 1) / NR;
        var packB = _packB is { } pb && pb.Length >= panels * NR * KC ? pb : _packB = new T[panels * NR * KC];
        var packA = _packA is { } pa && pa.Length >= MC * KC ? pa : _packA = new T[MC * KC];
        var tile = stackalloc T[MR * NR];
        fixed (T* bp = packB, ap = packA)
        {
            for (int p0 = 0; p0 < g.K; p0 += KC)
            {
                int kc = Math.Min(KC, g.K - p0);
                PackB(g, bp, p0, kc, j0, j1);
                for (int i0 = 0; i0 < g.M; i0 += MC)
                {
                    int mc = Math.Min(MC, g.M - i0);
                    PackA(g, ap, i0, mc, p0, kc);
                    for (int jp = 0; jp < panels; jp++)
                    {
                        int jc = j0 + jp * NR, cols = Math.Min(NR, j1 - jc);
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int rows = Math.Min(MR, mc - ir);
                            Kernel(kc, ap + ir * kc, bp + jp * NR * kc, g.C + (long)(i0 + ir) * g.Ldc + jc, g.Ldc, rows, cols, tile);
                        }
                    }
                }
            }
        }
    }

    /// <summary>B[p0..p0+kc, j0..j1) into panels [panel][p][NR], times alpha, zero-padded. Reads follow B's storage order.</summary>
    private static void PackB(Job g, T* dst, int p0, int kc, int j0, int j1)
    {
        int panels = (j1 - j0 + NR - 1) / NR;
        bool scale = g.Alpha != T.One;
        for (int jp = 0; jp < panels; jp++)
        {
            T* panel = dst + jp * NR * kc;
            int jc = j0 + jp * NR, cols = Math.Min(NR, j1 - jc);
            if (cols < NR) new Span<T>(panel, NR * kc).Clear();
            if (g.TransB)
                for (int q = 0; q < cols; q++)
                {
                    T* src = g.B + (long)(jc + q) * g.Ldb + p0;
                    for (int p = 0; p < kc; p++) panel[p * NR + q] = scale ? g.Alpha * src[p] : src[p];
                }
            else
                for (int p = 0; p < kc; p++)
                {
                    T* src = g.B + (long)(p0 + p) * g.Ldb + jc;
                    if (!scale) new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(panel + p * NR, cols));
                    else for (int q = 0; q < cols; q++) panel[p * NR + q] = g.Alpha * src[q];
                }
        }
    }

    /// <summary>A[i0..i0+mc, p0..p0+kc) into panels of MR rows, [p][r] within a panel, zero-padded.</summary>
    private static void PackA(Job g, T* dst, int i0, int mc, int p0, int kc)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            T* panel = dst + ir * kc;
            int rows = Math.Min(MR, mc - ir);
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < MR; r++)
                    panel[p * MR + r] = r < rows ? (g.TransA ? g.A[(long)(p0 + p) * g.Lda + i0 + ir + r] : g.A[(long)(i0 + ir + r) * g.Lda + p0 + p]) : T.Zero;
        }
    }

    private static void Kernel(int kc, T* a, T* b, T* c, int ldc, int rows, int cols, T* tile)
    {
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                  c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector.Load(b + p * NR);
            var b1 = Vector.Load(b + p * NR + W);
            T* ap = a + p * MR;
            var x = new Vector<T>(ap[0]); c00 += x * b0; c01 += x * b1;
            x = new Vector<T>(ap[1]); c10 += x * b0; c11 += x * b1;
            x = new Vector<T>(ap[2]); c20 += x * b0; c21 += x * b1;
            x = new Vector<T>(ap[3]); c30 += x * b0; c31 += x * b1;
            x = new Vector<T>(ap[4]); c40 += x * b0; c41 += x * b1;
            x = new Vector<T>(ap[5]); c50 += x * b0; c51 += x * b1;
        }
        if (rows == MR && cols == NR)
        {
            Add(c, c00, c01); Add(c + ldc, c10, c11); Add(c + 2 * ldc, c20, c21);
            Add(c + 3 * ldc, c30, c31); Add(c + 4 * ldc, c40, c41); Add(c + 5 * ldc, c50, c51);
            return;
        }
        c00.Store(tile); c01.Store(tile + W); c10.Store(tile + NR); c11.Store(tile + NR + W);
        c20.Store(tile + 2 * NR); c21.Store(tile + 2 * NR + W); c30.Store(tile + 3 * NR); c31.Store(tile + 3 * NR + W);
        c40.Store(tile + 4 * NR); c41.Store(tile + 4 * NR + W); c50.Store(tile + 5 * NR); c51.Store(tile + 5 * NR + W);
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                c[(long)r * ldc + q] += tile[r * NR + q];
    }

    private static void Add(T* c, Vector<T> v0, Vector<T> v1)
    {
        (Vector.Load(c) + v0).Store(c);
        (Vector.Load(c + W) + v1).Store(c + W);
    }
}
