using System;

namespace Recur;

/// <summary>How the learning rate varies with the update count: a linear warm-up over the first <see cref="Warmup"/> updates
/// (from lr/warmup up to lr), then constant, step decay (×<see cref="Gamma"/> every <see cref="Every"/> updates, as PyTorch's
/// StepLR) or cosine decay to <see cref="MinFactor"/>·lr over <see cref="DecaySteps"/> updates (as CosineAnnealingLR).</summary>
/// <param name="Kind"><c>constant</c>, <c>step</c> or <c>cosine</c>.</param>
/// <param name="Warmup">Updates of linear warm-up (0: none).</param>
/// <param name="Every">Updates between step decays.</param>
/// <param name="Gamma">The factor of each step decay.</param>
/// <param name="DecaySteps">Updates the cosine decay takes.</param>
/// <param name="MinFactor">The fraction of the learning rate the cosine decay ends at.</param>
public sealed record Schedule(string Kind = "constant", int Warmup = 0, int Every = 1000, double Gamma = 0.5, int DecaySteps = 0, double MinFactor = 0)
{
    /// <summary>Every schedule kind the command lines accept.</summary>
    public static readonly string[] Kinds = { "constant", "step", "cosine" };

    /// <summary>The base learning rate throughout, after <paramref name="warmup"/> steps of linear warm-up.</summary>
    public static Schedule Constant(int warmup = 0) => new("constant", warmup);
    /// <summary>The rate times <paramref name="gamma"/> every <paramref name="every"/> steps, after <paramref name="warmup"/> steps of warm-up.</summary>
    public static Schedule Step(int every, double gamma = 0.5, int warmup = 0) => new("step", warmup, every, gamma);
    /// <summary>Cosine decay from the rate to <paramref name="minFactor"/> times it over <paramref name="decaySteps"/> steps, after <paramref name="warmup"/> steps of warm-up.</summary>
    public static Schedule Cosine(int decaySteps, double minFactor = 0, int warmup = 0) => new("cosine", warmup, DecaySteps: decaySteps, MinFactor: minFactor);

    /// <summary>Throws <see cref="System.ArgumentException"/> naming the setting when the kind is unknown or a value is out of range.</summary>
    public void Validate()
    {
        if (Array.IndexOf(Kinds, Kind) < 0) throw new ArgumentException($"Unknown schedule '{Kind}'; use one of {string.Join(", ", Kinds)}.");
        if (Warmup < 0) throw new ArgumentException($"Warm-up is a number of updates ≥ 0, not {Warmup}.");
        if (Kind == "step" && (Every < 1 || !(Gamma > 0 && Gamma <= 1))) throw new ArgumentException($"A step schedule decays every N ≥ 1 updates by a factor in (0, 1], not every {Every} by {Gamma}.");
        if (Kind == "cosine" && DecaySteps < 1) throw new ArgumentException("A cosine schedule decays over a number of updates; give it (with --steps, say).");
        if (!(MinFactor >= 0 && MinFactor <= 1)) throw new ArgumentException($"The final factor of a cosine schedule is in [0, 1], not {MinFactor}.");
    }

    /// <summary>The factor on the base rate for the update that follows <paramref name="done"/> updates.</summary>
    public double Factor(int done)
    {
        if (done < Warmup) return (done + 1.0) / Warmup;
        int s = done - Warmup;
        return Kind switch
        {
            "step" => Math.Pow(Gamma, s / Every),
            "cosine" => MinFactor + (1 - MinFactor) * (1 + Math.Cos(Math.PI * Math.Min(s, DecaySteps) / DecaySteps)) / 2,
            _ => 1,
        };
    }
}
