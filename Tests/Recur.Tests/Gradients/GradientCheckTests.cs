using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Cells;
using Xunit;
using Xunit.Abstractions;

namespace Recur.Tests;

/// <summary>Every generated backward pass against central finite differences, in double precision, for every parameter,
/// the input and every initial state. The loss is a random linear function of the outputs and the final states, so its
/// gradient with respect to them is known and every path through the cell is exercised.</summary>
public class GradientCheckTests
{
    private readonly ITestOutputHelper _out;
    public GradientCheckTests(ITestOutputHelper output) => _out = output;

    private static readonly object[][] Shapes =
    {
        // steps, batch, input, hidden, seed
        new object[] { 3, 1, 3, 5, 1 },   // batch 1, odd hidden
        new object[] { 4, 3, 2, 7, 2 },   // odd hidden, input smaller than hidden
        new object[] { 2, 2, 6, 4, 3 },   // input larger than hidden
        new object[] { 2, 5, 3, 19, 4 },  // a SIMD body and a scalar tail on the CPU; rows split over threads
    };

    public static IEnumerable<object[]> Sizes =>
        from device in new[] { "ilgpu-cpu", "cpu" } from shape in Shapes select shape.Prepend(device).ToArray();

    [Theory, MemberData(nameof(Sizes))]
    public void BasicRnn_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<BasicRnn>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Lstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Lstm>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Gru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Gru>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void LayerNormLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LayerNormLstm>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Jzs1_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Jzs1>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Irnn_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Irnn>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Jzs2_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Jzs2>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void Jzs3_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<Jzs3>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void GruNoBias_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<GruNoBias>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void LstmNoBias_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LstmNoBias>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void LayerNormGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LayerNormGru>(device, t, b, i, h, seed);

    [Theory, MemberData(nameof(Sizes))]
    public void PeepholeLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<PeepholeLstm>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void ProjectedPeepholeLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) =>
        Check<ProjectedPeepholeLstm>(device, t, b, i, h, seed, new Dictionary<string, int> { ["Proj"] = h / 2 + 1 });
    [Theory, MemberData(nameof(Sizes))]
    public void SkipGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<SkipGru>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void MultiTransformGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<MultiTransformGru>(device, t, b, i, h, seed);

    /// <summary>Every shape natively, the first on ILGPU's CPU accelerator only: HyperLstm launches ~50 kernels and GEMMs per step,
    /// each ~3 ms there, so four shapes would take two minutes; the kernels are one source, and the parity tests cover the rest.</summary>
    public static IEnumerable<object[]> FewerIlgpuSizes => Sizes.Where(s => (string)s[0] == "cpu" || (int)s[5] == 1);

    [Theory, MemberData(nameof(FewerIlgpuSizes))]
    public void HyperLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) =>
        Check<HyperLstm>(device, t, b, i, h, seed, new Dictionary<string, int> { ["HyperUnits"] = 3 + seed, ["Embed"] = 2 });

    [Theory, MemberData(nameof(Sizes))]
    public void UnitaryRnn_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<UnitaryRnn>(device, t, b, i, h, seed);

    internal void Check<TCell>(string device, int steps, int batch, int input, int hidden, int seed, IReadOnlyDictionary<string, int>? dims = null) where TCell : IRnnCell
    {
        using var rnn = new Rnn<TCell, double>(TestDevices.ByName(device), input, hidden, dims, seed: seed);
        int count = CheckLayer(rnn, steps, batch, seed);
        _out.WriteLine($"{typeof(TCell).Name} on {device}: {count} gradient checks over {rnn.Layout.Count} parameters, the input and {rnn.Spec.States.Length} state(s)");
    }

    /// <summary>Checks every gradient of <paramref name="rnn"/> on random data; returns how many comparisons were made. A cell with
    /// [Memory] properties attends over random memories of <paramref name="positions"/> positions whose rows have different lengths;
    /// their padding holds large garbage, which must neither change the loss nor receive any gradient.</summary>
    internal static int CheckLayer<TCell>(Rnn<TCell, double> rnn, int steps, int batch, int seed, int positions = 5) where TCell : IRnnCell
    {
        var device = rnn.Device;
        var rng = new Random(seed);
        var spec = rnn.Spec;
        var memorySpecs = spec.Memories ?? Array.Empty<MemorySpec>();
        // Row lengths: full, 1, and values between (a softmax over one position, and rows that stop early).
        var rowLengths = Enumerable.Range(0, batch).Select(b => b == 0 ? positions : b == 1 ? 1 : 1 + rng.Next(positions)).ToArray();
        var widths = memorySpecs.Select(m => rnn.Sizes[m.Dim] > 0 ? rnn.Sizes[m.Dim] : 3 + seed % 3).ToArray();
        var memory = memorySpecs.Select((_, k) =>
        {
            var m = TestData.Gaussian(rng, batch * positions * widths[k]);
            for (int b = 0; b < batch; b++)
                for (int p = rowLengths[b]; p < positions; p++)
                    for (int e = 0; e < widths[k]; e++) m[(b * positions + p) * widths[k] + e] = 1e6 * (1 + e);
            return m;
        }).ToArray();
        int input = rnn.InputSize > 0 ? rnn.InputSize : 3;
        if (!rnn.IsBuilt)
        {
            // Build the parameters: the memory's features come with the first call.
            using var warm = RunOnce(rnn, TestData.Gaussian(rng, steps * batch * input), steps, batch, input, null, memory, widths, positions, rowLengths);
        }
        input = rnn.InputSize;
        // Move every parameter off its initializer (biases start at zero, gains at one) so no term hides.
        var theta = rnn.GetAllParameters();
        var noise = TestData.Gaussian(rng, theta.Length, 0.3);
        for (int k = 0; k < theta.Length; k++) theta[k] += noise[k];
        rnn.SetAllParameters(theta);
        foreach (var hyper in rnn.Spec.Hypers) rnn.SetHyper(hyper.Name, 0.7);

        int StateWidth(int s) => spec.IsSeqDim(spec.States[s].Dim) ? positions : rnn.Sizes[spec.States[s].Dim];
        var x = TestData.Gaussian(rng, steps * batch * input);
        var s0 = spec.States.Select((_, s) => TestData.Gaussian(rng, batch * StateWidth(s), 0.5)).ToArray();
        var wOut = TestData.Gaussian(rng, steps * batch * rnn.OutputSize);
        var wState = spec.States.Select((_, s) => TestData.Gaussian(rng, batch * StateWidth(s))).ToArray();

        double Loss(double[] xs, double[][] states, double[][] memories)
        {
            // Training mode with the same dropout masks every time (cells with Dropout), so the loss is a fixed function.
            rnn.SeedMasks(77);
            using var result = RunOnce(rnn, xs, steps, batch, input, states, memories, widths, positions, rowLengths);
            double loss = TestData.Dot(result.Output.ToArray(), wOut);
            for (int k = 0; k < states.Length; k++) loss += TestData.Dot(result.FinalState[k].ToArray(), wState[k]);
            return loss;
        }

        // Analytic gradients.
        rnn.ZeroGrad();
        double[] dx;
        double[][] ds0, dm;
        rnn.SeedMasks(77);
        using (var result = RunOnce(rnn, x, steps, batch, input, s0, memory, widths, positions, rowLengths))
        {
            using var gOut = Tensor<double>.FromArray(device, wOut, steps, batch, rnn.OutputSize);
            var gState = wState.Select((w, k) => Tensor<double>.FromArray(device, w, batch, StateWidth(k))).ToArray();
            using var grads = rnn.Backward(gOut, gState);
            dx = grads.Input.ToArray();
            ds0 = grads.InitialState.Select(g => g.ToArray()).ToArray();
            dm = grads.Memories.Select(g => g.ToArray()).ToArray();
            foreach (var t in gState) t.Dispose();
        }
        var dTheta = rnn.GetAllGradients();

        int checkedCount = 0;
        void Compare(string what, double analytic, Func<double, double> lossAt)
        {
            // Central differences err by about eps²·f'''/6 (truncation) plus 1e-16·|loss|/eps (rounding); at 1e-5 a gate behind
            // HyperLstm's dropout (×1/(1 − 0.7)) and a layer norm curved enough to miss by 3e-6 relative, so eps is smaller.
            const double eps = 2e-6;
            double numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
            double scale = Math.Max(1, Math.Max(Math.Abs(numeric), Math.Abs(analytic)));
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * scale,
                $"{typeof(TCell).Name} [{steps}x{batch}x{input}->{rnn.OutputSize}] d loss / d {what}: backward {analytic:R}, finite differences {numeric:R}");
            checkedCount++;
        }

        // Each tensor: a few single entries and one random direction (which covers every entry at once), over the entries that exist.
        void CheckTensor(string name, double[] value, double[] grad, Func<double[], double> loss, Func<int, bool>? exists = null)
        {
            var picks = Enumerable.Range(0, value.Length).Where(exists ?? (_ => true)).ToArray();
            foreach (var k in Enumerable.Range(0, 3).Select(_ => picks[rng.Next(picks.Length)]).Append(-1))
            {
                var random = TestData.Gaussian(rng, value.Length);
                var dir = Enumerable.Range(0, value.Length).Select(q => k >= 0 ? (q == k ? 1.0 : 0.0) : exists is null || exists(q) ? random[q] : 0).ToArray();
                Compare(k >= 0 ? $"{name}[{k}]" : $"{name} (random direction)", TestData.Dot(grad, dir),
                    e => loss(value.Select((v, q) => v + e * dir[q]).ToArray()));
            }
        }

        foreach (var p in rnn.Layout.Where(p => p.Learned))
        {
            var value = theta.Skip((int)p.Offset).Take((int)p.Length).ToArray();
            var grad = dTheta.Skip((int)p.Offset).Take((int)p.Length).ToArray();
            CheckTensor(p.Name, value, grad, v =>
            {
                rnn.SetParameter(p.Name, v);
                double l = Loss(x, s0, memory);
                rnn.SetParameter(p.Name, value);
                return l;
            });
        }
        CheckTensor("input", x, dx, v => Loss(v, s0, memory));
        for (int s = 0; s < s0.Length; s++)
        {
            int state = s;
            // A state over a memory's positions exists only up to each row's length.
            Func<int, bool>? exists = spec.IsSeqDim(spec.States[s].Dim) ? q => q % positions < rowLengths[q / positions] : null;
            CheckTensor($"initial {spec.States[s].Name}", s0[s], ds0[s], v => Loss(x, s0.Select((o, q) => q == state ? v : o).ToArray(), memory), exists);
        }
        for (int k = 0; k < memory.Length; k++)
        {
            int m = k, w = widths[k];
            bool Exists(int q) => q / w % positions < rowLengths[q / w / positions];
            CheckTensor($"memory {memorySpecs[k].Name}", memory[k], dm[k], v => Loss(x, s0, memory.Select((o, q) => q == m ? v : o).ToArray()), Exists);
            // Padding: exactly no gradient, and no effect on the loss.
            for (int q = 0; q < dm[k].Length; q++)
                if (!Exists(q)) Assert.True(dm[k][q] == 0, $"{typeof(TCell).Name}: memory {memorySpecs[k].Name}'s padding [{q}] got gradient {dm[k][q]}");
            var garbage = memory[k].Select((v, q) => Exists(q) ? v : -v).ToArray();
            Assert.Equal(Loss(x, s0, memory), Loss(x, s0, memory.Select((o, q) => q == m ? garbage : o).ToArray()));
            checkedCount++;
        }
        return checkedCount;
    }

    /// <summary>One training forward of <paramref name="rnn"/> from the given data (initial states optional). The memories stay alive
    /// with the result, and so does the input (a backward pass reads them); disposing the result gives everything back.</summary>
    internal static Run RunOnce<TCell>(Rnn<TCell, double> rnn, double[] x, int steps, int batch, int input, double[][]? states,
        double[][] memories, int[] widths, int positions, int[] rowLengths) where TCell : IRnnCell
    {
        var device = rnn.Device;
        var xt = Tensor<double>.FromArray(device, x, steps, batch, input);
        var init = states?.Select(s => Tensor<double>.FromArray(device, s, batch, s.Length / batch)).ToArray();
        var mems = memories.Select((m, k) => Tensor<double>.FromArray(device, m, batch, positions, widths[k])).ToArray();
        try
        {
            return new Run(rnn.Forward(new[] { xt }, init, training: true, memories: mems.Length > 0 ? mems : null,
                memoryLengths: mems.Length > 0 ? mems.Select(_ => (int[]?)rowLengths).ToArray() : null), mems.Prepend(xt).ToArray());
        }
        finally
        {
            foreach (var t in init ?? Array.Empty<Tensor<double>>()) t.Dispose();
        }
    }

    internal sealed record Run(RnnResult<double> Result, Tensor<double>[] Kept) : IDisposable
    {
        public Tensor<double> Output => Result.Output;
        public Tensor<double>[] FinalState => Result.FinalState;
        public void Dispose()
        {
            Result.Dispose();
            foreach (var m in Kept) m.Dispose();
        }
    }
}

/// <summary>The shipped attention cells against finite differences (double, both CPU backends): every parameter, the input, every
/// initial state and the memory, with rows of different source lengths whose padding must stay out of everything.</summary>
public class AttentionGradientTests
{
    private readonly ITestOutputHelper _out;
    public AttentionGradientTests(ITestOutputHelper output) => _out = output;

    public static IEnumerable<object[]> Sizes => GradientCheckTests.Sizes;

    private void Check<TCell>(string device, int t, int b, int i, int h, int seed) where TCell : IRnnCell
    {
        using var rnn = new Rnn<TCell, double>(TestDevices.ByName(device), i, h, new Dictionary<string, int> { ["Att"] = h + 1 }, seed: seed);
        int count = GradientCheckTests.CheckLayer(rnn, t, b, seed, positions: 3 + seed);
        _out.WriteLine($"{typeof(TCell).Name} on {device}: {count} gradient checks");
    }

    [Theory, MemberData(nameof(Sizes))]
    public void BahdanauGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<BahdanauGru>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void BahdanauLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<BahdanauLstm>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongDotLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongDotLstm>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongGeneralLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongGeneralLstm>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongConcatLstm_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongConcatLstm>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongDotGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongDotGru>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongGeneralGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongGeneralGru>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void LuongConcatGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<LuongConcatGru>(device, t, b, i, h, seed);
    [Theory, MemberData(nameof(Sizes))]
    public void CoverageGru_gradients_match_finite_differences(string device, int t, int b, int i, int h, int seed) => Check<CoverageGru>(device, t, b, i, h, seed);
}
