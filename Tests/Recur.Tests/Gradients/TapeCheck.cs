using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Checks a tape's gradients against central finite differences in double: every trainable parameter of a model and every
/// input tensor, at a few single entries and along one random direction (which covers every entry at once). The loss is rebuilt on
/// a fresh training tape with the same generator for every evaluation, so dropout draws the same masks each time.</summary>
internal static class TapeCheck
{
    /// <param name="inputs">Tensors the loss reads as inputs (each checked); they must be on the devices the loss expects.</param>
    /// <param name="loss">Builds the loss on a tape from the inputs as tape values.</param>
    /// <param name="skip">Entries of a tensor (by name) that are not to be compared: e.g. an embedding's padding row, whose gradient is
    /// zero by design.</param>
    /// <returns>The number of comparisons made.</returns>
    public static int Check(Part? model, IReadOnlyList<Tensor<double>> inputs, Func<Tape, Var<double>[], Var<double>> loss,
        ulong seed = 7, Func<string, int, bool>? skip = null, double tolerance = 1e-6, int seedForDirections = 1)
    {
        var rng = new Random(seedForDirections);
        model?.ZeroGrad();
        double[][] inputGrads;
        using (var tape = new Tape(training: true, new Rng(seed)))
        {
            var vars = inputs.Select(t => tape.Input(t, requiresGrad: true)).ToArray();
            var l = loss(tape, vars);
            tape.Backward(l);
            inputGrads = vars.Select(v => v.Grad?.ToArray() ?? new double[v.Length]).ToArray();
        }

        double LossNow()
        {
            using var tape = new Tape(training: true, new Rng(seed));
            return loss(tape, inputs.Select(t => tape.Input(t)).ToArray()).Item();
        }

        int count = 0;
        void CheckTensor(string name, double[] value, double[] grad, Action<double[]> set)
        {
            bool Skipped(int i) => skip?.Invoke(name, i) == true;
            var entries = Enumerable.Range(0, value.Length).Where(i => !Skipped(i)).ToArray();
            if (entries.Length == 0) return;
            foreach (int k in Enumerable.Range(0, 3).Select(_ => entries[rng.Next(entries.Length)]).Append(-1))
            {
                var dir = new double[value.Length];
                if (k >= 0) dir[k] = 1;
                else foreach (int i in entries) dir[i] = TestData.Gaussian(rng, 1)[0];
                double analytic = TestData.Dot(grad, dir);
                double At(double e)
                {
                    set(value.Select((v, q) => v + e * dir[q]).ToArray());
                    double l = LossNow();
                    set(value);
                    return l;
                }
                const double eps = 1e-6;
                double numeric = (At(eps) - At(-eps)) / (2 * eps);
                double scale = Math.Max(1, Math.Max(Math.Abs(numeric), Math.Abs(analytic)));
                Assert.True(Math.Abs(numeric - analytic) <= tolerance * scale,
                    $"d loss / d {name}{(k >= 0 ? $"[{k}]" : " (random direction)")}: backward {analytic:R}, finite differences {numeric:R}");
                count++;
            }
        }

        if (model is not null)
            foreach (var p in model.Parameters.Where(p => !p.Frozen))
                CheckTensor(p.Name, (double[])p.Parameter.Read(), (double[])p.Parameter.ReadGrad(), v => p.Parameter.Write(v));
        for (int i = 0; i < inputs.Count; i++)
        {
            var t = inputs[i];
            CheckTensor($"input {i}", t.ToArray(), inputGrads[i], v => t.CopyFrom(v));
        }
        Assert.True(count > 0, "nothing was compared");
        return count;
    }

    /// <summary>Moves every parameter off its initializer (biases start at zero, gains at one) so no term of a gradient hides.</summary>
    public static void Jitter(Part model, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in model.Parameters)
        {
            var v = (double[])p.Parameter.Read();
            var noise = TestData.Gaussian(rng, v.Length, 0.3);
            p.Parameter.Write(v.Select((x, i) => x + noise[i]).ToArray());
        }
    }

    public static Tensor<double> Random(Device d, int seed, double scale, params int[] shape) =>
        Tensor<double>.FromArray(d, TestData.Gaussian(new Random(seed), shape.Aggregate(1, (a, b) => a * b), scale), shape);

    /// <summary>A smooth loss of any value: the mean squared distance to a fixed random target.</summary>
    public static Var<double> Mse(Var<double> y, int seed)
    {
        var target = y.Tape.Input(y.Device, TestData.Gaussian(new Random(seed), (int)y.Length), y.Shape);
        return Losses.MeanSquaredError(y, target);
    }
}
