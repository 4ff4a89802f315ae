using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur.GpuCheck;

/// <summary>One check's outcome: what was compared, the largest error relative to max(1, |reference|), the tolerance, and whether
/// it passed (a failure's message says where).</summary>
internal sealed record CheckResult(string Kind, string Name, double Error, double Tolerance, string Detail = "")
{
    public bool Passed => Error <= Tolerance;
}

/// <summary>The correctness checks the kit runs on a device: parity with the CPU in float, finite differences in double on the
/// device itself, and composed models trained side by side.</summary>
internal static class Checks
{
    /// <summary>Every output, final state and gradient (input, initial state, memory, every parameter) of one training pass of
    /// <paramref name="cell"/> on <paramref name="device"/> against the same pass on the CPU, in float.</summary>
    public static CheckResult Parity(CellCase cell, Device device, Device cpu, Sizes s)
    {
        var onDevice = Pass(cell, device, s);
        var onCpu = Pass(cell, cpu, s);
        double worst = 0;
        string where = "";
        foreach (var (name, values) in onCpu)
        {
            var other = onDevice[name];
            if (other.Length != values.Length) return new CheckResult("parity", cell.Name, double.PositiveInfinity, 0, $"{name}: {other.Length} values on the device, {values.Length} on the CPU");
            for (int i = 0; i < values.Length; i++)
            {
                double e = Math.Abs(other[i] - values[i]) / Math.Max(1, Math.Abs(values[i]));
                if (!(e <= worst)) { worst = double.IsNaN(e) ? double.PositiveInfinity : e; where = $"{name}[{i}]: device {other[i]:R}, CPU {values[i]:R}"; }
            }
        }
        // Float sums in a different order (atomics, tree reductions) differ by rounding; a wrong derivative by far more.
        return new CheckResult("parity", cell.Name, worst, cell.Cell == "UnitaryRnn" ? 3e-3 : 5e-4, where);
    }

    private static Dictionary<string, float[]> Pass(CellCase cell, Device device, Sizes s)
    {
        using var layer = cell.Create<float>(device, s.Input, s.Hidden, seed: 5);
        using var data = new PassData<float>(device, layer, s.Steps, s.Batch, s.Positions, seed: 11);
        data.BuildAndPerturb(layer, new Random(6));
        using var r = data.Forward(layer, training: true);
        using var g = layer.Backward(data.OutputGrad, data.FinalStateGrad);
        var values = new Dictionary<string, float[]> { ["output"] = r.Output.ToArray(), ["parameter gradients"] = layer.GetAllGradients() };
        for (int k = 0; k < r.FinalState.Length; k++) values[$"final {layer.Spec.States[k].Name}"] = r.FinalState[k].ToArray();
        for (int k = 0; k < g.Inputs.Length; k++) values[$"gradient of input {layer.Spec.Inputs[k].Name}"] = g.Inputs[k].ToArray();
        for (int k = 0; k < g.InitialState.Length; k++) values[$"gradient of initial {layer.Spec.States[k].Name}"] = g.InitialState[k].ToArray();
        for (int k = 0; k < g.Memories.Length; k++) values[$"gradient of memory {layer.Spec.Memories![k].Name}"] = g.Memories[k].ToArray();
        return values;
    }

    /// <summary>The device's backward pass in double against central differences of its own forward pass, for <paramref name="samples"/>
    /// coordinates spread over the parameters and a few of every input, initial state and memory. The loss is Σ output·dY + Σ final·dS.</summary>
    public static CheckResult FiniteDifferences(CellCase cell, Device device, Sizes s, int samples)
    {
        using var layer = cell.Create<double>(device, s.Input, s.Hidden, seed: 7);
        using var data = new PassData<double>(device, layer, s.Steps, s.Batch, s.Positions, seed: 13);
        double Loss()
        {
            using var r = data.Forward(layer, training: true);
            double l = Dot(r.Output.ToArray(), data.OutputGrad.ToArray());
            for (int k = 0; k < r.FinalState.Length; k++) l += Dot(r.FinalState[k].ToArray(), data.FinalStateGrad[k].ToArray());
            return l;
        }
        var rng = new Random(8);
        var theta = data.BuildAndPerturb(layer, rng);

        double[] paramGrads;
        var tensorGrads = new List<(string Name, Tensor<double> Tensor, double[] Grad)>();
        using (var r = data.Forward(layer, training: true))
        using (var g = layer.Backward(data.OutputGrad, data.FinalStateGrad))
        {
            paramGrads = layer.GetAllGradients();
            for (int k = 0; k < g.Inputs.Length; k++) tensorGrads.Add(($"input {layer.Spec.Inputs[k].Name}", data.Inputs[k], g.Inputs[k].ToArray()));
            for (int k = 0; k < g.InitialState.Length; k++)
                if (!layer.Spec.IsSeqDim(layer.Spec.States[k].Dim)) tensorGrads.Add(($"initial {layer.Spec.States[k].Name}", data.InitialState[k], g.InitialState[k].ToArray()));
            for (int k = 0; k < g.Memories.Length; k++) tensorGrads.Add(($"memory {layer.Spec.Memories![k].Name}", data.Memories[k], g.Memories[k].ToArray()));
        }

        const double h = 1e-5;
        double worst = 0;
        string where = "";
        void Compare(string what, double analytic, double numeric)
        {
            double e = Math.Abs(analytic - numeric) / Math.Max(1e-2, Math.Abs(numeric));
            if (!(e <= worst)) { worst = double.IsNaN(e) ? double.PositiveInfinity : e; where = $"{what}: backward {analytic:R}, finite differences {numeric:R}"; }
        }
        // Parameters: `samples` coordinates in all, spread over the learned tensors (each tensor at least once while they last).
        var learned = layer.Layout.Where(p => p.Learned).OrderBy(_ => rng.Next()).ToList();
        for (int n = 0; n < samples && learned.Count > 0; n++)
        {
            var p = n < learned.Count ? learned[n] : learned[rng.Next(learned.Count)];
            long i = p.Offset + rng.NextInt64(p.Length);
            double saved = theta[i];
            theta[i] = saved + h; layer.SetAllParameters(theta); double up = Loss();
            theta[i] = saved - h; layer.SetAllParameters(theta); double down = Loss();
            theta[i] = saved; layer.SetAllParameters(theta);
            Compare($"{p.Name}[{i - p.Offset}]", paramGrads[i], (up - down) / (2 * h));
        }
        // Inputs, initial states, memories: a few coordinates of each.
        foreach (var (name, tensor, grad) in tensorGrads)
        {
            var values = tensor.ToArray();
            for (int n = 0; n < Math.Max(2, samples / 8); n++)
            {
                int i = rng.Next(values.Length);
                double saved = values[i];
                values[i] = saved + h; tensor.CopyFrom(values); double up = Loss();
                values[i] = saved - h; tensor.CopyFrom(values); double down = Loss();
                values[i] = saved; tensor.CopyFrom(values);
                Compare($"{name}[{i}]", grad[i], (up - down) / (2 * h));
            }
        }
        return new CheckResult("finite differences", cell.Name, worst, 1e-5, where);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
