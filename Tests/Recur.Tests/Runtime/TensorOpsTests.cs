using System;
using System.Linq;
using ILGPU.Runtime;
using Xunit;

namespace Recur.Tests;

/// <summary>The device operations under the tape, losses and optimizers, on both implementations (native CPU, and the ILGPU kernels
/// on ILGPU's CPU accelerator, which CUDA runs too), in float and double, against closed forms.</summary>
public class TensorOpsTests
{
    public static TheoryData<string, string> DevicesAndTypes => new() { { "cpu", "float" }, { "cpu", "double" }, { "ilgpu-cpu", "float" }, { "ilgpu-cpu", "double" } };
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };

    private static double[] Random(int n, int seed, double scale = 1) => TestData.Gaussian(new Random(seed), n, scale);

    private static void Run(string device, string type, Action<Device, Func<double[], int[], ITensorPair>> body)
    {
        var d = TestDevices.ByName(device);
        if (type == "float") body(d, (v, s) => new TensorPair<float>(d, v, s));
        else body(d, (v, s) => new TensorPair<double>(d, v, s));
    }

    [Theory, MemberData(nameof(DevicesAndTypes))]
    public void Cross_entropy_with_padding_and_label_smoothing_matches_the_closed_form(string device, string type)
    {
        Run(device, type, (d, make) =>
        {
            const int rows = 5, cols = 7;
            var logits = Random(rows * cols, 1, 3);
            logits[3] = 80; // large logits must not overflow
            var targets = new[] { 0, -1, 3, 2, 6 };
            foreach (double eps in new[] { 0.0, 0.1 })
            {
                using var l = make(logits, new[] { rows, cols });
                using var g = make(new double[rows * cols], new[] { rows, cols });
                double sum = l.CrossEntropy(targets, -1, eps, 0.25, g);
                double expected = 0;
                var grad = new double[rows * cols];
                for (int r = 0; r < rows; r++)
                {
                    if (targets[r] < 0) continue;
                    var row = logits.Skip(r * cols).Take(cols).ToArray();
                    double max = row.Max(), logSum = Math.Log(row.Sum(v => Math.Exp(v - max))) + max;
                    expected += (1 - eps) * (logSum - row[targets[r]]) + eps * row.Sum(v => logSum - v) / cols;
                    for (int c = 0; c < cols; c++) grad[r * cols + c] = 0.25 * (Math.Exp(row[c] - logSum) - (1 - eps) * (c == targets[r] ? 1 : 0) - eps / cols);
                }
                Assert.Equal(expected, sum, type == "float" ? 3 : 9);
                var actual = g.Read();
                for (int i = 0; i < grad.Length; i++) Assert.Equal(grad[i], actual[i], type == "float" ? 5 : 12);
            }
        });
    }

    [Theory, MemberData(nameof(DevicesAndTypes))]
    public void Gather_picks_rows_and_scatter_adds_repeats_skipping_padding(string device, string type)
    {
        Run(device, type, (d, make) =>
        {
            var table = Random(4 * 3, 2);
            var ids = new[] { 2, 0, 2, 3 };
            using var t = make(table, new[] { 4, 3 });
            using var idx = Tensor<int>.FromArray(d, ids, 4);
            using var o = make(new double[12], new[] { 4, 3 });
            t.Gather(3, idx, 4, o);
            var output = o.Read();
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 3; c++) Assert.Equal(table[ids[r] * 3 + c], output[r * 3 + c], 6);
            var dy = Random(12, 3);
            using var g = make(dy, new[] { 4, 3 });
            using var acc = make(new double[12], new[] { 4, 3 });
            acc.ScatterAdd(3, idx, 4, g, skip: 3);
            var a = acc.Read();
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(dy[0 * 3 + c] + dy[2 * 3 + c], a[2 * 3 + c], 5);
                Assert.Equal(dy[1 * 3 + c], a[0 * 3 + c], 5);
                Assert.Equal(0, a[3 * 3 + c]); // the padding id gets nothing
            }
        });
    }

    [Theory, MemberData(nameof(DevicesAndTypes))]
    public void Layer_norm_normalizes_each_row(string device, string type)
    {
        Run(device, type, (d, make) =>
        {
            const int rows = 3, cols = 6;
            var x = Random(rows * cols, 4, 2);
            var gain = Random(cols, 5);
            var shift = Random(cols, 6);
            using var xt = make(x, new[] { rows, cols });
            using var gt = make(gain, new[] { cols });
            using var st = make(shift, new[] { cols });
            using var y = make(new double[rows * cols], new[] { rows, cols });
            using var mean = make(new double[rows], new[] { rows });
            using var rstd = make(new double[rows], new[] { rows });
            xt.LayerNorm(rows, cols, gt, st, 1e-5, y, mean, rstd);
            var ys = y.Read();
            for (int r = 0; r < rows; r++)
            {
                var row = x.Skip(r * cols).Take(cols).ToArray();
                double mu = row.Average(), sd = Math.Sqrt(row.Sum(v => (v - mu) * (v - mu)) / cols + 1e-5);
                for (int c = 0; c < cols; c++) Assert.Equal((row[c] - mu) / sd * gain[c] + shift[c], ys[r * cols + c], type == "float" ? 4 : 10);
            }
        });
    }

    [Theory, MemberData(nameof(DevicesAndTypes))]
    public void Columns_copy_into_place_and_accumulate(string device, string type)
    {
        Run(device, type, (d, make) =>
        {
            var src = Random(2 * 5, 7);
            using var s = make(src, new[] { 2, 5 });
            using var dst = make(Enumerable.Repeat(1.0, 2 * 4).ToArray(), new[] { 2, 4 });
            s.CopyColumns(5, 1, dst, 4, 2, rows: 2, width: 2, accumulate: true);
            var o = dst.Read();
            Assert.Equal(new[] { 1, 1, 1 + src[1], 1 + src[2], 1, 1, 1 + src[6], 1 + src[7] }, o.Select(v => Math.Round(v, 5)).ToArray(), new RoundedComparer());
        });
    }

    [Theory, MemberData(nameof(Devices))]
    public void Adam_takes_the_closed_form_first_steps(string device)
    {
        var d = TestDevices.ByName(device);
        var ops = d.Ops<float>();
        using var p = Tensor<float>.FromArray(d, new[] { 1f, -2f }, 2);
        using var g = Tensor<float>.FromArray(d, new[] { 0.5f, -4f }, 2);
        using var m = new Tensor<float>(d, 2);
        using var v = new Tensor<float>(d, 2);
        ops.Adam(p.View, g.View, m.View, v.View, new AdamStep(0.1, 0.9, 0.999, 1e-8, 0, 0, 1, 1));
        // Step 1: m̂ = g, v̂ = g², so the update is lr·sign(g).
        Assert.Equal(new[] { 0.9f, -1.9f }, p.ToArray().Select(x => MathF.Round(x, 5)).ToArray());
        ops.Adam(p.View, g.View, m.View, v.View, new AdamStep(0.1, 0.9, 0.999, 1e-8, 0, 0, 2, 0.5));
        // Step 2 with the gradient halved: m = 0.9·0.1g + 0.1·0.5g, v = 0.999·0.001g² + 0.001·0.25g², bias-corrected.
        double m2 = (0.9 * 0.1 + 0.1 * 0.5) / (1 - 0.81), v2 = (0.999 * 0.001 + 0.001 * 0.25) / (1 - 0.999 * 0.999);
        Assert.Equal(0.9 - 0.1 * m2 / Math.Sqrt(v2), p.ToArray()[0], 4);
    }

    [Theory, MemberData(nameof(Devices))]
    public void Sgd_with_momentum_and_nesterov_accumulates_velocity(string device)
    {
        var d = TestDevices.ByName(device);
        var ops = d.Ops<double>();
        foreach (bool nesterov in new[] { false, true })
        {
            using var p = Tensor<double>.FromArray(d, new[] { 1.0 }, 1);
            using var g = Tensor<double>.FromArray(d, new[] { 2.0 }, 1);
            using var vel = new Tensor<double>(d, 1);
            ops.Sgd(p.View, g.View, vel.View, new SgdStep(0.1, 0.9, nesterov, 0, 1));
            ops.Sgd(p.View, g.View, vel.View, new SgdStep(0.1, 0.9, nesterov, 0, 1));
            // v1 = 2, v2 = 3.8; plain: p −= lr·v; Nesterov: p −= lr·(g + μ·v).
            double expected = nesterov ? 1 - 0.1 * (2 + 0.9 * 2) - 0.1 * (2 + 0.9 * 3.8) : 1 - 0.1 * 2 - 0.1 * 3.8;
            Assert.Equal(expected, p.ToArray()[0], 12);
        }
    }

    [Theory, MemberData(nameof(Devices))]
    public void Rmsprop_scales_by_the_running_root_mean_square(string device)
    {
        var d = TestDevices.ByName(device);
        var ops = d.Ops<double>();
        using var p = Tensor<double>.FromArray(d, new[] { 1.0 }, 1);
        using var g = Tensor<double>.FromArray(d, new[] { 2.0 }, 1);
        using var sq = new Tensor<double>(d, 1);
        using var buf = new Tensor<double>(d, 1);
        ops.RmsProp(p.View, g.View, sq.View, buf.View, new RmsPropStep(0.01, 0.99, 1e-8, 0, 0, 1));
        Assert.Equal(1 - 0.01 * 2 / (Math.Sqrt(0.01 * 4) + 1e-8), p.ToArray()[0], 12);
    }

    [Theory, MemberData(nameof(DevicesAndTypes))]
    public void Column_sums_row_vectors_and_norms(string device, string type)
    {
        Run(device, type, (d, make) =>
        {
            var m = Random(3 * 4, 8);
            using var mt = make(m, new[] { 3, 4 });
            using var acc = make(new[] { 1.0, 1, 1, 1 }, new[] { 4 });
            mt.ColumnSumAdd(3, 4, acc);
            var a = acc.Read();
            for (int c = 0; c < 4; c++) Assert.Equal(1 + m[c] + m[4 + c] + m[8 + c], a[c], 5);
            double norm = m.Sum(x => x * x);
            Assert.Equal(norm, mt.SquaredNorm(), 4);
        });
    }

    private sealed class RoundedComparer : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-4;
        public int GetHashCode(double x) => 0;
    }
}

/// <summary>A tensor in either precision behind one interface, so a test body runs in float and double.</summary>
public interface ITensorPair : IDisposable
{
    double[] Read();
    double CrossEntropy(int[] targets, int ignore, double smoothing, double scale, ITensorPair grad);
    void Gather(int width, Tensor<int> ids, int rows, ITensorPair output);
    void ScatterAdd(int width, Tensor<int> ids, int rows, ITensorPair grad, int skip);
    void LayerNorm(int rows, int cols, ITensorPair gain, ITensorPair shift, double eps, ITensorPair y, ITensorPair mean, ITensorPair rstd);
    void CopyColumns(int srcCols, int srcOffset, ITensorPair dst, int dstCols, int dstOffset, int rows, int width, bool accumulate);
    void ColumnSumAdd(int rows, int cols, ITensorPair acc);
    double SquaredNorm();
}

internal sealed class TensorPair<T> : ITensorPair where T : unmanaged
{
    private readonly Device _d;
    public readonly Tensor<T> T_;
    public TensorPair(Device d, double[] values, int[] shape)
    {
        _d = d;
        T_ = Tensor<T>.FromArray(d, values.Select(Scalar<T>.From).ToArray(), shape);
    }
    private TensorOps<T> Ops => _d.Ops<T>();
    private static Tensor<T> Of(ITensorPair p) => ((TensorPair<T>)p).T_;
    public double[] Read() => T_.ToArray().Select(Scalar<T>.ToDouble).ToArray();
    public double CrossEntropy(int[] targets, int ignore, double smoothing, double scale, ITensorPair grad)
    {
        using var t = Tensor<int>.FromArray(_d, targets, targets.Length);
        return Ops.CrossEntropy(T_.View, T_.Shape[0], T_.Shape[1], t.View, ignore, smoothing, scale, Of(grad).View);
    }
    public void Gather(int width, Tensor<int> ids, int rows, ITensorPair output) => Ops.Gather(T_.View, width, ids.View, rows, Of(output).View);
    public void ScatterAdd(int width, Tensor<int> ids, int rows, ITensorPair grad, int skip) => Ops.ScatterAdd(T_.View, width, ids.View, rows, Of(grad).View, skip);
    public void LayerNorm(int rows, int cols, ITensorPair gain, ITensorPair shift, double eps, ITensorPair y, ITensorPair mean, ITensorPair rstd) =>
        Ops.LayerNorm(T_.View, rows, cols, Of(gain).View, Of(shift).View, eps, Of(y).View, Of(mean).View, Of(rstd).View);
    public void CopyColumns(int srcCols, int srcOffset, ITensorPair dst, int dstCols, int dstOffset, int rows, int width, bool accumulate) =>
        Ops.CopyColumns(T_.View, srcCols, srcOffset, Of(dst).View, dstCols, dstOffset, rows, width, accumulate);
    public void ColumnSumAdd(int rows, int cols, ITensorPair acc) => Ops.ColumnSumAdd(T_.View, rows, cols, Of(acc).View);
    public double SquaredNorm() => Ops.SquaredNorm(T_.View);
    public void Dispose() => T_.Dispose();
}
