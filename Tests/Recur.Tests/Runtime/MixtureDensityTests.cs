using System;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>The mixture-density head: its negative log-likelihood against the closed form and finite differences (double, both CPU
/// backends), the two CPU backends alike in float, sampling with a temperature, and a model that learns synthetic pen strokes better than a single Gaussian can.</summary>
public class MixtureDensityTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };

    [Theory, MemberData(nameof(Devices))]
    public void The_mixture_likelihood_is_differentiated_exactly(string device)
    {
        var d = TestDevices.ByName(device);
        const int m = 3, rows = 5;
        using var raw = TapeCheck.Random(d, 1, 0.7, rows, 6 * m + 1);
        var rng = new Random(2);
        var targets = Enumerable.Range(0, rows).SelectMany(r => new[] { rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, r % 2 }).ToArray();
        var mask = new[] { true, true, false, true, true };
        TapeCheck.Check(null, new[] { raw }, (t, v) => MixtureDensity<double>.NegativeLogLikelihood(v[0], m, targets, mask));
    }

    [Fact]
    public void Both_CPU_backends_run_the_one_row_function_alike_in_float()
    {
        const int m = 4, rows = 6;
        var rng = new Random(5);
        var raw = Enumerable.Range(0, rows * (6 * m + 1)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var targets = Enumerable.Range(0, rows).SelectMany(r => new[] { rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, r % 2 }).ToArray();
        (double Loss, float[] Grad) Run(Device d)
        {
            using var value = Tensor<float>.Rent(d, false, rows, 6 * m + 1);
            value.CopyFrom(raw);
            using var tape = new Tape(training: true);
            var x = tape.Input(value, requiresGrad: true);
            var loss = MixtureDensity<float>.NegativeLogLikelihood(x, m, targets);
            tape.Backward(loss);
            return (loss.Item(), x.Grad!.ToArray());
        }
        var (cpu, ilgpu) = (Run(TestDevices.Cpu), Run(TestDevices.IlgpuCpu));
        Assert.Equal(cpu.Loss, ilgpu.Loss, 5);
        for (int i = 0; i < cpu.Grad.Length; i++) Assert.Equal(cpu.Grad[i], ilgpu.Grad[i], 5);
    }

    [Fact]
    public void One_component_gives_the_bivariate_normal_density()
    {
        var d = TestDevices.Cpu;
        double mx = 0.3, my = -0.2, sx = 0.5, sy = 2, rho = 0.6, e = 0.25, x = 0.1, y = 1.3;
        var raw = new[] { 0.7, mx, my, Math.Log(sx), Math.Log(sy), Math.Atanh(rho), Math.Log(e / (1 - e)) };
        using var tape = new Tape();
        double nll = MixtureDensity<double>.NegativeLogLikelihood(tape.Input(d, raw, 1, 7), 1, new[] { x, y, 1.0 }).Item();
        double dx = (x - mx) / sx, dy = (y - my) / sy, z = dx * dx + dy * dy - 2 * rho * dx * dy;
        double density = Math.Exp(-z / (2 * (1 - rho * rho))) / (2 * Math.PI * sx * sy * Math.Sqrt(1 - rho * rho));
        Assert.Equal(-Math.Log(density) - Math.Log(e), nll, 10);
        Assert.Contains("19 values per row", Assert.Throws<ArgumentException>(() => MixtureDensity<double>.NegativeLogLikelihood(tape.Input(d, raw, 1, 7), 3, new[] { x, y, 1.0 })).Message);
        Assert.Contains("must be 0 or 1", Assert.Throws<ArgumentOutOfRangeException>(() => MixtureDensity<double>.NegativeLogLikelihood(tape.Input(d, raw, 1, 7), 1, new[] { x, y, 0.5 })).Message);
    }

    [Fact]
    public void Samples_follow_the_component_and_a_low_temperature_narrows_them()
    {
        var raw = new[] { 0.0, 1.0, -2.0, Math.Log(0.5), Math.Log(1.5), Math.Atanh(0.8), 0.0 };
        var rng = new Rng(3);
        var draws = Enumerable.Range(0, 20000).Select(_ => MixtureDensity<double>.Sample(raw, 1, 1.0, rng)).ToArray();
        double mx = draws.Average(s => s.Dx), my = draws.Average(s => s.Dy);
        double sx = Math.Sqrt(draws.Average(s => (s.Dx - mx) * (s.Dx - mx))), sy = Math.Sqrt(draws.Average(s => (s.Dy - my) * (s.Dy - my)));
        double rho = draws.Average(s => (s.Dx - mx) * (s.Dy - my)) / (sx * sy);
        Assert.InRange(mx, 0.98, 1.02);
        Assert.InRange(my, -2.05, -1.95);
        Assert.InRange(sx, 0.48, 0.52);
        Assert.InRange(sy, 1.45, 1.55);
        Assert.InRange(rho, 0.78, 0.82);
        Assert.InRange(draws.Average(s => s.EndOfStroke ? 1.0 : 0.0), 0.48, 0.52);
        var cold = Enumerable.Range(0, 5000).Select(_ => MixtureDensity<double>.Sample(raw, 1, 0.25, rng)).ToArray();
        Assert.InRange(Math.Sqrt(cold.Average(s => (s.Dx - 1) * (s.Dx - 1))), 0.24, 0.26); // σ·√τ
    }

    /// <summary>Pen strokes: circles of random radius and phase, 8 points each, with small noise; a stroke ends at its last point.
    /// Row t of a sequence is the offset from point t to point t + 1 (dx, dy, end of stroke).</summary>
    private static double[] Strokes(Random rng, int steps, int batch)
    {
        var rows = new double[steps * batch * 3];
        for (int b = 0; b < batch; b++)
        {
            int point = rng.Next(8);
            double radius = 0.5 + rng.NextDouble(), phase = rng.NextDouble() * 2 * Math.PI;
            for (int t = 0; t < steps; t++)
            {
                double a = phase + 2 * Math.PI * point / 8, next = phase + 2 * Math.PI * (point + 1) / 8;
                int r = (t * batch + b) * 3;
                rows[r] = radius * (Math.Cos(next) - Math.Cos(a)) + 0.02 * TestData.Gaussian(rng, 1)[0];
                rows[r + 1] = radius * (Math.Sin(next) - Math.Sin(a)) + 0.02 * TestData.Gaussian(rng, 1)[0];
                rows[r + 2] = point == 7 ? 1 : 0;
                if (++point == 8) { point = 0; radius = 0.5 + rng.NextDouble(); phase = rng.NextDouble() * 2 * Math.PI; }
            }
        }
        return rows;
    }

    /// <summary>The best a single Gaussian over every offset (and one end-of-stroke rate) can do: its maximum-likelihood fit's NLL.</summary>
    private static double SingleGaussianNll(double[] rows)
    {
        int n = rows.Length / 3;
        var xs = Enumerable.Range(0, n).Select(r => rows[3 * r]).ToArray();
        var ys = Enumerable.Range(0, n).Select(r => rows[3 * r + 1]).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double vx = xs.Average(v => (v - mx) * (v - mx)), vy = ys.Average(v => (v - my) * (v - my)), cov = xs.Zip(ys, (a, b) => (a - mx) * (b - my)).Average();
        double rho = cov / Math.Sqrt(vx * vy), e = Enumerable.Range(0, n).Average(r => rows[3 * r + 2]);
        double gaussian = Math.Log(2 * Math.PI) + 0.5 * Math.Log(vx * vy) + 0.5 * Math.Log(1 - rho * rho) + 1; // mean of −log N at the fit
        double bernoulli = -(e * Math.Log(e) + (1 - e) * Math.Log(1 - e));
        return gaussian + bernoulli;
    }

    [Fact]
    public void A_recurrent_mixture_model_learns_pen_strokes_better_than_a_single_gaussian()
    {
        var d = TestDevices.Cpu;
        const int steps = 24, batch = 16, m = 4;
        var rng = new Random(4);
        using var rnn = new Rnn<Lstm, float>(d, 3, 48, seed: 1);
        using var head = new MixtureDensity<float>(d, m, 48, seed: 2);
        using var model = new Sequential<float>(rnn, head);
        using var adam = new Adam<float>(model, 1e-2) { ClipNorm = 5 };
        double Loss(double[] rows, bool train)
        {
            // The model reads the previous offset (zeros before the first) and predicts the next.
            var inputs = new float[rows.Length];
            for (int i = 3 * batch; i < rows.Length; i++) inputs[i] = (float)rows[i - 3 * batch];
            using var tape = new Tape(training: train);
            var loss = head.Loss(model.Forward(tape.Input(d, inputs, steps, batch, 3)), rows);
            if (train) tape.Backward(loss);
            return loss.Item();
        }
        for (int step = 0; step < 200; step++)
        {
            model.ZeroGrad();
            Loss(Strokes(rng, steps, batch), train: true);
            adam.Update();
        }
        var heldOut = Strokes(new Random(99), steps, 4 * batch / 4);
        double nll = Loss(heldOut, train: false), baseline = SingleGaussianNll(heldOut);
        Assert.True(nll < baseline - 1, $"mixture NLL {nll:F3} per offset; a single Gaussian fitted to the same offsets {baseline:F3}");
    }
}
