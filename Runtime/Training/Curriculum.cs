using System;

namespace Recur;

/// <summary>A schedule over difficulty (competence-based curriculum learning, Platanios et al. 2019): the competence — the fraction
/// of the data, easiest first, that a batch may draw from — starts at <see cref="Start"/> and grows as the square root of the updates
/// done, reaching all the data after <see cref="Steps"/> updates. The square root spends fewer updates on the easiest part, where
/// each one teaches most. The trainer hands the competence to the task with each batch (<see cref="BatchRequest.Competence"/>); what
/// is easy is the task's to say: short sentences for translation, short segments for a character model.</summary>
/// <param name="Steps">Updates until the whole data is in use.</param>
/// <param name="Start">The competence of the first update, in (0, 1].</param>
public sealed record Curriculum(int Steps, double Start = 0.2)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when it is out of range.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"A curriculum widens to all the data over a number of updates ≥ 1, not {Steps}.");
        if (!(Start > 0 && Start <= 1)) throw new ArgumentException($"A curriculum's starting competence is in (0, 1], not {Start}.");
    }

    /// <summary>The competence for the update that follows <paramref name="done"/> updates: √(done·(1 − c₀²)/steps + c₀²), at most 1.</summary>
    public double Competence(int done) => Math.Min(1, Math.Sqrt(done * (1 - Start * Start) / Steps + Start * Start));
}
