using System;

namespace Recur;

/// <summary>Layer normalization over the last axis (Ba et al. 2016) with a learned gain (ones) and shift (zeros), outside a cell.</summary>
public sealed class LayerNorm<T> : Part, ILayer<T> where T : unmanaged
{
    private readonly Parameter<T> _gain, _shift;

    public LayerNorm(Device device, int features, double eps = 1e-5) : base(device)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), $"Layer norm needs at least one feature, not {features}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be positive, not {eps}.");
        Eps = eps;
        _gain = AddParameter<T>("gain", new[] { features }, Init.Ones, 0);
        _shift = AddParameter<T>("shift", new[] { features }, Init.Zeros, 0);
    }

    public double Eps { get; }

    public Var<T> Forward(Var<T> x)
    {
        x = Ops.To(x, Device!);
        return Ops.LayerNorm(x, x.Tape.Parameter(_gain), x.Tape.Parameter(_shift), Eps);
    }
}
