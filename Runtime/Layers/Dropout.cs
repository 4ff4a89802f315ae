using System;

namespace Recur;

/// <summary>Dropout on training tapes (the identity on inference tapes): standard, a mask per element, or locked/variational
/// (Gal &amp; Ghahramani 2016), one mask per sequence and feature shared by every time step of [T, B, F].</summary>
public sealed class Dropout<T> : Part, ILayer<T> where T : unmanaged
{
    /// <summary>Drops each element with probability <paramref name="rate"/> while training (scaling the rest by 1/(1 − rate)); <paramref name="locked"/> uses one mask for every time step of a [T, B, F] input.</summary>
    public Dropout(double rate, bool locked = false) : base(null)
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), $"A dropout rate is in [0, 1), not {rate}.");
        Rate = rate;
        Locked = locked;
    }

    /// <summary>The probability of dropping an element.</summary>
    public double Rate { get; }
    /// <summary>True when one mask is shared by every time step.</summary>
    public bool Locked { get; }

    /// <inheritdoc/>
    public Var<T> Forward(Var<T> x) => Ops.Dropout(x, Rate, Locked);
}
