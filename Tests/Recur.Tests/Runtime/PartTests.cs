using System;
using System.IO;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>Parts as users handle them: readable names and listings, loading by name into a different model, freezing, input sizes
/// from the first call, parts on different devices, and a training step that allocates nothing once warmed up.</summary>
public class PartTests
{
    private sealed class Encoder : Part
    {
        public Encoder(Device d, int hidden, int layers, bool bias = true) : base(d)
        {
            Embedding = Add("embedding", new Embedding<float>(d, 10, 4, seed: 1));
            Layers = Add("layers", new LayerStack<float>(Enumerable.Range(0, layers).Select(k => (IRecurrent<float>)new Rnn<Lstm, float>(d, k == 0 ? 4 : hidden, hidden, seed: k))));
            Output = Add("output", new Dense<float>(d, 10, hidden, bias: bias, seed: 9));
        }
        public Embedding<float> Embedding { get; }
        public LayerStack<float> Layers { get; }
        public Dense<float> Output { get; }
        public Var<float> Loss(Tape t, int[] ids, int[] targets, int steps, int batch) =>
            Losses.CrossEntropy(Output.Forward(Layers.Forward(Embedding.Forward(t, ids, steps, batch))), targets);
    }

    private sealed class Wrapper : Part
    {
        public Wrapper(Part inner) : base(null) => Add("encoder", inner);
    }

    [Fact]
    public void Parameters_have_hierarchical_readable_names_and_a_listing()
    {
        using var model = new Wrapper(new Encoder(TestDevices.Cpu, 6, 2));
        var names = model.Parameters.Select(p => p.Name).ToList();
        Assert.Equal("encoder.embedding.weight", names[0]);
        Assert.Contains("encoder.layers.0.i.X.weight", names);
        Assert.Contains("encoder.layers.1.o.H.bias", names);
        Assert.Equal("encoder.output.bias", names[^1]);
        var summary = model.Summary();
        Assert.Contains("encoder.layers.1.i.H.weight  [6, 6]", summary);
        Assert.EndsWith($"{names.Count} tensors, {model.ParameterCount:N0} values", summary);
    }

    [Fact]
    public void Loading_into_a_differently_shaped_model_reports_missing_unexpected_and_mismatched_names()
    {
        var d = TestDevices.Cpu;
        var file = Path.Combine(Directory.CreateTempSubdirectory("recur-load-").FullName, "model.safetensors");
        using var a = new Encoder(d, 6, 2);
        a.Save(file);
        using var b = new Encoder(d, 6, 1, bias: false);
        var strict = Assert.Throws<InvalidDataException>(() => b.Load(file));
        Assert.Contains("unexpected: layers.1.", strict.Message);
        Assert.Contains("output.bias", strict.Message);
        var report = b.Load(file, strict: false);
        Assert.Empty(report.Missing);
        Assert.Contains("output.bias", report.Unexpected);
        Assert.Contains("layers.1.i.X.weight", report.Unexpected);
        Assert.Equal(b.Parameters.Count, report.Loaded.Count);
        Assert.Equal(a.Output.Weight.GetValues(), b.Output.Weight.GetValues());
        using var bigger = new Encoder(d, 8, 1, bias: true);
        bigger.Embedding.Weight.SetValues(new float[40]);
        var mismatch = Assert.Throws<InvalidDataException>(() => bigger.Load(file, strict: false));
        Assert.Contains("'layers.0.i.H.weight' is [6, 6] in the file but [8, 8] in the model", mismatch.Message);
        // Nothing was written by the failed load, not even the tensors whose shapes agree.
        Assert.All(bigger.Embedding.Weight.GetValues(), v => Assert.Equal(0f, v));
        using var missingOne = new Encoder(d, 6, 3);
        var report3 = missingOne.Load(file, strict: false);
        Assert.Equal(new[] { "layers.2.i.X.weight" }, report3.Missing.Take(1));
        Assert.Contains("missing: layers.2.i.X.weight", Assert.Throws<InvalidDataException>(() => missingOne.Load(file)).Message);
    }

    [Fact]
    public void Frozen_parameters_stay_bit_identical_over_50_steps_and_the_rest_learn()
    {
        var d = TestDevices.Cpu;
        using var model = new Encoder(d, 6, 2);
        Assert.Equal(1, model.Freeze("embedding.*"));
        Assert.Equal(model.Parameters.Count(p => p.Name.StartsWith("layers.0.")), model.Freeze("layers.0.*"));
        var frozen = model.Parameters.Where(p => p.Frozen).ToDictionary(p => p.Name, p => (float[])p.Parameter.Read());
        var learned = model.Parameters.Where(p => !p.Frozen).ToDictionary(p => p.Name, p => (float[])p.Parameter.Read());
        using var adam = new AdamW<float>(model, 1e-2) { WeightDecay = 0.1 };
        var rng = new Random(1);
        for (int step = 0; step < 50; step++)
        {
            var ids = Enumerable.Range(0, 12).Select(_ => rng.Next(10)).ToArray();
            model.ZeroGrad();
            using var tape = new Tape(training: true);
            tape.Backward(model.Loss(tape, ids, ids.Reverse().ToArray(), 4, 3));
            foreach (var p in model.Parameters.Where(p => p.Frozen)) Assert.All((float[])p.Parameter.ReadGrad(), g => Assert.Equal(0f, g));
            adam.Update();
        }
        foreach (var p in model.Parameters)
        {
            var now = ((float[])p.Parameter.Read()).Select(BitConverter.SingleToInt32Bits);
            if (p.Frozen) Assert.Equal(frozen[p.Name].Select(BitConverter.SingleToInt32Bits), now);
            else Assert.NotEqual(learned[p.Name].Select(BitConverter.SingleToInt32Bits), now);
        }
        Assert.Contains("No parameter matches 'decoder.*'", Assert.Throws<ArgumentException>(() => model.Freeze("decoder.*")).Message);
    }

    [Fact]
    public void An_input_size_is_taken_from_the_first_call()
    {
        var d = TestDevices.Cpu;
        using var rnn = new Rnn<Gru>(d, null, 5);
        using var dense = new Dense<float>(d, 2);
        Assert.Empty(rnn.Parameters);
        Assert.Contains("first call", Assert.Throws<InvalidOperationException>(() => rnn.Layout).Message);
        Assert.Contains("first call", Assert.Throws<InvalidOperationException>(() => dense.Weight).Message);
        using var tape = new Tape();
        var y = dense.Forward(rnn.Forward(tape.Input(d, new float[4 * 2 * 7], 4, 2, 7)));
        Assert.Equal(new[] { 4, 2, 2 }, y.Shape);
        Assert.Equal(new[] { 5, 7 }, rnn.Parameters.Single(p => p.Name == "r.X.weight").Shape);
        Assert.Equal(new[] { 2, 5 }, dense.Weight.Shape);
        Assert.Contains("expects input [T, B, 7]", Assert.Throws<ArgumentException>(() => rnn.Forward(tape.Input(d, new float[3 * 2 * 6], 3, 2, 6))).Message);
    }

    [Fact]
    public void Parts_on_different_devices_train_as_one_model()
    {
        // Project_RNN_Enhancement's gpu_for_layer: consecutive layers on different devices; values and gradients cross between them.
        var cpu = TestDevices.Cpu;
        var other = TestDevices.IlgpuCpu;
        using var first = new Rnn<Lstm, double>(cpu, 3, 4, seed: 1);
        using var second = new Rnn<Gru, double>(other, 4, 3, seed: 2);
        using var head = new Dense<double>(cpu, 2, 3, seed: 3);
        using var model = new Sequential<double>(first, second, head);
        using var x = TapeCheck.Random(cpu, 4, 1, 3, 2, 3);
        TapeCheck.Check(model, new[] { x }, (t, v) => TapeCheck.Mse(model.Forward(v[0]), 5));
        Assert.Same(other, second.Device);
        using var tape = new Tape();
        Assert.Same(cpu, model.Forward(tape.Input(x)).Device);
    }

    [Fact]
    public void A_training_step_allocates_no_device_memory_after_warm_up()
    {
        var d = Device.Cpu(threads: 2);
        try
        {
            using var model = new Encoder(d, 8, 2);
            using var adam = new Adam<float>(model, 1e-3);
            var ids = Enumerable.Range(0, 20).Select(i => i % 10).ToArray();
            void Step()
            {
                model.ZeroGrad();
                using var tape = new Tape(training: true);
                tape.Backward(model.Loss(tape, ids, ids, 5, 4));
                adam.Update();
            }
            Step();
            Step();
            long warmed = d.BuffersAllocated;
            for (int i = 0; i < 5; i++) Step();
            Assert.Equal(warmed, d.BuffersAllocated);
            Assert.Equal(0, d.Pool.InUse);
        }
        finally
        {
            d.Dispose();
        }
    }
}
