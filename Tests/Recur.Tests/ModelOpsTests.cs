using System;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>The model's own operations, on both implementations (native CPU, and ILGPU kernels on ILGPU's CPU accelerator),
/// against closed forms and finite differences.</summary>
public class ModelOpsTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };

    private static (Device D, IModelOps Ops) Get(string device)
    {
        var d = TestDevices.ByName(device);
        return (d, IModelOps.For(d));
    }

    private static float[] Random(int n, int seed, double scale = 1) => TestData.Gaussian(new Random(seed), n, scale).Select(v => (float)v).ToArray();

    [Theory, MemberData(nameof(Devices))]
    public void Softmax_cross_entropy_matches_log_sum_exp_and_its_gradient_matches_finite_differences(string device)
    {
        var (d, ops) = Get(device);
        const int rows = 5, cols = 7;
        var logits = Random(rows * cols, 1, 3);
        logits[3] = 80f; // large logits must not overflow
        var targets = new[] { 0, 6, 3, 2, 5 };
        using var l = Tensor<float>.FromArray(d, logits, rows, cols);
        using var t = Tensor<int>.FromArray(d, targets, rows);
        using var g = new Tensor<float>(d, rows, cols);
        double loss = ops.SoftmaxCrossEntropy(l.View, rows, cols, t.View, g.View);

        double expected = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = logits.Skip(r * cols).Take(cols).Select(v => (double)v).ToArray();
            double max = row.Max();
            expected += Math.Log(row.Sum(v => Math.Exp(v - max))) + max - row[targets[r]];
        }
        Assert.Equal(expected / rows, loss, 4);

        var grad = g.ToArray();
        for (int i = 0; i < logits.Length; i++)
        {
            double Loss(float delta)
            {
                var shifted = (float[])logits.Clone();
                shifted[i] += delta;
                using var ls = Tensor<float>.FromArray(d, shifted, rows, cols);
                return ops.SoftmaxCrossEntropy(ls.View, rows, cols, t.View, null);
            }
            double numeric = (Loss(1e-2f) - Loss(-1e-2f)) / 2e-2;
            Assert.True(Math.Abs(numeric - grad[i]) < 2e-3, $"d loss / d logit[{i}]: {grad[i]} vs finite differences {numeric}");
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Embedding_gathers_rows_and_scatters_gradients_back_adding_repeats(string device)
    {
        var (d, ops) = Get(device);
        var table = Random(4 * 3, 2);
        var ids = new[] { 2, 0, 2, 3 };
        using var tt = Tensor<float>.FromArray(d, table, 4, 3);
        using var it = Tensor<int>.FromArray(d, ids, 4);
        using var o = new Tensor<float>(d, 4, 3);
        ops.Gather(tt.View, 3, it.View, 4, o.View);
        var output = o.ToArray();
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 3; c++) Assert.Equal(table[ids[r] * 3 + c], output[r * 3 + c]);

        var dy = Random(4 * 3, 3);
        using var dyt = Tensor<float>.FromArray(d, dy, 4, 3);
        using var grad = new Tensor<float>(d, 4, 3);
        ops.ScatterAdd(grad.View, 3, it.View, 4, dyt.View);
        var g = grad.ToArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(dy[0 * 3 + c] + dy[2 * 3 + c], g[2 * 3 + c], 5);
            Assert.Equal(dy[1 * 3 + c], g[0 * 3 + c], 5);
            Assert.Equal(0f, g[1 * 3 + c]);
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Adam_takes_the_closed_form_first_steps(string device)
    {
        var (d, ops) = Get(device);
        using var p = Tensor<float>.FromArray(d, new[] { 1f, -2f }, 2);
        using var g = Tensor<float>.FromArray(d, new[] { 0.5f, -4f }, 2);
        using var m = new Tensor<float>(d, 2);
        using var v = new Tensor<float>(d, 2);
        ops.Adam(p.View, g.View, m.View, v.View, 0.1f, 0.9f, 0.999f, 1e-8f, 1, 1f);
        // Step 1: m̂ = g, v̂ = g², so the update is lr·sign(g).
        Assert.Equal(new[] { 0.9f, -1.9f }, p.ToArray().Select(x => MathF.Round(x, 5)).ToArray());
        ops.Adam(p.View, g.View, m.View, v.View, 0.1f, 0.9f, 0.999f, 1e-8f, 2, 0.5f);
        // Step 2 with the gradient halved: m = 0.9·0.1g + 0.1·0.5g, v = 0.999·0.001g² + 0.001·0.25g², bias-corrected.
        double m2 = (0.9 * 0.1 + 0.1 * 0.5) / (1 - 0.81), v2 = (0.999 * 0.001 + 0.001 * 0.25) / (1 - 0.999 * 0.999);
        double step = 0.1 * m2 / Math.Sqrt(v2);
        Assert.Equal(0.9 - step, p.ToArray()[0], 4);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Sgd_with_momentum_accumulates_velocity(string device)
    {
        var (d, ops) = Get(device);
        using var p = Tensor<float>.FromArray(d, new[] { 1f }, 1);
        using var g = Tensor<float>.FromArray(d, new[] { 2f }, 1);
        using var vel = new Tensor<float>(d, 1);
        ops.Sgd(p.View, g.View, vel.View, 0.1f, 0.9f, 1f);
        ops.Sgd(p.View, g.View, vel.View, 0.1f, 0.9f, 1f);
        Assert.Equal(1 - 0.1 * 2 - 0.1 * (0.9 * 2 + 2), p.ToArray()[0], 5);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Column_sums_bias_rows_and_norms(string device)
    {
        var (d, ops) = Get(device);
        var m = Random(3 * 4, 4);
        using var mt = Tensor<float>.FromArray(d, m, 3, 4);
        using var acc = Tensor<float>.FromArray(d, new[] { 1f, 1f, 1f, 1f }, 4);
        ops.ColumnSumAdd(mt.View, 3, 4, acc.View);
        var a = acc.ToArray();
        for (int c = 0; c < 4; c++) Assert.Equal(1 + m[c] + m[4 + c] + m[8 + c], a[c], 5);
        double norm = m.Sum(x => (double)x * x);
        Assert.True(Math.Abs(norm - ops.SquaredNorm(mt.View)) < 1e-5 * norm);
        ops.AddRowVector(mt.View, 3, 4, acc.View);
        Assert.Equal(m[5] + a[1], mt.ToArray()[5], 5);
    }

    [Fact]
    public void Global_norm_clipping_scales_the_update()
    {
        var d = TestDevices.Cpu;
        using var p = Tensor<float>.FromArray(d, new[] { 0f, 0f }, 2);
        using var g = Tensor<float>.FromArray(d, new[] { 3f, 4f }, 2);
        var param = new NamedParameter("w", new[] { 2 }, p.View, g.View);
        using var sgd = new Sgd(d, new[] { param }) { LearningRate = 1f, Momentum = 0f, ClipNorm = 1f };
        sgd.Update();
        Assert.Equal(5, sgd.LastGradNorm, 5);
        Assert.Equal(new[] { -0.6f, -0.8f }, p.ToArray().Select(x => MathF.Round(x, 5)).ToArray());
    }

    [Fact]
    public void Sampling_options_behave_as_documented()
    {
        var logits = new[] { 0.1f, 2.0f, 1.5f, -1f };
        Assert.Equal(1, Sampler.Pick(logits, new SamplingOptions(Temperature: 0), new Rng(1)));
        for (ulong s = 0; s < 20; s++)
        {
            Assert.Equal(1, Sampler.Pick(logits, new SamplingOptions(1.0, TopK: 1), new Rng(s)));
            Assert.Equal(1, Sampler.Pick(logits, new SamplingOptions(1.0, TopP: 0.1), new Rng(s)));
            Assert.Contains(Sampler.Pick(logits, new SamplingOptions(1.0, TopK: 2), new Rng(s)), new[] { 1, 2 });
        }
        var counts = new int[4];
        var rng = new Rng(7);
        for (int i = 0; i < 4000; i++) counts[Sampler.Pick(logits, new SamplingOptions(1.0), rng)]++;
        double z = logits.Sum(l => Math.Exp(l));
        for (int k = 0; k < 4; k++) Assert.Equal(Math.Exp(logits[k]) / z, counts[k] / 4000.0, 1);
        Assert.Throws<ArgumentException>(() => new SamplingOptions(1.0, TopP: 0).Validate());
        Assert.Throws<ArgumentException>(() => new SamplingOptions(1.0, TopK: -1).Validate());
    }
}
