using System;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>A look inside the cells: the equations a layer records at every step of inference are the values the step computed.</summary>
public class RecordingTests
{
    public static TheoryData<string> Devices => new() { "cpu", "ilgpu-cpu" };

    [Theory, MemberData(nameof(Devices))]
    public void Recorded_gates_are_the_ones_that_made_the_states(string device)
    {
        var d = TestDevices.ByName(device);
        using var lstm = new Rnn<Lstm, double>(d, 3, 5, seed: 1);
        Assert.Equal(new[] { "i", "f", "g", "o" }, lstm.Equations);
        using var x = TapeCheck.Random(d, 2, 1, 4, 2, 3);
        lstm.Record("i", "f", "g", "o");
        double[] c, h;
        using (var tape = new Tape())
        {
            var r = lstm.Forward(tape.Input(x), null, stateSequences: true);
            c = r.States![0].ToArray();
            h = r.Output.ToArray();
        }
        lstm.StopRecording();
        var rec = lstm.Recorded;
        Assert.Equal(4, rec["o"].Count);
        int per = 2 * 5;
        for (int t = 0; t < 4; t++)
            for (int k = 0; k < per; k++)
            {
                double previous = t == 0 ? 0 : c[(t - 1) * per + k];
                Assert.Equal(rec["f"][t][k] * previous + rec["i"][t][k] * rec["g"][t][k], c[t * per + k], 12);
                Assert.Equal(rec["o"][t][k] * Math.Tanh(c[t * per + k]), h[t * per + k], 12);
            }
        // Training passes record nothing, and stopping keeps what was recorded.
        using (var tape = new Tape(training: true)) lstm.Forward(tape.Input(x), null);
        Assert.Equal(4, lstm.Recorded["o"].Count);
        Assert.Contains("has no equation 'q'", Assert.Throws<ArgumentException>(() => lstm.Record("q")).Message);
    }

    [Fact]
    public void Equations_inside_helpers_are_named_by_their_call_path()
    {
        using var hyper = new Rnn<HyperLstm, float>(TestDevices.Cpu, 3, 8, new System.Collections.Generic.Dictionary<string, int> { ["HyperUnits"] = 4, ["Embed"] = 2 });
        Assert.Contains("hi", hyper.Equations);
        Assert.Contains(hyper.Equations, e => e.StartsWith("i.Gate.HyperNorm") && e.EndsWith(".zw"));
        var name = hyper.Equations.First(e => e.EndsWith(".zw"));
        hyper.Record(name);
        using var x = Tensor<float>.FromArray(TestDevices.Cpu, new float[6 * 3], 2, 3, 3);
        using (var r = hyper.Forward(x, training: false)) { }
        Assert.Equal(2, hyper.Recorded[name].Count);
        Assert.Equal(3 * 2, hyper.Recorded[name][0].Length); // [B, Embed]
    }
}
