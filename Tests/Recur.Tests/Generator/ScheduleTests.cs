using System;
using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Learning-rate schedules against their closed forms (as PyTorch's StepLR and CosineAnnealingLR give them).</summary>
public class ScheduleTests
{
    [Fact]
    public void Warm_up_rises_linearly_then_the_schedule_takes_over()
    {
        var constant = Schedule.Constant(warmup: 4);
        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1, 1, 1 }, new[] { 0, 1, 2, 3, 4, 5 }.Select(constant.Factor));
        var step = Schedule.Step(every: 3, gamma: 0.1, warmup: 2);
        Assert.Equal(new[] { 0.5, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01 }, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 }.Select(step.Factor), new Close());
        var cosine = Schedule.Cosine(decaySteps: 10, minFactor: 0.1);
        Assert.Equal(1, cosine.Factor(0), 12);
        Assert.Equal(0.1 + 0.9 * (1 + Math.Cos(Math.PI * 3 / 10)) / 2, cosine.Factor(3), 12);
        Assert.Equal(0.55, cosine.Factor(5), 12);
        Assert.Equal(0.1, cosine.Factor(10), 12);
        Assert.Equal(0.1, cosine.Factor(25), 12);
    }

    [Fact]
    public void Bad_schedules_are_named()
    {
        Assert.Contains("Unknown schedule 'linear'", Assert.Throws<ArgumentException>(() => new Schedule("linear").Validate()).Message);
        Assert.Contains("cosine schedule decays over a number of updates", Assert.Throws<ArgumentException>(() => new Schedule("cosine").Validate()).Message);
        Assert.Contains("every 0", Assert.Throws<ArgumentException>(() => Schedule.Step(0).Validate()).Message);
    }

    private sealed class Close : System.Collections.Generic.IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-12;
        public int GetHashCode(double x) => 0;
    }
}
