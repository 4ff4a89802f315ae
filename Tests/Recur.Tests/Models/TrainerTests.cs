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

        public RunningMean(Device d)
        {
            var rng = new Random(3);
            _sequences = Enumerable.Range(0, Count).Select(_ => Enumerable.Range(0, Steps).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
            Net = new Sequential<float>(new Rnn<Gru>(d, 1, 12, seed: 1), new Dropout<float>(0.1), new Dense<float>(d, 1, 12, seed: 2));
        }

        public Sequential<float> Net { get; }
        /// <summary>Every batch asked for, with the thread that prepared it.</summary>
        public List<(BatchRequest Request, int Thread)> Requests { get; } = new();
        public Part Model => Net;
        public int BatchesPerEpoch => Count / Batch;
        public string LossUnit => "squared error";
        public void BeginEpoch(int epoch) { }
        private static IEnumerable<int> Order(int epoch) => Enumerable.Range(0, Count).OrderBy(i => (i * 7919 + epoch * 104729) % 1009);

        public Func<Tape, BatchLoss<float>> Prepare(BatchRequest request)
        {
            lock (Requests) Requests.Add((request, Environment.CurrentManagedThreadId));
            var rows = Order(request.Epoch).Skip(request.Batch * Batch).Take(Batch).ToArray();
            return tape => BatchLoss<float>.Of(Loss(tape, rows), Steps * Batch);
        }

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

    private static Trainer<float> Make(RunningMean task, int steps, string? dir = null, bool loadAhead = true, Curriculum? curriculum = null, int averageLast = 0, int averageEvery = 1)
    {
        var opt = Optimizer<float>.Create("adamw", task.Model, 1e-2, weightDecay: 0.01);
        opt.ClipNorm = 1;
        var options = new TrainerOptions { Steps = steps, LogEvery = 1, ValidateEvery = 7, CheckpointDir = dir, CheckpointMinutes = 0, StopOnSignal = false, LoadAhead = loadAhead,
            AverageLast = averageLast, AverageEvery = averageEvery };
        return new Trainer<float>(task, opt, options, _ => { }, schedule: Schedule.Cosine(60, 0.1, warmup: 5), seed: 4, curriculum: curriculum);
    }

    private static double[] TrainLosses(TrainingState s) => s.History.Where(p => p.ValLoss is null).Select(p => p.TrainLoss).ToArray();

    [Fact]
    public void Loading_ahead_prepares_every_batch_in_order_on_another_thread_and_trains_the_same_run()
    {
        var d = TestDevices.Cpu;
        using var ahead = new RunningMean(d);
        using var inStep = new RunningMean(d);
        // 14 steps over 6 batches an epoch: the batch prepared ahead crosses two epoch ends.
        var t1 = Make(ahead, 14);
        var t2 = Make(inStep, 14, loadAhead: false);
        var r1 = t1.Run();
        t2.Run();
        Assert.Equal(TrainLosses(t2.State), TrainLosses(t1.State));
        var expected = Enumerable.Range(0, 14).Select(k => new BatchRequest(k / 6, k % 6)).ToList();
        Assert.Equal(expected, inStep.Requests.Select(r => r.Request).ToList());
        Assert.Equal(expected, ahead.Requests.Select(r => r.Request).ToList());
        int trainingThread = Environment.CurrentManagedThreadId;
        Assert.All(inStep.Requests, r => Assert.Equal(trainingThread, r.Thread));
        // The first batch has nothing to overlap with; every later one was prepared on the loader thread while its predecessor trained.
        Assert.All(ahead.Requests.Skip(1), r => Assert.NotEqual(trainingThread, r.Thread));
        Assert.True(r1.DataWait > TimeSpan.Zero);
    }

    [Fact]
    public void Averaging_ends_with_the_mean_of_the_last_snapshots_and_a_resumed_run_continues_from_the_last_weights()
    {
        var d = TestDevices.Cpu;
        float[][] WeightsAfter(int steps)
        {
            using var t = new RunningMean(d);
            Make(t, steps).Run();
            return t.Model.Parameters.Select(p => (float[])p.Parameter.Read()).ToArray();
        }
        // Every 2 steps, the last 3, over a run of 7: the weights after 4, 6 and (the run's end) 7 steps.
        var snapshots = new[] { 4, 6, 7 }.Select(WeightsAfter).ToList();
        var dir = CharModelTests.TempDir();
        float[][] averaged;
        using (var task = new RunningMean(d))
        {
            Make(task, 7, dir, averageLast: 3, averageEvery: 2).Run();
            averaged = task.Model.Parameters.Select(p => (float[])p.Parameter.Read()).ToArray();
        }
        for (int k = 0; k < averaged.Length; k++)
            for (int i = 0; i < averaged[k].Length; i++)
                Assert.Equal((snapshots[0][k][i] + (double)snapshots[1][k][i] + snapshots[2][k][i]) / 3, averaged[k][i], 1e-6);
        Assert.NotEqual(snapshots[2][0], averaged[0]);

        // The checkpoint holds the mean as the model and the last weights for a resumed run.
        var checkpoint = Checkpoint.Open(dir);
        using var resumed = new RunningMean(d);
        checkpoint.LoadModel(resumed.Model);
        Assert.Equal(averaged[0], (float[])resumed.Model.Parameters[0].Parameter.Read());
        using var trainer = Trainer<float>.Resume(resumed, checkpoint, TrainingOverrides.None, new TrainerOptions { Steps = 1, StopOnSignal = false }, _ => { });
        for (int k = 0; k < averaged.Length; k++) Assert.Equal(snapshots[2][k], (float[])resumed.Model.Parameters[k].Parameter.Read());
    }

    [Fact]
    public void A_curriculum_widens_the_competence_as_the_square_root_of_the_steps_and_resumes_with_the_run()
    {
        var c = new Curriculum(Steps: 8, Start: 0.25);
        Assert.Equal(0.25, c.Competence(0), 12);
        Assert.Equal(Math.Sqrt(4 * (1 - 0.0625) / 8 + 0.0625), c.Competence(4), 12);
        Assert.Equal(1, c.Competence(8));
        Assert.Equal(1, c.Competence(100));
        Assert.Throws<ArgumentException>(() => new Curriculum(0).Validate());
        Assert.Throws<ArgumentException>(() => new Curriculum(5, Start: 0).Validate());

        var d = TestDevices.Cpu;
        using var task = new RunningMean(d);
        Make(task, 10, curriculum: c).Run();
        Assert.Equal(Enumerable.Range(0, 10).Select(c.Competence).ToList(), task.Requests.Select(r => r.Request.Competence).ToList());

        // The curriculum is a training setting: a resumed run goes on with it.
        var dir = CharModelTests.TempDir();
        using (var first = new RunningMean(d))
        {
            var t = Make(first, 4, curriculum: c);
            t.Run();
            t.Save(dir);
        }
        using var resumed = new RunningMean(d);
        var checkpoint = Checkpoint.Open(dir);
        checkpoint.LoadModel(resumed.Model);
        Assert.Equal(c, checkpoint.Training!.Settings.Curriculum);
        using var trainer = Trainer<float>.Resume(resumed, checkpoint, TrainingOverrides.None, new TrainerOptions { Steps = 3, StopOnSignal = false }, _ => { });
        trainer.Run();
        Assert.Equal(new[] { c.Competence(4), c.Competence(5), c.Competence(6) }, resumed.Requests.Select(r => r.Request.Competence).ToArray());
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
        Assert.Equal(TrainLosses(t1.State), TrainLosses(t3.State));
        Assert.Equal("running mean", checkpoint.Task!["task"]!.GetValue<string>());
    }
}
