namespace Recur;

/// <summary>What a resumed run is given again, each replacing the checkpoint's setting (null: keep the checkpoint's). The optimizer is
/// always the checkpoint's: its saved state belongs to it.</summary>
/// <param name="LearningRate">The base learning rate.</param>
/// <param name="WeightDecay">Weight decay.</param>
/// <param name="Clip">The global gradient norm clipped to (0: none).</param>
/// <param name="Schedule">The learning-rate schedule.</param>
/// <param name="Seed">The seed of the run's random numbers.</param>
/// <param name="Curriculum">The schedule over difficulty (its steps count from the run's first update, as the saved one's do).</param>
public sealed record TrainingOverrides(double? LearningRate = null, double? WeightDecay = null, double? Clip = null, Schedule? Schedule = null, int? Seed = null,
    Curriculum? Curriculum = null)
{
    /// <summary>Nothing given again: the checkpoint's settings throughout.</summary>
    public static TrainingOverrides None { get; } = new();

    /// <summary>The settings the resumed run trains with: <paramref name="saved"/>'s, each one given here replacing its own. A cosine
    /// schedule given again decays over the whole run: the steps done and the <paramref name="moreSteps"/> to come.</summary>
    public TrainingSettings Over(TrainingState saved, int? moreSteps)
    {
        var s = saved.Settings;
        var schedule = Schedule is null ? s.Schedule
            : Schedule.Kind == "cosine" && moreSteps is { } more ? Schedule with { DecaySteps = saved.Step + more } : Schedule;
        return new TrainingSettings(s.Optimizer, LearningRate ?? s.LearningRate, WeightDecay ?? s.WeightDecay, Clip ?? s.Clip, schedule, Seed ?? s.Seed, Curriculum ?? s.Curriculum);
    }
}
