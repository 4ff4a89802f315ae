using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Lstm and Gru against PyTorch's nn.LSTM and nn.GRU with copied weights: outputs, final states and every gradient.
/// The golden files come from <c>Golden/make_golden.py</c> (Debian's python3-torch 1.13, float64); its header documents
/// the weight-layout mapping. Checked in double (tight) and in float (the training precision).</summary>
public class PyTorchGoldenTests
{
    private sealed record Golden(JsonElement Root)
    {
        public int Int(string name) => Root.GetProperty(name).GetInt32();
        public double[] Array(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        public double[] Weight(string group, string name) => Root.GetProperty(group).GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        public bool Has(string name) => Root.TryGetProperty(name, out _);
    }

    private static Golden Load(string file) =>
        new(JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", file))).RootElement);

    [Fact] public void Lstm_matches_pytorch_nn_LSTM_in_double() => Compare<Lstm, double>("lstm.json", 1e-10);
    [Fact] public void Lstm_matches_pytorch_nn_LSTM_in_float() => Compare<Lstm, float>("lstm.json", 2e-5);
    [Fact] public void Gru_matches_pytorch_nn_GRU_in_double() => Compare<Gru, double>("gru.json", 1e-10);
    [Fact] public void Gru_matches_pytorch_nn_GRU_in_float() => Compare<Gru, float>("gru.json", 2e-5);

    private static T[] Cast<T>(double[] v) where T : unmanaged => v.Select(x => Scalar<T>.From(x)).ToArray();
    private static double[] Back<T>(T[] v) where T : unmanaged => v.Select(Scalar<T>.ToDouble).ToArray();

    private static void Compare<TCell, T>(string file, double tolerance) where TCell : IRnnCell where T : unmanaged
    {
        var g = Load(file);
        var device = TestDevices.IlgpuCpu;
        int steps = g.Int("steps"), batch = g.Int("batch"), input = g.Int("input"), hidden = g.Int("hidden");
        using var rnn = new Rnn<TCell, T>(device, input, hidden);
        foreach (var p in rnn.Layout) rnn.SetParameter(p.Name, Cast<T>(g.Weight("weights", p.Name)));
        foreach (var h in rnn.Spec.Hypers) rnn.SetHyper(h.Name, 0); // PyTorch has no forget-gate bias

        // Recur's states in spec order; PyTorch names them h and c.
        string Key(string state) => state == "C" ? "c" : "h";
        var states = rnn.Spec.States.Select(s => s.Name).ToArray();
        using var x = Tensor<T>.FromArray(device, Cast<T>(g.Array("x")), steps, batch, input);
        var init = states.Select(s => Tensor<T>.FromArray(device, Cast<T>(g.Array(Key(s) + "0")), batch, hidden)).ToArray();
        using var result = rnn.Forward(x, init, training: true);

        AssertClose("output", g.Array("out"), Back(result.Output.ToArray()), tolerance);
        for (int s = 0; s < states.Length; s++)
            AssertClose($"final {states[s]}", g.Array(Key(states[s]) + "n"), Back(result.FinalState[s].ToArray()), tolerance);

        using var dOut = Tensor<T>.FromArray(device, Cast<T>(g.Array("w_out")), steps, batch, hidden);
        var dFinal = states.Select(s => Tensor<T>.FromArray(device, Cast<T>(g.Array("w_" + Key(s))), batch, hidden)).ToArray();
        using var grads = rnn.Backward(dOut, dFinal);
        AssertClose("d input", g.Array("dx"), Back(grads.Input.ToArray()), tolerance);
        for (int s = 0; s < states.Length; s++)
            AssertClose($"d initial {states[s]}", g.Array("d" + Key(states[s]) + "0"), Back(grads.InitialState[s].ToArray()), tolerance);
        foreach (var p in rnn.Layout)
            AssertClose($"d {p.Name}", g.Weight("grads", p.Name), Back(rnn.GetGradient(p.Name)), tolerance);
        foreach (var t in init.Concat(dFinal)) t.Dispose();
    }

    private static void AssertClose(string what, double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale,
                $"{what}[{i}]: PyTorch {expected[i]:R}, Recur {actual[i]:R}");
        }
    }
}
