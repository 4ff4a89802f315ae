using System;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>The native CPU code and ILGPU's kernels (what CUDA runs) are generated from one model: they must agree,
/// forward and backward, for every shipped cell, in float at training size-like shapes.</summary>
public class DeviceParityTests
{
    [Fact] public void BasicRnn_cpu_matches_ilgpu() => Compare<BasicRnn>();
    [Fact] public void Lstm_cpu_matches_ilgpu() => Compare<Lstm>();
    [Fact] public void Gru_cpu_matches_ilgpu() => Compare<Gru>();
    [Fact] public void LayerNormLstm_cpu_matches_ilgpu() => Compare<LayerNormLstm>();
    [Fact] public void Jzs1_cpu_matches_ilgpu() => Compare<Jzs1>();
    [Fact] public void Jzs2_cpu_matches_ilgpu() => Compare<Jzs2>();
    [Fact] public void Jzs3_cpu_matches_ilgpu() => Compare<Jzs3>();
    [Fact] public void Irnn_cpu_matches_ilgpu() => Compare<Irnn>();
    [Fact] public void GruNoBias_cpu_matches_ilgpu() => Compare<GruNoBias>();
    [Fact] public void LstmNoBias_cpu_matches_ilgpu() => Compare<LstmNoBias>();
    [Fact] public void LayerNormGru_cpu_matches_ilgpu() => Compare<LayerNormGru>();
    [Fact] public void PeepholeLstm_cpu_matches_ilgpu() => Compare<PeepholeLstm>();
    [Fact] public void ProjectedPeepholeLstm_cpu_matches_ilgpu() => Compare<ProjectedPeepholeLstm>(new() { ["Proj"] = 21 });
    [Fact] public void SkipGru_cpu_matches_ilgpu() => Compare<SkipGru>();
    [Fact] public void MultiTransformGru_cpu_matches_ilgpu() => Compare<MultiTransformGru>();
    // Three chained products and four row sums per step, and modReLU's z/|z|, amplify float rounding: ILGPU adds parameter gradients
    // with atomics in whatever order its threads arrive, so weight gradients differ run to run by up to ~5e-4 relative. Both backends
    // pass the double-precision finite-difference checks; a wrong derivative differs by far more than these tolerances.
    [Fact] public void UnitaryRnn_cpu_matches_ilgpu() => Compare<UnitaryRnn>(outputTolerance: 1e-4, gradientTolerance: 2e-3);
    [Fact] public void HyperLstm_cpu_matches_ilgpu() => Compare<HyperLstm>(new() { ["HyperUnits"] = 19, ["Embed"] = 4 });

    private static void Compare<TCell>(System.Collections.Generic.Dictionary<string, int>? dims = null, double outputTolerance = 1e-5, double gradientTolerance = 1e-4) where TCell : IRnnCell
    {
        const int steps = 6, batch = 5, input = 12, hidden = 37;
        var rng = new Random(17);
        var x = TestData.Gaussian(rng, steps * batch * input).Select(v => (float)v).ToArray();
        var dyAll = TestData.Gaussian(rng, steps * batch * hidden).Select(v => (float)v).ToArray();
        (float[] Out, float[] Dx, float[] Grads) Run(Device d)
        {
            using var rnn = new Rnn<TCell>(d, input, hidden, dims, seed: 5);
            var dy = dyAll.Take(steps * batch * rnn.OutputSize).ToArray();
            var theta = rnn.GetAllParameters();
            var noise = TestData.Gaussian(new Random(6), theta.Length, 0.2);
            // Fixed matrices (UnitaryRnn's DFTs) stay as they are: perturbed, they would no longer be unitary.
            foreach (var p in rnn.Layout.Where(p => p.Learned))
                for (long i = p.Offset; i < p.Offset + p.Length; i++) theta[i] += (float)noise[i];
            rnn.SetAllParameters(theta);
            using var xt = Tensor<float>.FromArray(d, x, steps, batch, input);
            using var r = rnn.Forward(xt);
            using var dyt = Tensor<float>.FromArray(d, dy, steps, batch, rnn.OutputSize);
            using var g = rnn.Backward(dyt);
            return (r.Output.ToArray(), g.Input.ToArray(), rnn.GetAllGradients());
        }
        var cpu = Run(TestDevices.Cpu);
        var ilgpu = Run(TestDevices.IlgpuCpu);
        AssertClose("output", ilgpu.Out, cpu.Out, outputTolerance);
        AssertClose("input gradient", ilgpu.Dx, cpu.Dx, gradientTolerance);
        AssertClose("parameter gradients", ilgpu.Grads, cpu.Grads, gradientTolerance);
    }

    private static void AssertClose(string what, float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: ILGPU {expected[i]:R}, CPU {actual[i]:R}");
    }
}
