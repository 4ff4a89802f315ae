using System;
using System.IO;
using System.Linq;
using Xunit;

using Recur.Examples.Tasks;

namespace Recur.Tests;

/// <summary>The character model end to end: its gradient, checkpoints, exact resume, and learning on real text.</summary>
public class CharModelTests
{
    internal static string Text(int length) =>
        File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "Examples", "data", "tinyshakespeare.txt"))[..length];

    internal static string TempDir() => Directory.CreateTempSubdirectory("recur-test-").FullName;

    /// <summary>A trainer for <paramref name="model"/> on <paramref name="data"/> with Adam.</summary>
    internal static (Trainer<float> Trainer, CharTask Task, Optimizer<float> Optimizer) Trainer(CharModel model, CharData data, int steps, int seq, int batch,
        double lr = 3e-3, int seed = 5, string optimizer = "adam", Schedule? schedule = null, string? dir = null)
    {
        var task = new CharTask(model, data, seq, batch);
        var opt = Optimizer<float>.Create(optimizer, model, lr);
        opt.ClipNorm = 5;
        var options = new TrainerOptions { Steps = steps, LogEvery = 1, ValidateEvery = 1000, ValidationBatches = 2, CheckpointDir = dir, CheckpointMinutes = 0, StopOnSignal = false };
        return (new Trainer<float>(task, opt, options, _ => { }, live: false, schedule, seed), task, opt);
    }

    private static double Loss(CharModel model, int[] ids, int[] targets, int steps, int batch, ulong dropSeed, bool backward)
    {
        using var tape = new Tape(training: true, new Rng(dropSeed));
        var loss = Losses.CrossEntropy(model.Forward(tape, ids, steps, batch).Output, targets);
        if (backward) tape.Backward(loss);
        return loss.Item();
    }

    [Theory]
    [InlineData("Gru", 0f)]
    [InlineData("Gru", 0.3f)]
    [InlineData("ProjectedPeepholeLstm", 0.3f)] // layers whose output is narrower than their hidden state
    public void Model_gradient_matches_finite_differences_with_and_without_dropout(string cell, float dropout)
    {
        var d = TestDevices.Cpu;
        using var model = new CharModel(d, new CharModelConfig(cell, 11, 5, 6, 2, dropout), seed: 3);
        var rng = new Random(4);
        int steps = 4, batch = 2;
        var ids = Enumerable.Range(0, steps * batch).Select(_ => rng.Next(11)).ToArray();
        var targets = Enumerable.Range(0, steps * batch).Select(_ => rng.Next(11)).ToArray();
        model.ZeroGrad();
        Loss(model, ids, targets, steps, batch, 99, backward: true);
        foreach (var np in model.Parameters)
        {
            var p = (Parameter<float>)np.Parameter;
            var value = p.GetValues();
            var grad = p.GetGrad();
            var dir = TestData.Gaussian(new Random(np.Name.Length), value.Length).Select(v => (float)v).ToArray();
            double analytic = grad.Zip(dir, (g, u) => (double)g * u).Sum();
            double At(float eps)
            {
                p.SetValues(value.Zip(dir, (v, u) => v + eps * u).ToArray());
                double l = Loss(model, ids, targets, steps, batch, 99, backward: false);
                p.SetValues(value);
                return l;
            }
            double numeric = (At(1e-2f) - At(-1e-2f)) / 2e-2;
            Assert.True(Math.Abs(numeric - analytic) <= 0.02 * Math.Max(0.05, Math.Abs(numeric)), $"{np.Name}: backward {analytic}, finite differences {numeric}");
        }
    }

    [Fact]
    public void Dropout_masks_are_off_at_inference()
    {
        var d = TestDevices.Cpu;
        using var model = new CharModel(d, new CharModelConfig("Lstm", 7, 4, 5, 1, 0.5f), seed: 1);
        var ids = Enumerable.Range(0, 20).Select(i => i % 7).ToArray();
        double Eval()
        {
            using var tape = new Tape();
            return Losses.CrossEntropy(model.Forward(tape, ids, 10, 2).Output, ids).Item();
        }
        Assert.Equal(Eval(), Eval());
        Assert.NotEqual(Eval(), Loss(model, ids, ids, 10, 2, 5, backward: true));
    }

    [Fact]
    public void Checkpoint_round_trip_is_bit_exact()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        var config = new CharModelConfig("LayerNormLstm", 9, 4, 6, 2, 0.1f);
        using var a = new CharModel(d, config, seed: 1);
        Checkpoint.Save(dir, a, System.Text.Json.JsonSerializer.SerializeToNode(new CharTaskDescription("abcdefghi", config), Checkpoint.Json), null, null);
        using var b = new CharModel(d, config, seed: 2);
        Assert.NotEqual(a.Parameters[1].Parameter.Read(), b.Parameters[1].Parameter.Read());
        var checkpoint = Checkpoint.Open(dir);
        checkpoint.LoadModel(b);
        foreach (var (pa, pb) in a.Parameters.Zip(b.Parameters))
            Assert.Equal(((float[])pa.Parameter.Read()).Select(BitConverter.SingleToInt32Bits), ((float[])pb.Parameter.Read()).Select(BitConverter.SingleToInt32Bits));
        var task = checkpoint.ReadTask<CharTaskDescription>();
        Assert.Equal(config, task.Model);
        Assert.Equal("abcdefghi", task.Vocabulary);
        Assert.Null(checkpoint.Training);
        Assert.Contains("step-000000", checkpoint.ModelPath);
    }

    [Fact]
    public void A_truncated_checkpoint_is_rejected_with_a_clear_error()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        using var a = new CharModel(d, new CharModelConfig("Gru", 9, 4, 6, 1, 0f), seed: 1);
        Checkpoint.Save(dir, a, null, null, null);
        var file = Checkpoint.Open(dir).ModelPath;
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 10)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(dir).LoadModel(a)).Message);
        File.WriteAllBytes(file, bytes[..5]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => Checkpoint.Open(dir).LoadModel(a)).Message);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(TempDir()));
    }

    [Fact]
    public void A_checkpoint_of_another_model_names_what_does_not_match()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        using var a = new CharModel(d, new CharModelConfig("Gru", 9, 4, 6, 1, 0f), seed: 1);
        Checkpoint.Save(dir, a, null, null, null);
        using var wider = new CharModel(d, new CharModelConfig("Gru", 9, 4, 8, 1, 0f), seed: 1);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(dir).LoadModel(wider));
        Assert.Contains("[6, 4]", e.Message);
        Assert.Contains("[8, 4]", e.Message);
        using var lstm = new CharModel(d, new CharModelConfig("Lstm", 9, 4, 6, 1, 0f), seed: 1);
        var m = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(dir).LoadModel(lstm)).Message;
        Assert.Contains("missing: layers.0.i.X.weight", m);
        Assert.Contains("unexpected: layers.0.n.H.bias", m);
    }

    [Theory]
    [InlineData("Lstm", null)]
    [InlineData("HyperLstm", "RecurrentDropout=0.3")] // the cell's own dropout masks resume too
    [InlineData("UnitaryRnn", null)]                  // fixed DFT matrices are rebuilt, not saved
    public void Resuming_gives_the_same_loss_trajectory_as_an_uninterrupted_run(string cell, string? hypers)
    {
        var d = TestDevices.Cpu;
        var data = new CharData(Text(30_000));
        var config = new CharModelConfig(cell, data.Vocabulary.Length, 8, 16, 2, 0.2f, hypers);
        double[] Losses(TrainingState s) => s.History.Where(p => p.ValLoss is null).Select(p => p.TrainLoss).ToArray();

        using var straight = new CharModel(d, config, seed: 5);
        var t1 = Trainer(straight, data, 6, 20, 4);
        t1.Trainer.Run();
        var expected = Losses(t1.Trainer.State);

        var dir = TempDir();
        using (var first = new CharModel(d, config, seed: 5))
        {
            var t2 = Trainer(first, data, 3, 20, 4);
            t2.Trainer.Run();
            t2.Trainer.Save(dir);
        }
        var checkpoint = Checkpoint.Open(dir);
        var description = checkpoint.ReadTask<CharTaskDescription>();
        using var resumed = new CharModel(d, description.Model, seed: 123);
        checkpoint.LoadModel(resumed);
        var t3 = Trainer(resumed, new CharData(Text(30_000), description.Vocabulary), 3, description.Seq, description.Batch);
        t3.Trainer.Resume(checkpoint);
        t3.Trainer.Run();
        var actual = Losses(t3.Trainer.State);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 9);
        Assert.True(File.Exists(Path.Combine(dir, "loss.svg")));
    }

    [Fact]
    public void A_small_model_learns_a_20k_character_slice()
    {
        var d = TestDevices.Cpu;
        var text = Text(20_000);
        var data = new CharData(text);
        // The unigram entropy is what a model that learned only character frequencies reaches; going clearly below it
        // means the model uses the context.
        double unigram = -text.GroupBy(c => c).Select(g => (double)g.Count() / text.Length).Sum(p => p * Math.Log(p));
        using var model = new CharModel(d, new CharModelConfig("Lstm", data.Vocabulary.Length, 16, 64, 1, 0f), seed: 1);
        var (trainer, _, _) = Trainer(model, data, 150, 50, 16, lr: 1e-2, seed: 1);
        trainer.Run();
        double final = trainer.State.History.Where(p => p.ValLoss is null).Last().TrainLoss;
        Assert.True(final < unigram - 0.3, $"training loss {final:F3} after 150 steps; unigram entropy {unigram:F3}, start ≈ ln(vocab) = {Math.Log(data.Vocabulary.Length):F3}");
    }
}

public class CharTaskTests
{
    [Fact]
    public void The_regularizers_join_the_objective_and_the_reported_loss_stays_the_cross_entropy()
    {
        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 30));
        var data = new CharData(text);
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", data.Vocabulary.Length, 4, 12, 1, 0f), seed: 3);
        (double Objective, double Reported) First(CharRegularizers r)
        {
            using var task = new CharTask(model, data, seq: 10, batch: 4, r);
            task.BeginEpoch(0);
            using var tape = new Tape(training: true);
            var loss = task.Prepare(new BatchRequest(0, 0))(tape);
            return (loss.Objective.Item(), loss.Reported);
        }
        var plain = First(new CharRegularizers());
        var decov = First(new CharRegularizers(DeCov: 0.01));
        Assert.Equal(plain.Objective, plain.Reported, 5);
        Assert.Equal(plain.Reported, decov.Reported, 5);
        Assert.True(decov.Objective > decov.Reported, $"DeCov 0.01 should add to the objective: {decov.Objective} vs {decov.Reported}");
    }
}

public class CharModelInferenceTests
{
    [Theory]
    [InlineData("Lstm", 1)]
    [InlineData("Lstm", 2)]
    [InlineData("Gru", 2)]
    [InlineData("ProjectedPeepholeLstm", 2)]
    public void Feeding_a_prompt_at_once_or_one_character_at_a_time_gives_the_same_logits(string cell, int layers)
    {
        var d = TestDevices.Cpu;
        using var model = new CharModel(d, new CharModelConfig(cell, 9, 4, 40, layers, 0f), seed: 3);
        var ids = new[] { 1, 5, 2, 8, 0, 3 };
        float[] once;
        using (var tape = new Tape()) once = model.Forward(tape, ids, ids.Length, 1).Output.ToArray()[^9..];
        Tensor<float>[]? state = null;
        float[] stepwise = Array.Empty<float>();
        foreach (var id in ids)
        {
            using var tape = new Tape();
            var r = model.Forward(tape, new[] { id }, 1, 1, state?.Select(s => tape.Input(s)).ToArray());
            stepwise = r.Output.ToArray();
            if (state is not null) foreach (var s in state) tape.Hold(s);
            state = r.FinalState.Select(f => f.Detach()).ToArray();
        }
        for (int i = 0; i < once.Length; i++) Assert.Equal(stepwise[i], once[i], 4);
    }

    [Theory]
    [InlineData("Lstm", "none")]
    [InlineData("Lstm", "inputs,states,skip:1")]
    [InlineData("Lstm", "states:C,residual")]
    [InlineData("Gru", "dense")]
    [InlineData("ProjectedPeepholeLstm", "inputs,skip:2")]
    public void The_stepper_gives_the_full_pass_logits_with_every_interconnect(string cell, string interconnect)
    {
        var d = TestDevices.Cpu;
        const int rows = 2, steps = 5, vocab = 9;
        using var model = new CharModel(d, new CharModelConfig(cell, vocab, 6, 12, 3, 0f, Interconnect: interconnect), seed: 3);
        var rng = new Random(4);
        var ids = Enumerable.Range(0, steps * rows).Select(_ => rng.Next(vocab)).ToArray();
        float[] full;
        using (var tape = new Tape()) full = model.Forward(tape, ids, steps, rows).Output.ToArray();
        using var stepper = model.Start(rows);
        var token = new int[rows];
        for (int t = 0; t < steps; t++)
        {
            Array.Copy(ids, t * rows, token, 0, rows);
            stepper.Step(token);
            var logits = stepper.Logits;
            for (int i = 0; i < rows * vocab; i++) Assert.Equal(full[t * rows * vocab + i], logits[i], 4);
        }
    }

    [Fact]
    public void Generating_through_the_stepper_allocates_next_to_nothing_per_character()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", 5, 4, 16, 2, 0f, Interconnect: "skip:1"), seed: 3);
        var options = new SamplingOptions(0.8, TopK: 3);
        string equation = ((RnnLayer<float>)model.Layers.Layers[1]).Equations[0];
        long PerCharacter(Func<int, string> generate)
        {
            generate(10); // warm: kernels loaded, pools filled
            long before = GC.GetAllocatedBytesForCurrentThread();
            generate(10);
            long few = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            generate(210);
            return (GC.GetAllocatedBytesForCurrentThread() - before - few) / 200;
        }
        long stepper = PerCharacter(n => model.Generate("\nabcd", "ab", n, options, new Rng(1)));
        long tape = PerCharacter(n => model.GenerateRecording("\nabcd", "ab", n, options, new Rng(1), 1, equation).Text);
        // What remains are ILGPU's host copies and the CPU workers' hand-offs (tens of bytes each); a tape pass is kilobytes.
        Assert.True(stepper <= 1024, $"generation allocated {stepper} bytes a character on the generating thread");
        Assert.True(stepper * 10 < tape, $"the stepper ({stepper} B a character) should allocate a tenth of a tape pass per character ({tape} B)");
    }

    [Fact]
    public void The_stepper_generates_what_a_tape_pass_per_character_generates()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Gru", 5, 4, 16, 2, 0f, Interconnect: "inputs"), seed: 3);
        string equation = ((RnnLayer<float>)model.Layers.Layers[0]).Equations[0];
        var options = new SamplingOptions(0.9, TopP: 0.9);
        Assert.Equal(model.GenerateRecording("\nabcd", "ab", 40, options, new Rng(7), 0, equation).Text, model.Generate("\nabcd", "ab", 40, options, new Rng(7)));
    }

    [Fact]
    public void Generation_continues_the_prompt_and_is_deterministic_for_a_seed()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Lstm", 5, 4, 8, 1, 0f), seed: 3);
        var a = model.Generate("\nabcd", "ab", 20, new SamplingOptions(0.8), new Rng(1));
        Assert.StartsWith("ab", a);
        Assert.Equal(22, a.Length);
        Assert.Equal(a, model.Generate("\nabcd", "ab", 20, new SamplingOptions(0.8), new Rng(1)));
        Assert.Contains("'x' is not in the model's vocabulary", Assert.Throws<ArgumentException>(() => model.Generate("\nabcd", "x", 5, new SamplingOptions(), new Rng(1))).Message);
    }
}

public class CharModelHyperparameterTests
{
    [Fact]
    public void Hyperparameters_in_the_config_reach_the_layers_before_initialization()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Irnn", 9, 4, 6, 1, 0f, "IdentityScale=0.25"), seed: 1);
        var layer = (RnnLayer<float>)model.Layers.Layers[0];
        var p = layer.Layout.Single(q => q.Shape.Length == 2 && q.Shape[0] == q.Shape[1]);
        var w = layer.GetParameter(p.Name);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) Assert.Equal(i == j ? 0.25f : 0f, w[i * 6 + j]);
    }

    [Theory]
    [InlineData("IdentityScale", "'IdentityScale' is not")]
    [InlineData("Scale=0.5", "no hyperparameter 'Scale'")]
    public void Bad_hyperparameters_are_named(string hypers, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new CharModel(TestDevices.Cpu, new CharModelConfig("Irnn", 9, 4, 6, 1, 0f, hypers), seed: 1));
        Assert.Contains(message, e.Message);
    }
}

public class LossCurveTests
{
    [Fact]
    public void Loss_curve_labels_and_legend_fit_inside_the_picture()
    {
        var points = Enumerable.Range(1, 50).Select(i => new LossPoint(i * 137, 4.2 / Math.Sqrt(i), i % 10 == 0 ? 4.3 / Math.Sqrt(i) : null)).ToList();
        var svg = LossCurve.Svg(points, "Lstm 2×512 on 1,115,394 characters", "nats/char");
        int width = int.Parse(System.Text.RegularExpressions.Regex.Match(svg, "<svg [^>]*width=\"(\\d+)\"").Groups[1].Value);
        int height = int.Parse(System.Text.RegularExpressions.Regex.Match(svg, "<svg [^>]*height=\"(\\d+)\"").Groups[1].Value);
        var texts = System.Text.RegularExpressions.Regex.Matches(svg, "<text x=\"([\\d.]+)\" y=\"([\\d.]+)\"([^>]*)>([^<]*)</text>");
        Assert.True(texts.Count > 10);
        foreach (System.Text.RegularExpressions.Match t in texts)
        {
            double x = double.Parse(t.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), y = double.Parse(t.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            string attributes = t.Groups[3].Value, text = t.Groups[4].Value;
            double w = 0.62 * 13 * text.Length; // a generous width for 13px sans-serif
            var (left, right) = attributes.Contains("text-anchor=\"end\"") ? (x - w, x) : attributes.Contains("text-anchor=\"middle\"") ? (x - w / 2, x + w / 2) : (x, x + w);
            Assert.True(left >= 0 && right <= width && y <= height && y >= 10, $"'{text}' spans x {left:F0}–{right:F0}, y {y:F0} in a {width}×{height} picture");
        }
        Assert.Contains("loss (nats/char)", svg);
        Assert.Contains("training steps", svg);
    }
}
