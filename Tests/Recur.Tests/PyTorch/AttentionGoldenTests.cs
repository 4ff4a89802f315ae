using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>The Bahdanau GRU decoder against PyTorch's seq2seq tutorial decoder written step by step, with copied weights (golden file
/// from <c>Golden/make_attention.py</c>, python3-torch 1.13, float64): outputs, attention weights, final state and every gradient
/// (input, initial state, memory, each weight), over a memory whose rows have different lengths and garbage padding.</summary>
public class AttentionGoldenTests
{
    private static JsonElement Load() => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "bahdanau_gru.json"))).RootElement;
    private static double[] Array(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Bahdanau_gru_matches_pytorch_in_double(string device) => Compare<double>(TestDevices.ByName(device), 1e-10);

    [Fact]
    public void Bahdanau_gru_matches_pytorch_in_float() => Compare<float>(TestDevices.Cpu, 3e-5);

    private static void Compare<T>(Device device, double tolerance) where T : unmanaged
    {
        var g = Load();
        int Int(string name) => g.GetProperty(name).GetInt32();
        int steps = Int("steps"), batch = Int("batch"), input = Int("input"), enc = Int("enc"), hidden = Int("hidden"), positions = Int("positions");
        var lengths = g.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        T[] Cast(double[] v) => v.Select(Scalar<T>.From).ToArray();
        double[] Back(T[] v) => v.Select(Scalar<T>.ToDouble).ToArray();
        Tensor<T> Make(string name, params int[] shape) => Tensor<T>.FromArray(device, Cast(Array(g.GetProperty(name))), shape);

        using var rnn = new Rnn<BahdanauGru, T>(device, input, hidden, new Dictionary<string, int> { ["Att"] = Int("att"), ["Enc"] = enc });
        var weights = g.GetProperty("weights");
        foreach (var p in rnn.Layout) rnn.SetParameter(p.Name, Cast(Array(weights.GetProperty(p.Name))));

        using var x = Make("x", steps, batch, input);
        using var memory = Make("memory", batch, positions, enc);
        using var h0 = Make("h0", batch, hidden);
        using var a0 = Tensor<T>.Rent(device, true, batch, positions);
        int outState = rnn.Spec.OutputState, attention = 1 - outState;
        using var result = rnn.Forward(new[] { x }, new[] { h0, a0 }, training: true, stateSequences: true, memories: new[] { memory }, memoryLengths: new[] { lengths });
        AssertClose("output", Array(g.GetProperty("out")), Back(result.Output.ToArray()), tolerance);
        AssertClose("attention weights", Array(g.GetProperty("attn")), Back(result.StateSequences![attention]!.ToArray()), tolerance);
        AssertClose("final H", Array(g.GetProperty("hn")), Back(result.FinalState[outState].ToArray()), tolerance);

        // The loss is linear in the outputs, the attention weights and the final state: its gradients are the weights w.
        using var dOut = Make("w_out", steps, batch, hidden);
        using var dAttention = Make("w_attn", steps, batch, positions);
        using var dFinal = Make("w_h", batch, hidden);
        var (dInputs, dInitial, dMemories) = rnn.Backward(result.Context!, dOut, new[] { dFinal, null }, new[] { null, dAttention },
            new[] { true }, wantInitial: true, wantMemories: true);
        AssertClose("d x", Array(g.GetProperty("dx")), Back(dInputs[0]!.ToArray()), tolerance);
        AssertClose("d h0", Array(g.GetProperty("dh0")), Back(dInitial[outState]!.ToArray()), tolerance);
        AssertClose("d memory", Array(g.GetProperty("dmemory")), Back(dMemories[0]!.ToArray()), tolerance);
        var grads = g.GetProperty("grads");
        foreach (var p in rnn.Layout)
            AssertClose($"d {p.Name}", Array(grads.GetProperty(p.Name)), Back(rnn.GetGradient(p.Name)), tolerance);
        foreach (var t in dInputs.Concat(dInitial).Concat(dMemories)) t?.Dispose();
    }

    private static void AssertClose(string what, double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: PyTorch {expected[i]:R}, Recur {actual[i]:R}");
        }
    }
}
