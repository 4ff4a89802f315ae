using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

/// <summary>The one trainer with a task that is not the character model: shuffled batches of sequences, a regression loss, dropout,
/// a schedule and weight decay; it learns, and a resumed run retraces an uninterrupted one.</summary>
public class TrainerTests
{
    /// <summary>Predict the running mean of a sequence of numbers: a GRU and a dense head, mean squared error. Batches are reshuffled
    /// every epoch from the epoch number, so a resumed run sees the same order.</summary>
    private sealed class RunningMean : ITrainingTask<float>, IDisposable
    {
        private const int Steps = 6, Batch = 8, Count = 48;
        private readonly float[][] _sequences;
        private int[] _order = Array.Empty<int>();

        public RunningMean(Device d)
        {
            var rng = new Random(3);
            _sequences = Enumerable.Range(0, Count).Select(_ => Enumerable.Range(0, Steps).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
            Net = new Sequential<float>(new Rnn<Gru>(d, 1, 12, seed: 1), new Dropout<float>(0.1), new Dense<float>(d, 1, 12, seed: 2));
        }

        public Sequential<float> Net { get; }
        public Part Model => Net;
        public int BatchesPerEpoch => Count / Batch;
        public string LossUnit => "squared error";
        public void BeginEpoch(int epoch) => _order = Enumerable.Range(0, Count).OrderBy(i => (i * 7919 + epoch * 104729) % 1009).ToArray();

        public BatchLoss<float> Loss(Tape tape, int batch) => BatchLoss<float>.Of(Loss(tape, _order.Skip(batch * Batch).Take(Batch).ToArray()), Steps * Batch);

        private Var<float> Loss(Tape tape, int[] rows)
        {
            var x = new float[Steps * rows.Length];
            var y = new float[Steps * rows.Length];
            for (int t = 0; t < Steps; t++)
                for (int b = 0; b < rows.Length; b++)
                {
                    x[t * rows.Length + b] = _sequences[rows[b]][t];
                    y[t * rows.Length + b] = _sequences[rows[b]].Take(t + 1).Average();
                }
            var d = Net.Parameters[0].Parameter.Device;
            return Losses.MeanSquaredError(Net.Forward(tape.Input(d, x, Steps, rows.Length, 1)), tape.Input(d, y, Steps, rows.Length, 1));
        }

        public double Validate(int maxBatches)
        {
            using var tape = new Tape();
            return Loss(tape, Enumerable.Range(0, Count).ToArray()).Item();
        }

        public IEnumerable<SafeTensors.Entry> SaveState() => Array.Empty<SafeTensors.Entry>();
        public void LoadState(IReadOnlyDictionary<string, SafeTensors.Entry> tensors) { }
        public JsonNode Describe() => new JsonObject { ["task"] = "running mean" };
        public void Dispose() => Net.Dispose();
    }

    private static Trainer<float> Make(RunningMean task, int steps, string? dir = null)
    {
        var opt = Optimizer<float>.Create("adamw", task.Model, 1e-2, weightDecay: 0.01);
        opt.ClipNorm = 1;
        var options = new TrainerOptions { Steps = steps, LogEvery = 1, ValidateEvery = 7, CheckpointDir = dir, CheckpointMinutes = 0, StopOnSignal = false };
        return new Trainer<float>(task, opt, options, _ => { }, schedule: Schedule.Cosine(60, 0.1, warmup: 5), seed: 4);
    }

    [Fact]
    public void A_regression_task_learns_and_resumes_exactly()
    {
        var d = TestDevices.Cpu;
        using var straight = new RunningMean(d);
        double before = straight.Validate(int.MaxValue);
        var t1 = Make(straight, 16);
        var result = t1.Run();
        Assert.True(result.ValidationLoss < before / 3, $"validation {before:F4} before, {result.ValidationLoss:F4} after 16 steps");

        var dir = CharModelTests.TempDir();
        using (var first = new RunningMean(d))
        {
            var t2 = Make(first, 10);
            t2.Run();
            t2.Save(dir);
        }
        using var resumed = new RunningMean(d);
        var checkpoint = Checkpoint.Open(dir);
        checkpoint.LoadModel(resumed.Model);
        var t3 = Make(resumed, 6);
        t3.Resume(checkpoint);
        t3.Run();
        double[] Train(TrainingState s) => s.History.Where(p => p.ValLoss is null).Select(p => p.TrainLoss).ToArray();
        Assert.Equal(Train(t1.State), Train(t3.State));
        Assert.Equal("running mean", checkpoint.Task!["task"]!.GetValue<string>());
    }
}
