using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

// A job lives on the caller's stack for the whole parallel run and is only read through its pointer, so the scratch array it
// references stays rooted by the caller: a pointer to a struct holding a reference is safe here.
#pragma warning disable CS8500

/// <summary>Recur's own float GEMM for x86 CPUs with AVX-512 or AVX2 and FMA, laid out as BLIS and OpenBLAS are: C is cut into
/// blocks of columns (NC) and of k (KC), B's block is packed into panels NR columns wide and A's (MC rows) into micro-panels MR rows
/// tall, interleaved by k, and a register tile of MR × NR accumulators (8 × 32 in zmm registers on AVX-512, 6 × 16 in ymm on AVX2)
/// runs over each pair with fused multiply-adds, the B panel in L1 while A's micro-panels stream past it. Threads take whole column
/// ranges (or row ranges when C is tall), each packing its own blocks, on the device's <see cref="CpuWorkers"/>.
/// Per-step products of a recurrent layer use <see cref="Pack"/> and <see cref="Multiply"/>: the weights are packed once per sequence
/// and each step only packs its few rows of A.
/// Measured on the 2-core AMD EPYC (AVX-512) development machine: the tile runs at 271 GFLOP/s per core from L1, the machine's
/// peak; whole products in Tests/Benchmarks/RESULTS.md.</summary>
internal sealed unsafe class CpuGemm : IGemm<float>, IDisposable
{
    private const int KC = 512, NC = 1024;
    private static readonly bool HasAvx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
    private static readonly bool HasAvx2 = Avx2.IsSupported && Fma.IsSupported;

    private readonly CpuWorkers? _workers;
    private readonly int _threads;
    private readonly Scratch[] _scratch;
    private readonly Shape _shape;

    /// <param name="avx512">Use the AVX-512 tile (default: when the CPU has it); false takes the AVX2 one.</param>
    public CpuGemm(CpuWorkers? workers, bool? avx512 = null)
    {
        bool wide = avx512 ?? HasAvx512;
        if (wide ? !HasAvx512 : !HasAvx2) throw new PlatformNotSupportedException($"This CPU lacks {(wide ? "AVX-512F" : "AVX2 and FMA")}.");
        // Two vectors of columns; 16 accumulators of the 32 zmm registers, or 12 of the 16 ymm ones (two B vectors and a
        // broadcast live beside them).
        _shape = wide ? new Shape(true, 8, 32) : new Shape(false, 6, 16);
        _workers = workers;
        _threads = workers?.Count ?? 1;
        _scratch = new Scratch[_threads];
        for (int i = 0; i < _threads; i++) _scratch[i] = new Scratch();
    }

    /// <summary>True where the tiles have their instructions: AVX-512F, or AVX2 with FMA.</summary>
    public static bool Supported => HasAvx512 || HasAvx2;

    /// <summary>True where the AVX2 tile can run (to test it on an AVX-512 machine).</summary>
    public static bool Avx2Supported => HasAvx2;

    public string Name => $"Recur's GEMM ({(_shape.Wide ? "AVX-512" : "AVX2")}, {_threads} thread{(_threads == 1 ? "" : "s")})";

    /// <summary>The register tile: which instructions, MR rows by NR columns.</summary>
    private readonly record struct Shape(bool Wide, int MR, int NR)
    {
        public int MC => MR * 16;
    }

    /// <summary>Aligned buffers a thread packs into, grown as needed.</summary>
    private sealed class Scratch : IDisposable
    {
        public float* A, B;
        private long _a, _b;

        public void Ensure(long a, long b)
        {
            if (_a < a) { Free(ref A); A = Alloc(a); _a = a; }
            if (_b < b) { Free(ref B); B = Alloc(b); _b = b; }
        }

        public void Dispose()
        {
            Free(ref A);
            Free(ref B);
            _a = _b = 0;
        }
    }

    // 8 floats of slack past the end: see PackA.
    private static float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)((floats + 8) * sizeof(float)), 64);
    private static void Free(ref float* p)
    {
        if (p != null) NativeMemory.AlignedFree(p);
        p = null;
    }

    // ---- C = alpha·op(A)·op(B) + beta·C ------------------------------------------------------------------------------------

    private struct Job
    {
        public float* A, B, C;
        public int M, N, K, Lda, Ldb, Ldc, Chunks;
        public bool TransA, TransB, SplitRows;
        public float Alpha, Beta;
        public Shape Shape;
        public Scratch[] Scratch;
    }

    public void Run(bool transA, bool transB, int m, int n, int k, float alpha, ArrayView<float> a, int lda, ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        float* pa = (float*)a.LoadEffectiveAddressAsPtr(), pb = (float*)b.LoadEffectiveAddressAsPtr(), pc = (float*)c.LoadEffectiveAddressAsPtr();
        if (k == 0 || alpha == 0f)
        {
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(pc + (long)i * ldc, n);
                if (beta == 0f) row.Clear();
                else for (int j = 0; j < n; j++) row[j] *= beta;
            }
            return;
        }
        if (m < _shape.MR)
        {
            SmallRows(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            return;
        }
        // Split the longer side of C between threads, in whole panels (or MR-row blocks); small products stay on one thread.
        int panels = (n + _shape.NR - 1) / _shape.NR, blocks = (m + _shape.MR - 1) / _shape.MR;
        bool rows = blocks > panels;
        int chunks = _workers is null || (long)m * n * k < 400_000 ? 1 : Math.Min(_threads, rows ? blocks : panels);
        var job = new Job
        {
            A = pa, B = pb, C = pc, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Chunks = chunks,
            TransA = transA, TransB = transB, SplitRows = rows, Alpha = alpha, Beta = beta, Shape = _shape, Scratch = _scratch,
        };
        if (chunks == 1) Execute(&job, 0);
        else _workers!.Run(chunks, &Execute, &job);
    }

    private static void Execute(void* state, int chunk) => Execute((Job*)state, chunk);

    private static void Execute(Job* j, int chunk)
    {
        int m0 = 0, m1 = j->M, n0 = 0, n1 = j->N, mr = j->Shape.MR, nr = j->Shape.NR;
        if (j->SplitRows)
        {
            int blocks = (j->M + mr - 1) / mr;
            m0 = blocks * chunk / j->Chunks * mr;
            m1 = Math.Min(j->M, blocks * (chunk + 1) / j->Chunks * mr);
        }
        else
        {
            int panels = (j->N + nr - 1) / nr;
            n0 = panels * chunk / j->Chunks * nr;
            n1 = Math.Min(j->N, panels * (chunk + 1) / j->Chunks * nr);
        }
        if (m1 > m0 && n1 > n0) Block(j, j->Scratch[chunk], m0, m1, n0, n1);
    }

    private static void Block(Job* j, Scratch s, int m0, int m1, int n0, int n1)
    {
        var shape = j->Shape;
        int mr = shape.MR, nr = shape.NR, mcMax = shape.MC;
        s.Ensure((long)mcMax * KC, (long)KC * NC);
        float* tile = stackalloc float[16 * 32 + 16];
        tile = (float*)(((nint)tile + 63) & ~(nint)63);
        for (int jc = n0; jc < n1; jc += NC)
        {
            int nc = Math.Min(NC, n1 - jc);
            for (int pc = 0; pc < j->K; pc += KC)
            {
                int kc = Math.Min(KC, j->K - pc);
                float beta = pc == 0 ? j->Beta : 1f;
                PackB(j->B, j->Ldb, j->TransB, pc, kc, jc, nc, nr, s.B);
                for (int ic = m0; ic < m1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m1 - ic);
                    PackA(j->A, j->Lda, j->TransA, ic, mc, pc, kc, j->Alpha, mr, s.A);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        float* bp = s.B + (long)jr * kc;
                        int cols = Math.Min(nr, nc - jr);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            Tile(shape.Wide, s.A + (long)ir * kc, bp, kc, tile, cols);
                            WriteTile(tile, nr, j->C + (long)(ic + ir) * j->Ldc + jc + jr, j->Ldc, Math.Min(mr, mc - ir), cols, beta);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc) into panels [nc/nr][kc][nr], zero-padded on the right.</summary>
    private static void PackB(float* b, int ldb, bool trans, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr, dst += (long)kc * nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (cols < nr) new Span<float>(dst, kc * nr).Clear();
            if (trans)
            {
                // op(B)[q, j] = B[j, q]: a row of the stored matrix becomes a column of the panel, eight by eight through
                // register transposes.
                int c = 0;
                for (; c + 8 <= cols; c += 8)
                {
                    float* src = b + (long)(jc + jr + c) * ldb + pc;
                    int q = 0;
                    for (; q + 8 <= kc; q += 8) Transpose8(src + q, ldb, dst + (long)q * nr + c, nr, 8);
                    for (; q < kc; q++)
                        for (int cc = 0; cc < 8; cc++) dst[q * nr + c + cc] = src[(long)cc * ldb + q];
                }
                for (; c < cols; c++)
                {
                    float* src = b + (long)(jc + jr + c) * ldb + pc;
                    for (int q = 0; q < kc; q++) dst[q * nr + c] = src[q];
                }
            }
            else
                for (int q = 0; q < kc; q++)
                    new ReadOnlySpan<float>(b + (long)(pc + q) * ldb + jc + jr, cols).CopyTo(new Span<float>(dst + q * nr, cols));
        }
    }

    /// <summary>Packs alpha·op(A)[ic..ic+mc, pc..pc+kc) into micro-panels [mc/mr][kc][mr], zero-padded below. The buffer holds 8
    /// floats more than the panels: a 6-row panel is written 8 floats per k step, each step's extra 2 overwritten by the next.</summary>
    private static void PackA(float* a, int lda, bool trans, int ic, int mc, int pc, int kc, float alpha, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr, dst += (long)kc * mr)
        {
            int rows = Math.Min(mr, mc - ir);
            if (rows < mr) new Span<float>(dst, kc * mr).Clear();
            if (trans)
            {
                // op(A)[i, q] = A[q, i]: each k step's mr values are adjacent in the stored matrix.
                var k = Vector256.Create(alpha);
                for (int q = 0; q < kc; q++)
                {
                    float* src = a + (long)(pc + q) * lda + ic + ir;
                    int r = 0;
                    if (rows == 8) { (Vector256.Load(src) * k).Store(dst + q * mr); r = 8; }
                    else if (rows >= 4) { (Vector128.Load(src) * Vector128.Create(alpha)).Store(dst + q * mr); r = 4; }
                    for (; r < rows; r++) dst[q * mr + r] = alpha * src[r];
                }
            }
            else
            {
                float* src = a + (long)(ic + ir) * lda + pc;
                int q = 0;
                if (rows == mr && Avx.IsSupported)
                    for (; q + 8 <= kc; q += 8) Transpose8(src + q, lda, dst + (long)q * mr, mr, mr, alpha);
                for (; q < kc; q++)
                    for (int r = 0; r < rows; r++) dst[q * mr + r] = alpha * src[(long)r * lda + q];
            }
        }
    }

    /// <summary>Reads <paramref name="rows"/> (≤ 8) rows of 8 floats from <paramref name="src"/> (row stride <paramref name="ld"/>)
    /// and writes column i, scaled, as 8 floats at <paramref name="dst"/> + i·<paramref name="stride"/>: an 8 × 8 transpose in
    /// registers (missing rows read as zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(float* src, long ld, float* dst, int stride, int rows, float scale = 1f)
    {
        Vector256<float> Row(int r) => r < rows ? Avx.LoadVector256(src + r * ld) : Vector256<float>.Zero;
        Vector256<float> r0 = Row(0), r1 = Row(1), r2 = Row(2), r3 = Row(3), r4 = Row(4), r5 = Row(5), r6 = Row(6), r7 = Row(7);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        var k = Vector256.Create(scale);
        // In order of i: with a stride under 8 each store's tail is overwritten by the next one.
        (Avx.Permute2x128(u0, u4, 0x20) * k).Store(dst);
        (Avx.Permute2x128(u1, u5, 0x20) * k).Store(dst + stride);
        (Avx.Permute2x128(u2, u6, 0x20) * k).Store(dst + 2 * stride);
        (Avx.Permute2x128(u3, u7, 0x20) * k).Store(dst + 3 * stride);
        (Avx.Permute2x128(u0, u4, 0x31) * k).Store(dst + 4 * stride);
        (Avx.Permute2x128(u1, u5, 0x31) * k).Store(dst + 5 * stride);
        (Avx.Permute2x128(u2, u6, 0x31) * k).Store(dst + 6 * stride);
        (Avx.Permute2x128(u3, u7, 0x31) * k).Store(dst + 7 * stride);
    }

    // ---- products with fewer rows than a tile (batch-1 steps) ---------------------------------------------------------------

    /// <summary>The fewest rows of A for which packing pays: fewer use each element of B too few times to repay copying it.</summary>
    public int RowsWorthPacking => _shape.MR;

    private struct SmallJob
    {
        public float* A, B, C;
        public int M, N, K, Lda, Ldb, Ldc, Chunks;
        public bool TransB;
        public float Alpha, Beta;
    }

    /// <summary>C = alpha·op(A)·op(B) + beta·C for a few rows (fewer than the tile's), straight from the stored matrices: with Bᵀ
    /// stored (a layer's weight, n × k) each element is a dot product of two contiguous rows; with B stored k × n each row of C is a
    /// sum of B's rows. Either way B is read once per row of C, which for batch-1 inference is the whole cost. Columns are split
    /// across threads.</summary>
    private void SmallRows(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (transA)
        {
            // op(A) is a few rows: gather them contiguous once.
            var s = _scratch[0];
            s.Ensure((long)m * k, 0);
            for (int i = 0; i < m; i++)
                for (int q = 0; q < k; q++) s.A[(long)i * k + q] = a[(long)q * lda + i];
            a = s.A;
            lda = k;
        }
        int chunks = _workers is null || (long)m * n * k < 400_000 ? 1 : Math.Min(_threads, Math.Max(1, n / 64));
        var job = new SmallJob { A = a, B = b, C = c, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, Chunks = chunks, TransB = transB, Alpha = alpha, Beta = beta };
        if (chunks == 1) ExecuteSmall(&job, 0);
        else _workers!.Run(chunks, &ExecuteSmall, &job);
    }

    private static void ExecuteSmall(void* state, int chunk)
    {
        var j = (SmallJob*)state;
        int w = Vector256<float>.Count;
        // Column ranges in multiples of 4 vectors, so each starts on a vector boundary.
        int n0 = (int)((long)j->N * chunk / j->Chunks) / (4 * w) * (4 * w);
        int n1 = chunk == j->Chunks - 1 ? j->N : (int)((long)j->N * (chunk + 1) / j->Chunks) / (4 * w) * (4 * w);
        for (int i = 0; i < j->M; i++)
        {
            float* ai = j->A + (long)i * j->Lda, ci = j->C + (long)i * j->Ldc;
            if (j->TransB)
                for (int col = n0; col < n1; col++)
                {
                    float dot = Dot(ai, j->B + (long)col * j->Ldb, j->K);
                    ci[col] = j->Beta == 0f ? j->Alpha * dot : j->Alpha * dot + j->Beta * ci[col];
                }
            else RowCombination(ai, j->B, j->Ldb, j->K, ci, n0, n1, j->Alpha, j->Beta);
        }
    }

    /// <summary>Σ x[q]·y[q] over k, four vectors at a time.</summary>
    private static float Dot(float* x, float* y, int k)
    {
        int w = Vector256<float>.Count, q = 0;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; q + 4 * w <= k; q += 4 * w)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + q), Vector256.Load(y + q), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + q + w), Vector256.Load(y + q + w), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + q + 2 * w), Vector256.Load(y + q + 2 * w), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + q + 3 * w), Vector256.Load(y + q + 3 * w), s3);
        }
        for (; q + w <= k; q += w) s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + q), Vector256.Load(y + q), s0);
        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; q < k; q++) sum += x[q] * y[q];
        return sum;
    }

    /// <summary>c[n0..n1) = alpha·Σ_q x[q]·B[q, n0..n1) + beta·c[n0..n1), four vectors of columns at a time.</summary>
    private static void RowCombination(float* x, float* b, int ldb, int k, float* c, int n0, int n1, float alpha, float beta)
    {
        int w = Vector256<float>.Count, col = n0;
        for (; col + 4 * w <= n1; col += 4 * w)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bq = b + col;
            for (int q = 0; q < k; q++, bq += ldb)
            {
                var xq = Vector256.Create(x[q]);
                s0 = Vector256.FusedMultiplyAdd(xq, Vector256.Load(bq), s0);
                s1 = Vector256.FusedMultiplyAdd(xq, Vector256.Load(bq + w), s1);
                s2 = Vector256.FusedMultiplyAdd(xq, Vector256.Load(bq + 2 * w), s2);
                s3 = Vector256.FusedMultiplyAdd(xq, Vector256.Load(bq + 3 * w), s3);
            }
            var va = Vector256.Create(alpha);
            Store(s0 * va, c + col); Store(s1 * va, c + col + w); Store(s2 * va, c + col + 2 * w); Store(s3 * va, c + col + 3 * w);
        }
        for (; col < n1; col++)
        {
            float sum = 0;
            for (int q = 0; q < k; q++) sum += x[q] * b[(long)q * ldb + col];
            c[col] = beta == 0f ? alpha * sum : alpha * sum + beta * c[col];
        }

        void Store(Vector256<float> v, float* dst)
        {
            if (beta != 0f) v = Vector256.FusedMultiplyAdd(Vector256.Create(beta), Vector256.Load(dst), v);
            v.Store(dst);
        }
    }

    // ---- per-step products on weights packed once ---------------------------------------------------------------------------

    /// <summary>A packed B: logical k×n in panels [n/NR][k][NR], zero-padded.</summary>
    public sealed class Packed : IDisposable
    {
        public float* Data;
        public int K, N, Panels, NR;
        public long Capacity;

        public void Dispose()
        {
            Free(ref Data);
            Capacity = 0;
        }
    }

    /// <summary>Per-step products on weights packed once per pass.</summary>
    public StepWeights<float> StepWeights(bool transposed) => new PackedStepWeights(this, transposed);

    /// <summary>Packs B = W (W stored k×n, row stride ld) or, with <paramref name="transposed"/>, B = Wᵀ (W stored n×k).</summary>
    public void Pack(Packed p, float* w, int k, int n, int ld, bool transposed)
    {
        int nr = _shape.NR;
        int panels = (n + nr - 1) / nr;
        long size = (long)panels * k * nr;
        if (p.Capacity < size)
        {
            p.Dispose();
            p.Data = Alloc(size);
            p.Capacity = size;
        }
        p.K = k; p.N = n; p.Panels = panels; p.NR = nr;
        PackB(w, ld, transposed, 0, k, 0, n, nr, p.Data);
    }

    private struct StepJob
    {
        public float* A, B, C;
        public int M, K, N, Panels, Ldc, Chunks;
        public float Beta;
        public Shape Shape;
    }

    /// <summary>C = A·B + beta·C for a few rows of A (a step's batch), B packed by <see cref="Pack"/>; the panels are split across
    /// threads.</summary>
    public void Multiply(float* a, int m, int lda, Packed b, float* c, int ldc, float beta)
    {
        if (b.NR != _shape.NR) throw new ArgumentException("The weights were packed for another tile.", nameof(b));
        int k = b.K, mr = _shape.MR;
        var s = _scratch[0];
        s.Ensure((long)((m + mr - 1) / mr) * mr * k, 0);
        for (int ir = 0; ir < m; ir += mr) PackA(a, lda, false, ir, Math.Min(mr, m - ir), 0, k, 1f, mr, s.A + (long)ir * k);
        int chunks = _workers is null || (long)m * b.N * k < 200_000 ? 1 : Math.Min(_threads, b.Panels);
        var job = new StepJob { A = s.A, B = b.Data, C = c, M = m, K = k, N = b.N, Panels = b.Panels, Ldc = ldc, Beta = beta, Chunks = chunks, Shape = _shape };
        if (chunks == 1) ExecuteStep(&job, 0);
        else _workers!.Run(chunks, &ExecuteStep, &job);
    }

    private static void ExecuteStep(void* state, int chunk) => ExecuteStep((StepJob*)state, chunk);

    private static void ExecuteStep(StepJob* j, int chunk)
    {
        float* tile = stackalloc float[16 * 32 + 16];
        tile = (float*)(((nint)tile + 63) & ~(nint)63);
        int p0 = j->Panels * chunk / j->Chunks, p1 = j->Panels * (chunk + 1) / j->Chunks, mr = j->Shape.MR, nr = j->Shape.NR;
        for (int panel = p0; panel < p1; panel++)
        {
            float* bp = j->B + (long)panel * j->K * nr;
            int j0 = panel * nr, cols = Math.Min(nr, j->N - j0);
            // Slices of k keep a panel's slice (KC×NR floats) in L1 while the row blocks stream past it.
            for (int k0 = 0; k0 < j->K; k0 += KC)
            {
                int kc = Math.Min(KC, j->K - k0);
                float beta = k0 == 0 ? j->Beta : 1f;
                for (int i = 0; i < j->M; i += mr)
                {
                    Tile(j->Shape.Wide, j->A + (long)i * j->K + (long)k0 * mr, bp + (long)k0 * nr, kc, tile, cols);
                    WriteTile(tile, nr, j->C + (long)i * j->Ldc + j0, j->Ldc, Math.Min(mr, j->M - i), cols, beta);
                }
            }
        }
    }

    // ---- the register tile ------------------------------------------------------------------------------------------------

    /// <summary>tile = A's micro-panel times B's panel; a panel with at most 16 live columns (the last one of a width such as 100)
    /// takes the half-width tile, so its zero padding costs nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(bool wide, float* a, float* b, int k, float* tile, int cols = 32)
    {
        if (!wide) Tile6x16(a, b, k, tile);
        else if (cols <= 16) Tile8x16(a, b, k, tile);
        else Tile8x32(a, b, k, tile);
    }

    /// <summary>The left half of <see cref="Tile8x32"/> (B's panels are still 32 wide): 8 zmm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x16(float* a, float* b, int k, float* tile)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < k; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += 8;
            b += 32;
        }
        c0.Store(tile); c1.Store(tile + 32); c2.Store(tile + 64); c3.Store(tile + 96);
        c4.Store(tile + 128); c5.Store(tile + 160); c6.Store(tile + 192); c7.Store(tile + 224);
    }

    /// <summary>tile[8×32] = Σ_p a[p·8 + r] · b[p·32 + c]: 16 zmm accumulators, two B vectors, one broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(float* a, float* b, int k, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += 8;
            b += 32;
        }
        // Stored to a tile, not to C: a call while the accumulators are live would make the JIT spill them inside the loop.
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
    }

    /// <summary>tile[6×16] = Σ_p a[p·6 + r] · b[p·16 + c]: 12 ymm accumulators, two B vectors, one broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x16(float* a, float* b, int k, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 16;
        }
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
    }

    /// <summary>C[rows × cols] = tile + beta·C (the tile's rows are NR wide).</summary>
    private static void WriteTile(float* tile, int nr, float* c, int ldc, int rows, int cols, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* src = tile + r * nr, dst = c + (long)r * ldc;
            if (cols == nr)
            {
                int w = Vector256<float>.Count;
                for (int q = 0; q < nr; q += w)
                {
                    var v = Vector256.Load(src + q);
                    if (beta != 0f) v += Vector256.Create(beta) * Vector256.Load(dst + q);
                    v.Store(dst + q);
                }
            }
            else
                for (int q = 0; q < cols; q++) dst[q] = beta == 0f ? src[q] : src[q] + beta * dst[q];
        }
    }

    public void Dispose()
    {
        foreach (var s in _scratch) s.Dispose();
    }
}
