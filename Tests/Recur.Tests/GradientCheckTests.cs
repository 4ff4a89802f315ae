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

    /// <summary>Checks every gradient of <paramref name="rnn"/> on random data; returns how many comparisons were made.</summary>
    internal static int CheckLayer<TCell>(Rnn<TCell, double> rnn, int steps, int batch, int seed) where TCell : IRnnCell
    {
        var device = rnn.Device;
        var rng = new Random(seed);
        int input = rnn.InputSize;
        // Move every parameter off its initializer (biases start at zero, gains at one) so no term hides.
        var theta = rnn.GetAllParameters();
        var noise = TestData.Gaussian(rng, theta.Length, 0.3);
        for (int k = 0; k < theta.Length; k++) theta[k] += noise[k];
        rnn.SetAllParameters(theta);
        foreach (var hyper in rnn.Spec.Hypers) rnn.SetHyper(hyper.Name, 0.7);

        var spec = rnn.Spec;
        var x = TestData.Gaussian(rng, steps * batch * input);
        var s0 = spec.States.Select(s => TestData.Gaussian(rng, batch * rnn.Sizes[s.Dim], 0.5)).ToArray();
        var wOut = TestData.Gaussian(rng, steps * batch * rnn.OutputSize);
        var wState = spec.States.Select(s => TestData.Gaussian(rng, batch * rnn.Sizes[s.Dim])).ToArray();

        double Loss(double[] xs, double[][] states)
        {
            using var xt = Tensor<double>.FromArray(device, xs, steps, batch, input);
            var init = states.Select((s, k) => Tensor<double>.FromArray(device, s, batch, rnn.Sizes[spec.States[k].Dim])).ToArray();
            // Training mode with the same dropout masks every time (cells with Dropout), so the loss is a fixed function.
            rnn.SeedMasks(77);
            using var result = rnn.Forward(xt, init, training: true);
            foreach (var t in init) t.Dispose();
            double loss = TestData.Dot(result.Output.ToArray(), wOut);
            for (int k = 0; k < states.Length; k++) loss += TestData.Dot(result.FinalState[k].ToArray(), wState[k]);
            return loss;
        }

        // Analytic gradients.
        rnn.ZeroGrad();
        double[] dx;
        double[][] ds0;
        using (var xt = Tensor<double>.FromArray(device, x, steps, batch, input))
        {
            var init = s0.Select((s, k) => Tensor<double>.FromArray(device, s, batch, rnn.Sizes[spec.States[k].Dim])).ToArray();
            rnn.SeedMasks(77);
            using var result = rnn.Forward(xt, init, training: true);
            using var gOut = Tensor<double>.FromArray(device, wOut, steps, batch, rnn.OutputSize);
            var gState = wState.Select((w, k) => Tensor<double>.FromArray(device, w, batch, rnn.Sizes[spec.States[k].Dim])).ToArray();
            using var grads = rnn.Backward(gOut, gState);
            dx = grads.Input.ToArray();
            ds0 = grads.InitialState.Select(g => g.ToArray()).ToArray();
            foreach (var t in init.Concat(gState)) t.Dispose();
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

        // Each tensor: a few single entries and one random direction (which covers every entry at once).
        void CheckTensor(string name, double[] value, double[] grad, Func<double[], double> loss)
        {
            foreach (var k in Enumerable.Range(0, 3).Select(_ => rng.Next(value.Length)).Append(-1))
            {
                var dir = k >= 0 ? Enumerable.Range(0, value.Length).Select(q => q == k ? 1.0 : 0.0).ToArray() : TestData.Gaussian(rng, value.Length);
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
                double l = Loss(x, s0);
                rnn.SetParameter(p.Name, value);
                return l;
            });
        }
        CheckTensor("input", x, dx, v => Loss(v, s0));
        for (int s = 0; s < s0.Length; s++)
        {
            int state = s;
            CheckTensor($"initial {spec.States[s].Name}", s0[s], ds0[s], v => Loss(x, s0.Select((o, q) => q == state ? v : o).ToArray()));
        }
        return checkedCount;
    }
}
