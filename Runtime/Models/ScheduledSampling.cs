using System;

namespace Recur;

/// <summary>How scheduled sampling's probability of feeding the decoder the true previous token falls with training
/// (Bengio et al. 2015, §2.4): linear ε_i = max(Min, K − C·i), exponential ε_i = K^i, inverse sigmoid ε_i = K / (K + exp(i / K)),
/// for step i. <see cref="None"/> always feeds the truth (teacher forcing).</summary>
/// <param name="Decay">The shape of the decay.</param>
/// <param name="K">The decay's main constant (see the formulas).</param>
/// <param name="C">The linear decay's slope per step.</param>
/// <param name="Min">The probability never falls below this.</param>
public sealed record SamplingSchedule(SamplingDecay Decay, double K, double C = 0, double Min = 0)
{
    /// <summary>Teacher forcing throughout: the decoder always reads the true previous token.</summary>
    public static SamplingSchedule None { get; } = new(SamplingDecay.None, 1);

    /// <summary>The probability of feeding the true token at training step <paramref name="step"/>.</summary>
    public double TruthProbability(long step) => Decay switch
    {
        SamplingDecay.None => 1,
        SamplingDecay.Linear => Math.Max(Min, K - C * step),
        SamplingDecay.Exponential => Math.Max(Min, Math.Pow(K, step)),
        SamplingDecay.InverseSigmoid => Math.Max(Min, K / (K + Math.Exp(step / K))),
        _ => throw new ArgumentOutOfRangeException(nameof(Decay)),
    };

    /// <summary>Throws <see cref="System.ArgumentException"/> naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        bool ok = Decay switch
        {
            SamplingDecay.None => true,
            SamplingDecay.Linear => K > 0 && K <= 1 && C >= 0,
            SamplingDecay.Exponential => K > 0 && K < 1,
            SamplingDecay.InverseSigmoid => K >= 1,
            _ => false,
        };
        if (!ok || !(Min >= 0 && Min <= 1))
            throw new ArgumentException($"Scheduled sampling {Decay} takes K in {(Decay == SamplingDecay.Exponential ? "(0, 1)" : Decay == SamplingDecay.InverseSigmoid ? "[1, ∞)" : "(0, 1]")}, C ≥ 0 and Min in [0, 1]; got K {K}, C {C}, Min {Min}.");
    }

    /// <summary>Reads "none", "linear:K:C[:Min]", "exponential:K[:Min]" or "sigmoid:K[:Min]".</summary>
    public static SamplingSchedule Parse(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        double At(int i, double fallback) => parts.Length > i
            ? double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
                : throw new ArgumentException($"'{parts[i]}' in scheduled sampling '{text}' is not a number.")
            : fallback;
        var schedule = parts[0].ToLowerInvariant() switch
        {
            "none" or "" => None,
            "linear" => new SamplingSchedule(SamplingDecay.Linear, At(1, 1), At(2, 1e-4), At(3, 0)),
            "exponential" => new SamplingSchedule(SamplingDecay.Exponential, At(1, 0.9999), 0, At(2, 0)),
            "sigmoid" => new SamplingSchedule(SamplingDecay.InverseSigmoid, At(1, 1000), 0, At(2, 0)),
            _ => throw new ArgumentException($"Scheduled sampling is none, linear:K:C[:min], exponential:K[:min] or sigmoid:K[:min], not '{text}'."),
        };
        schedule.Validate();
        return schedule;
    }
}

/// <summary>The shape of a <see cref="SamplingSchedule"/>'s decay.</summary>
public enum SamplingDecay
{
    /// <summary>No decay: teacher forcing.</summary>
    None,
    /// <summary>ε_i = max(Min, K − C·i).</summary>
    Linear,
    /// <summary>ε_i = max(Min, K^i).</summary>
    Exponential,
    /// <summary>ε_i = max(Min, K / (K + exp(i / K))).</summary>
    InverseSigmoid,
}
