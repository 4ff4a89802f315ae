using System.CommandLine;
using System.CommandLine.Parsing;
using static Recur.Examples.CommandLine;

namespace Recur.Examples;

/// <summary>The learning-rate schedule's options, the same in both examples: <c>--schedule constant|step|cosine</c>,
/// <c>--warmup N</c>, <c>--decay-every N</c>, <c>--decay-factor F</c>.</summary>
internal sealed class ScheduleOptions
{
    private readonly Option<string> _schedule = Choice("--schedule", "learning-rate schedule (cosine decays over --steps)", "constant", Schedule.Kinds);
    private readonly Option<int> _warmup = Whole("--warmup", "linear warm-up steps", 0, min: 0);
    private readonly Option<int> _decayEvery = Whole("--decay-every", "steps between decays of the step schedule", 1000);
    private readonly Option<double> _decayFactor = Number("--decay-factor", "factor of each decay of the step schedule", 0.5, v => v > 0 && v <= 1, "a number in (0, 1]");

    /// <summary>Adds the options to <paramref name="root"/> with the check that a cosine schedule has <paramref name="steps"/> to decay over.</summary>
    public void AddTo(RootCommand root, Option<int?> steps)
    {
        foreach (var o in new Option[] { _schedule, _warmup, _decayEvery, _decayFactor }) root.Add(o);
        root.Validators.Add(r =>
        {
            if (r.GetValue(_schedule) == "cosine" && r.GetValue(steps) is null)
                r.AddError("--schedule cosine decays the learning rate over the run's steps; give --steps N.");
        });
    }

    /// <summary>The schedule the options ask for, a cosine one decaying over <paramref name="steps"/>.</summary>
    public Schedule Read(ParseResult p, int? steps) => p.GetValue(_schedule) switch
    {
        "step" => Schedule.Step(p.GetValue(_decayEvery), p.GetValue(_decayFactor), p.GetValue(_warmup)),
        "cosine" => Schedule.Cosine(steps!.Value, 0, p.GetValue(_warmup)),
        _ => Schedule.Constant(p.GetValue(_warmup)),
    };
}
