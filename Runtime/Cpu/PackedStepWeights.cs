using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A step's weights for <see cref="CpuGemm"/>: packed into its panels once per pass, so each step only packs its few rows
/// of A. With fewer rows than the register tile (batch-1 generation) a product reads each weight once either way, and packing would
/// only add a copy of them per pass: those passes multiply the stored matrix.</summary>
internal sealed unsafe class PackedStepWeights : StepWeights<float>
{
    private readonly CpuGemm _gemm;
    private readonly CpuGemm.Packed _packed = new();
    private bool _isPacked;

    public PackedStepWeights(CpuGemm gemm, bool transposed) : base(gemm, transposed) => _gemm = gemm;

    public override void Prepare(ArrayView<float> w, int rows, int cols, int batch)
    {
        base.Prepare(w, rows, cols, batch);
        _isPacked = batch >= _gemm.RowsWorthPacking;
        if (!_isPacked) return;
        var p = (float*)w.LoadEffectiveAddressAsPtr();
        // Forward multiplies by Wᵀ (k = cols, n = rows), backward by W (k = rows, n = cols); W's row stride is cols either way.
        if (Transposed) _gemm.Pack(_packed, p, cols, rows, cols, transposed: true);
        else _gemm.Pack(_packed, p, rows, cols, cols, transposed: false);
    }

    public override void Multiply(ArrayView<float> a, int m, ArrayView<float> c, float beta)
    {
        if (!_isPacked)
        {
            base.Multiply(a, m, c, beta);
            return;
        }
        _gemm.Multiply((float*)a.LoadEffectiveAddressAsPtr(), m, _packed.K, _packed, (float*)c.LoadEffectiveAddressAsPtr(), _packed.N, beta);
    }

    public override void Dispose() => _packed.Dispose();
}
