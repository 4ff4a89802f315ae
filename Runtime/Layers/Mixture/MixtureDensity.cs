using System;
using System.Linq;

namespace Recur;

/// <summary>A mixture-density head (Bishop 1994; Graves 2013, the handwriting model): a dense layer that gives, per row, a mixture of
/// <see cref="Components"/> bivariate Gaussians over the next pen offset and an end-of-stroke probability: [π logits, μx, μy, log σx,
/// log σy, ρ before tanh, end-of-stroke logit]. Train it with <see cref="Loss"/>; draw from it with
/// <see cref="Sample"/>.</summary>
public sealed class MixtureDensity<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly Dense<T> _dense;

    /// <summary>A mixture-density output of <paramref name="components"/> bivariate Gaussians and an end-of-stroke probability (Graves 2013).</summary>
    public MixtureDensity(Device device, int components, int? inputs = null, int seed = 0) : base(device)
    {
        if (components < 1) throw new ArgumentOutOfRangeException(nameof(components), $"A mixture needs at least one component, not {components}.");
        Components = components;
        _dense = Add("output", new Dense<T>(device, 6 * components + 1, inputs, seed: seed));
    }

    /// <summary>The number of Gaussians in the mixture.</summary>
    public int Components { get; }

    /// <summary>The mixture's raw parameters [.., 6·M + 1].</summary>
    public Var<T> Forward(Var<T> x) => _dense.Forward(x);

    /// <summary>The mean negative log-likelihood of <paramref name="targets"/> (dx, dy, eos per row) under the mixture of <paramref name="raw"/>.</summary>
    public Var<T> Loss(Var<T> raw, double[] targets, bool[]? mask = null) => NegativeLogLikelihood(raw, Components, targets, mask);

    /// <summary>The mean negative log-likelihood of pen offsets (dx, dy) and end-of-stroke flags under a bivariate Gaussian mixture
    /// (Graves 2013, §4.1): <paramref name="raw"/> [.., 6·M + 1] is what this head gives, per row
    /// [π logits, μx, μy, log σx, log σy, ρ before tanh, end-of-stroke logit]; <paramref name="targets"/> holds (dx, dy, eos ∈ {0, 1})
    /// per row. Rows whose <paramref name="mask"/> is false (padding) are not counted.</summary>
    public static Var<T> NegativeLogLikelihood(Var<T> raw, int components, double[] targets, bool[]? mask = null)
    {
        int rows = raw.Rows;
        if (components < 1 || raw.Features != 6 * components + 1)
            throw new ArgumentException($"A mixture of {components} bivariate Gaussians with an end-of-stroke probability reads {6 * components + 1} values per row, but the input is {raw.Value.ShapeText}.", nameof(raw));
        if (targets.Length != 3 * rows) throw new ArgumentException($"{targets.Length} target values were given for {rows} rows of (dx, dy, eos).", nameof(targets));
        if (mask is not null && mask.Length != rows) throw new ArgumentException($"{mask.Length} mask entries were given for {rows} rows.", nameof(mask));
        for (int r = 0; r < rows; r++)
        {
            if (targets[3 * r + 2] is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(targets), $"The end-of-stroke flag of row {r} is {targets[3 * r + 2]}; it must be 0 or 1.");
            if (!double.IsFinite(targets[3 * r]) || !double.IsFinite(targets[3 * r + 1])) throw new ArgumentOutOfRangeException(nameof(targets), $"The offset of row {r} is not a finite number.");
        }
        int count = mask?.Count(m => m) ?? rows;
        var tape = raw.Tape;
        var device = raw.Device;
        var t = Tensor<T>.Rent(device, false, rows, 3);
        t.CopyFrom(targets.Select(Scalar<T>.From).ToArray());
        tape.Hold(t);
        var w = Tensor<T>.Rent(device, false, rows);
        w.CopyFrom(Enumerable.Range(0, rows).Select(r => mask is null || mask[r] ? Scalar<T>.One : Scalar<T>.Zero).ToArray());
        tape.Hold(w);
        var ops = device.Ops<T>();
        bool grad = raw.RequiresGrad && count > 0;
        var saved = grad ? new Saved<T>(Tensor<T>.Rent(device, false, raw.Shape)) : null;
        double sum = ops.MixtureNll(raw.View, rows, components, t.View, w.View, count > 0 ? 1.0 / count : 0, saved?.Value.View ?? default);
        var loss = Losses.HostScalar<T>(tape, device, count > 0 ? sum / count : 0, grad);
        if (!grad) return loss;
        tape.Record(() => Losses.AdoptScaled(ops, saved!.Take(), loss, raw), new ITracked[] { loss }, saved!);
        return loss;
    }

    /// <summary>Draws (dx, dy, end of stroke) from one row of raw parameters. The temperature τ sharpens (τ &lt; 1) or flattens the
    /// choice of component (π ∝ π^(1/τ)) and scales the deviations by √τ, as in Graves 2013 and Ha's HyperNetworks demo.</summary>
    public static (double Dx, double Dy, bool EndOfStroke) Sample(T[] raw, int components, double temperature, Rng rng)
    {
        if (raw.Length != 6 * components + 1) throw new ArgumentException($"A row of a {components}-component mixture has {6 * components + 1} values, not {raw.Length}.", nameof(raw));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"The temperature must be positive, not {temperature}.");
        double V(int i) => Scalar<T>.ToDouble(raw[i]);
        double max = double.NegativeInfinity;
        for (int k = 0; k < components; k++) max = Math.Max(max, V(k) / temperature);
        var weights = new double[components];
        double total = 0;
        for (int k = 0; k < components; k++) total += weights[k] = Math.Exp(V(k) / temperature - max);
        double u = rng.NextDouble() * total;
        int chosen = components - 1;
        for (int k = 0; k < components; k++)
        {
            u -= weights[k];
            if (u <= 0) { chosen = k; break; }
        }
        double mx = V(components + chosen), my = V(2 * components + chosen), scale = Math.Sqrt(temperature);
        double sx = Math.Exp(V(3 * components + chosen)) * scale, sy = Math.Exp(V(4 * components + chosen)) * scale, rho = Math.Tanh(V(5 * components + chosen));
        double z1 = Gaussian(rng), z2 = Gaussian(rng);
        double e = 1 / (1 + Math.Exp(-V(6 * components)));
        return (mx + sx * z1, my + sy * (rho * z1 + Math.Sqrt(1 - rho * rho) * z2), rng.NextDouble() < e);
    }

    private static double Gaussian(Rng rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
