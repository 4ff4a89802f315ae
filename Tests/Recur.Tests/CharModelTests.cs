using System;
using System.IO;
using System.Linq;
using ILGPU.Runtime;
using Xunit;

namespace Recur.Tests;

/// <summary>The character model end to end: its gradient, checkpoints, exact resume, and learning on real text.</summary>
public class CharModelTests
{
    private static string Text(int length) =>
        File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "Examples", "data", "tinyshakespeare.txt"))[..length];

    private static string TempDir() => Directory.CreateTempSubdirectory("recur-test-").FullName;

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
        const ulong dropSeed = 99;
        double Loss()
        {
            model.ResetState();
            return model.Forward(ids, targets, steps, batch, training: true, new Rng(dropSeed));
        }
        model.ZeroGrad();
        Loss();
        model.Backward();
        foreach (var p in model.Parameters)
        {
            var value = p.Value.GetAsArray();
            var grad = p.Grad.GetAsArray();
            var dir = TestData.Gaussian(new Random(p.Name.Length), value.Length).Select(v => (float)v).ToArray();
            double analytic = grad.Zip(dir, (g, u) => (double)g * u).Sum();
            double At(float eps)
            {
                p.Value.CopyFromCPU(value.Zip(dir, (v, u) => v + eps * u).ToArray());
                double l = Loss();
                p.Value.CopyFromCPU(value);
                return l;
            }
            double numeric = (At(1e-2f) - At(-1e-2f)) / 2e-2;
            Assert.True(Math.Abs(numeric - analytic) <= 0.02 * Math.Max(0.05, Math.Abs(numeric)),
                $"{p.Name}: backward {analytic}, finite differences {numeric}");
        }
    }

    [Fact]
    public void Dropout_masks_are_zero_or_rescaled_and_off_at_inference()
    {
        var d = TestDevices.Cpu;
        using var model = new CharModel(d, new CharModelConfig("Lstm", 7, 4, 5, 1, 0.5f), seed: 1);
        var ids = Enumerable.Range(0, 20).Select(i => i % 7).ToArray();
        model.ResetState();
        double eval1 = model.Forward(ids, ids, 10, 2, training: false);
        model.ResetState();
        double eval2 = model.Forward(ids, ids, 10, 2, training: false);
        Assert.Equal(eval1, eval2);
        model.ResetState();
        double train = model.Forward(ids, ids, 10, 2, training: true, new Rng(5));
        Assert.NotEqual(eval1, train);
        model.Backward();
    }

    [Fact]
    public void Checkpoint_round_trip_is_bit_exact()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        var config = new CharModelConfig("LayerNormLstm", 9, 4, 6, 2, 0.1f);
        using var a = new CharModel(d, config, seed: 1);
        Checkpoint.Save(dir, a, "abcdefghi", null, null);
        using var b = new CharModel(d, config, seed: 2);
        Assert.NotEqual(a.Parameters[1].Value.GetAsArray(), b.Parameters[1].Value.GetAsArray());
        Checkpoint.LoadWeights(dir, b);
        foreach (var (pa, pb) in a.Parameters.Zip(b.Parameters))
            Assert.Equal(pa.Value.GetAsArray().Select(BitConverter.SingleToInt32Bits), pb.Value.GetAsArray().Select(BitConverter.SingleToInt32Bits));
        var (header, vocab, training) = Checkpoint.ReadHeader(dir);
        Assert.Equal(config, header);
        Assert.Equal("abcdefghi", vocab);
        Assert.Null(training);
    }

    [Fact]
    public void A_truncated_checkpoint_is_rejected_with_a_clear_error()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        var config = new CharModelConfig("Gru", 9, 4, 6, 1, 0f);
        using var a = new CharModel(d, config, seed: 1);
        Checkpoint.Save(dir, a, "abcdefghi", null, null);
        var file = Path.Combine(dir, Checkpoint.ModelFile);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(dir, a));
        Assert.Contains("truncated", e.Message);
        File.WriteAllBytes(file, bytes[..5]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(dir, a)).Message);
    }

    [Fact]
    public void A_checkpoint_of_another_model_names_what_does_not_match()
    {
        var d = TestDevices.Cpu;
        var dir = TempDir();
        using var a = new CharModel(d, new CharModelConfig("Gru", 9, 4, 6, 1, 0f), seed: 1);
        Checkpoint.Save(dir, a, "abcdefghi", null, null);
        using var wider = new CharModel(d, new CharModelConfig("Gru", 9, 4, 8, 1, 0f), seed: 1);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(dir, wider));
        Assert.Contains("[6, 4]", e.Message);
        Assert.Contains("[8, 4]", e.Message);
        using var lstm = new CharModel(d, new CharModelConfig("Lstm", 9, 4, 6, 1, 0f), seed: 1);
        Assert.Contains("no tensor", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(dir, lstm)).Message);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadHeader(TempDir()));
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
        var options = new TrainerOptions { Steps = 6, Seq = 20, Batch = 4, LearningRate = 3e-3f, Seed = 5, LogEvery = 1, ValidateEvery = 1000, ValidationWindows = 2 };

        double[] Losses(TrainingState s) => s.History.Where(p => p.ValLoss is null).Select(p => p.TrainLoss).ToArray();

        using var straight = new CharModel(d, config, seed: 5);
        var t1 = new Trainer(straight, data, options, _ => { }, live: false);
        t1.Run();
        var expected = Losses(t1.State);

        var dir = TempDir();
        using (var first = new CharModel(d, config, seed: 5))
        {
            var t2 = new Trainer(first, data, options with { Steps = 3 }, _ => { }, live: false);
            t2.Run();
            t2.Save(dir);
        }
        var (cfg, vocab, state) = Checkpoint.ReadHeader(dir);
        using var resumed = new CharModel(d, cfg, seed: 123);
        Checkpoint.LoadWeights(dir, resumed);
        var t3 = new Trainer(resumed, new CharData(Text(30_000), vocab), options with { Steps = 3 }, _ => { }, live: false, state);
        t3.LoadCheckpointState(dir);
        t3.Run();
        var actual = Losses(t3.State);
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
        var trainer = new Trainer(model, data, new TrainerOptions { Steps = 150, Seq = 50, Batch = 16, LearningRate = 1e-2f, Seed = 1, LogEvery = 10, ValidateEvery = 1000, ValidationWindows = 2 }, _ => { }, live: false);
        double initial = Math.Log(data.Vocabulary.Length);
        trainer.Run();
        double final = trainer.State.History.Where(p => p.ValLoss is null).Last().TrainLoss;
        Assert.True(final < unigram - 0.3, $"training loss {final:F3} after 150 steps; unigram entropy {unigram:F3}, start ≈ ln(vocab) = {initial:F3}");
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
        model.ResetState();
        var once = model.NextLogits(ids, ids.Length, 1);
        model.ResetState();
        float[] stepwise = Array.Empty<float>();
        foreach (var id in ids) stepwise = model.NextLogits(new[] { id }, 1, 1);
        for (int i = 0; i < once.Length; i++) Assert.Equal(stepwise[i], once[i], 4);
    }
}

public class CharModelHyperparameterTests
{
    [Fact]
    public void Hyperparameters_in_the_config_reach_the_layers_before_initialization()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("Irnn", 9, 4, 6, 1, 0f, "IdentityScale=0.25"), seed: 1);
        var layer = (Rnn<Cells.Irnn>)model.Layers[0];
        var p = layer.Parameters.Single(q => q.Shape.Length == 2 && q.Shape[0] == q.Shape[1]);
        var w = layer.GetAllParameters().Skip((int)p.Offset).Take((int)p.Length).ToArray();
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
