using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using ILGPU.Runtime;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Composed models and the optimizers against PyTorch with copied weights (golden files from <c>Golden/make_golden.py</c>,
/// Debian's python3-torch 1.13, float64): a 2-layer LSTM language model's loss (cross-entropy with padding and label smoothing) and
/// every gradient, in double (as parts) and in float (as the rebuilt CharModel); and three updates of each optimizer.</summary>
public class ComposedGoldenTests
{
    private static JsonElement Load(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", file))).RootElement;
    private static double[] Array(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    /// <summary>The language model as parts, named as CharModel names them.</summary>
    private sealed class Lm<T> : Part where T : unmanaged
    {
        public Lm(Device d, int vocab, int embed, int hidden, int layers) : base(d)
        {
            Embedding = Add("embedding", new Embedding<T>(d, vocab, embed));
            Layers = Add("layers", new LayerStack<T>(Enumerable.Range(0, layers).Select(k =>
                (IRecurrent<T>)new Rnn<Lstm, T>(d, k == 0 ? embed : hidden, hidden, hypers: new System.Collections.Generic.Dictionary<string, double> { ["ForgetBias"] = 0 }))));
            Output = Add("output", new Dense<T>(d, vocab, hidden));
        }
        public Embedding<T> Embedding { get; }
        public LayerStack<T> Layers { get; }
        public Dense<T> Output { get; }
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void A_two_layer_lstm_language_model_matches_pytorch_in_double(string device)
    {
        var g = Load("lstm_lm.json");
        var d = TestDevices.ByName(device);
        using var model = new Lm<double>(d, g.GetProperty("vocab").GetInt32(), g.GetProperty("embed").GetInt32(), g.GetProperty("hidden").GetInt32(), g.GetProperty("layers").GetInt32());
        Compare(g, model, model.Embedding.Forward, (x, s, l) => model.Layers.Forward(x, s, l), model.Output.Forward, 1e-10);
    }

    [Fact]
    public void The_character_model_matches_pytorch_in_float()
    {
        var g = Load("lstm_lm.json");
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", g.GetProperty("vocab").GetInt32(), g.GetProperty("embed").GetInt32(),
            g.GetProperty("hidden").GetInt32(), g.GetProperty("layers").GetInt32(), 0f, "ForgetBias=0"), seed: 1);
        Compare(g, model, model.Embedding.Forward, (x, s, l) => model.Layers.Forward(x, s, l), model.Output.Forward, 3e-5);
    }

    private static void Compare<T>(JsonElement g, Part model, Func<Tape, int[], int[], Var<T>> embed,
        Func<Var<T>, System.Collections.Generic.IReadOnlyList<Var<T>>?, int[]?, RecurrentOutput<T>> layers, Func<Var<T>, Var<T>> output, double tolerance) where T : unmanaged
    {
        int steps = g.GetProperty("steps").GetInt32(), batch = g.GetProperty("batch").GetInt32(), hidden = g.GetProperty("hidden").GetInt32(), count = g.GetProperty("layers").GetInt32();
        var weights = g.GetProperty("weights");
        var report = model.Load(model.Parameters.ToDictionary(p => p.Name, p => new SafeTensors.Entry(p.Name, p.Shape, Array(weights.GetProperty(p.Name)))));
        Assert.Equal(model.Parameters.Count, report.Loaded.Count);
        var device = model.Parameters[0].Parameter.Device;
        T[] Cast(double[] v) => v.Select(Scalar<T>.From).ToArray();
        double[] h0 = Array(g.GetProperty("h0")), c0 = Array(g.GetProperty("c0"));
        int per = batch * hidden;
        model.ZeroGrad();
        using var tape = new Tape(training: true);
        // Recur's LSTM state is (C, H) per layer; PyTorch stacks h0 and c0 over layers.
        var state = Enumerable.Range(0, count).SelectMany(k => new[]
        {
            tape.Input(Tensor<T>.FromArray(device, Cast(c0[(k * per)..((k + 1) * per)]), batch, hidden), requiresGrad: true),
            tape.Input(Tensor<T>.FromArray(device, Cast(h0[(k * per)..((k + 1) * per)]), batch, hidden), requiresGrad: true),
        }).ToArray();
        foreach (var s in state) tape.Hold(s.Value);
        var x = embed(tape, Ints(g.GetProperty("ids")), new[] { steps, batch });
        var logits = output(layers(x, state, null).Output);
        var loss = Losses.CrossEntropy(logits, Ints(g.GetProperty("targets")), ignoreIndex: -1, labelSmoothing: 0.1);
        tape.Backward(loss);

        AssertClose("loss", new[] { g.GetProperty("loss").GetDouble() }, new[] { loss.Item() }, tolerance);
        var grads = g.GetProperty("grads");
        foreach (var p in model.Parameters)
            AssertClose($"d {p.Name}", Array(grads.GetProperty(p.Name)), ((T[])p.Parameter.ReadGrad()).Select(Scalar<T>.ToDouble).ToArray(), tolerance);
        double[] dh0 = Array(g.GetProperty("dh0")), dc0 = Array(g.GetProperty("dc0"));
        for (int k = 0; k < count; k++)
        {
            AssertClose($"d c0[{k}]", dc0[(k * per)..((k + 1) * per)], state[2 * k].Grad!.ToArray().Select(Scalar<T>.ToDouble).ToArray(), tolerance);
            AssertClose($"d h0[{k}]", dh0[(k * per)..((k + 1) * per)], state[2 * k + 1].Grad!.ToArray().Select(Scalar<T>.ToDouble).ToArray(), tolerance);
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    [InlineData("nesterov")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop_momentum")]
    public void Optimizers_take_the_steps_pytorch_takes(string name)
    {
        var g = Load("optimizers.json");
        foreach (var device in new[] { TestDevices.Cpu, TestDevices.IlgpuCpu })
        {
            using var holder = new OneParameter(device, Array(g.GetProperty("p0")));
            using Optimizer<double> opt = name switch
            {
                "adam" => new Adam<double>(holder, 0.01) { WeightDecay = 0.1 },
                "adamw" => new AdamW<double>(holder, 0.01) { WeightDecay = 0.1 },
                "sgd" => new Sgd<double>(holder, 0.1) { Momentum = 0.9 },
                "nesterov" => new Sgd<double>(holder, 0.1) { Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 },
                "rmsprop" => new RmsProp<double>(holder, 0.01),
                _ => new RmsProp<double>(holder, 0.01) { Momentum = 0.5, WeightDecay = 0.01 },
            };
            foreach (var grad in g.GetProperty("grads").EnumerateArray())
            {
                holder.P.Grad.CopyFromCPU(Array(grad));
                opt.Update();
            }
            AssertClose($"{name} on {device.Kind}", Array(g.GetProperty(name)), holder.P.GetValues(), 1e-12);
        }
    }

    private sealed class OneParameter : Part
    {
        public OneParameter(Device d, double[] values) : base(d)
        {
            P = AddParameter<double>("p", new[] { values.Length }, Init.Zeros, 0);
            P.SetValues(values);
        }
        public Parameter<double> P { get; }
    }

    private static void AssertClose(string what, double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: PyTorch {expected[i]:R}, Recur {actual[i]:R}");
    }
}
