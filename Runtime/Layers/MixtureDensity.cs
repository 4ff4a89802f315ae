using System;

namespace Recur;

/// <summary>A mixture-density head (Bishop 1994; Graves 2013, the handwriting model): a dense layer that gives, per row, a mixture of
/// <see cref="Components"/> bivariate Gaussians over the next pen offset and an end-of-stroke probability: [π logits, μx, μy, log σx,
/// log σy, ρ before tanh, end-of-stroke logit]. Train it with <see cref="Losses.BivariateMixture{T}"/>; draw from it with
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
    public Var<T> Loss(Var<T> raw, double[] targets, bool[]? mask = null) => Losses.BivariateMixture(raw, Components, targets, mask);

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
