using System;

namespace Recur;

/// <summary>Layer normalization over the last axis (Ba et al. 2016) with a learned gain (ones) and shift (zeros), outside a cell.</summary>
public sealed class LayerNorm<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly Parameter<T> _gain, _shift;

    /// <summary>Normalizes the last axis (of size <paramref name="features"/>) to mean 0 and variance 1, then applies a learned gain and shift.</summary>
    public LayerNorm(Device device, int features, double eps = 1e-5) : base(device)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), $"Layer norm needs at least one feature, not {features}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be positive, not {eps}.");
        Eps = eps;
        _gain = AddParameter<T>("gain", new[] { features }, Init.Ones, 0);
        _shift = AddParameter<T>("shift", new[] { features }, Init.Zeros, 0);
    }

    /// <summary>Added to the variance before its square root.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public Var<T> Forward(Var<T> x)
    {
        x = Ops.To(x, Device!);
        return Ops.LayerNorm(x, x.Tape.Parameter(_gain), x.Tape.Parameter(_shift), Eps);
    }
}
