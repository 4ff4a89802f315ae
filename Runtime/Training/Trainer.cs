using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Recur;

/// <summary>How long to train, and how often to validate, log and checkpoint.</summary>
public sealed record TrainerOptions
{
    /// <summary>Stop after this many steps (null: no step limit).</summary>
    public int? Steps { get; init; }
    /// <summary>Stop after this many minutes of training (null: no time limit).</summary>
    public double? Minutes { get; init; }
    /// <summary>Validate every this many steps (and at the end).</summary>
    public int ValidateEvery { get; init; } = 200;
    /// <summary>At most this many validation batches per periodic check (the final check uses the whole split).</summary>
    public int ValidationBatches { get; init; } = 12;
    /// <summary>Print the progress line every this many steps.</summary>
    public int LogEvery { get; init; } = 20;
    /// <summary>Where checkpoints go (null: none are written).</summary>
    public string? CheckpointDir { get; init; }
    /// <summary>Checkpoint every this many steps (0: only by time).</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>Checkpoint when this much wall time has passed since the last one (0: only by steps).</summary>
    public double CheckpointMinutes { get; init; } = 2;
    /// <summary>Finish the step and checkpoint on Ctrl-C or SIGTERM instead of dying.</summary>
    public bool StopOnSignal { get; init; } = true;
    /// <summary>The loss curve's title.</summary>
    public string? Title { get; init; }
    /// <summary>Data-parallel training (null: one process): gradients are averaged over the ranks every step, every rank stops at the
    /// same step, and only rank 0 logs and writes checkpoints (with every rank's carried rows).</summary>
    public DataParallel? Parallel { get; init; }
    /// <summary>With <see cref="Parallel"/>: after every update, check that all ranks hold bit-identical weights (a pass over the
    /// weights and one tiny all-reduce per step; for tests and debugging).</summary>
    public bool VerifyReplicas { get; init; }
    /// <summary>Prepare each batch on another thread while the step before it trains (see <see cref="ITrainingTask{T}.Prepare"/>); off:
    /// in the step, on the training thread. Either way the batches and the run are the same.</summary>
    public bool LoadAhead { get; init; } = true;
    /// <summary>Checkpoint averaging: at the end of a run the model takes the mean of its weights at the last this many snapshots, one
    /// every <see cref="AverageEvery"/> updates and the last one of the final weights (0: off). The final validation and checkpoint are of the mean; the checkpoint keeps
    /// the last weights as well (<c>raw.</c>… in its training file), and a resumed run continues from those.</summary>
    public int AverageLast { get; init; }
    /// <summary>Updates between the snapshots <see cref="AverageLast"/> averages.</summary>
    public int AverageEvery { get; init; } = 400;
}

/// <summary>How a run ended.</summary>
/// <param name="Step">Updates done.</param>
/// <param name="ValidationLoss">The last validation loss.</param>
/// <param name="Interrupted">Whether the run was stopped (Ctrl-C) before its end; its progress is in the checkpoint.</param>
public sealed record TrainingResult(int Step, double ValidationLoss, bool Interrupted)
{
    /// <summary>How long the training thread waited for batches during this run (with <see cref="TrainerOptions.LoadAhead"/> off: the
    /// time it spent preparing them).</summary>
    public TimeSpan DataWait { get; init; }
}

/// <summary>One training loop for every task: zero the gradients, record the batch's loss on a tape, run it backward, clip and update
/// with the schedule's learning rate. Shows progress on one live line on a terminal, or as plain log lines otherwise
/// (<c>step 120 epoch 1 train loss 2.134 val loss 2.201 tokens/s 31234 lr 2.0e-03 left 1:23</c>); writes the loss curve and atomic
/// checkpoints (every few minutes, on Ctrl-C/SIGTERM after finishing the step, and at the end), from which a run resumes exactly.</summary>
public sealed class Trainer<T> : IDisposable where T : unmanaged
{
    private readonly ITrainingTask<T> _task;
    private readonly Optimizer<T> _optimizer;
    private readonly Schedule _schedule;
    private readonly Curriculum? _curriculum;
    private readonly TrainerOptions _o;
    private readonly Action<string> _log;
    private readonly bool _live;
    private readonly Rng _rng;
    private readonly double _baseLr;

    /// <summary>Trains <paramref name="task"/> with <paramref name="optimizer"/>, the learning rate following <paramref name="schedule"/> (null: constant), seeded by <paramref name="seed"/>.</summary>
    /// <param name="log">Where progress goes (with <paramref name="live"/>, lines start with \r to redraw themselves).</param>
    /// <param name="curriculum">The schedule over difficulty the batches follow (null: all the data from the first update).</param>
    public Trainer(ITrainingTask<T> task, Optimizer<T> optimizer, TrainerOptions options, Action<string> log, bool live = false, Schedule? schedule = null, int seed = 0,
        Curriculum? curriculum = null)
    {
        _task = task;
        _optimizer = optimizer;
        _o = options;
        // Only rank 0 speaks; the others train in step with it.
        _log = options.Parallel is { IsRoot: false } ? _ => { } : log;
        _live = live;
        _schedule = schedule ?? Schedule.Constant();
        _schedule.Validate();
        _curriculum = curriculum;
        _curriculum?.Validate();
        if (options.Steps is null && options.Minutes is null) throw new ArgumentException("Give a budget: Steps or Minutes.");
        if (options.Steps is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Steps must be positive, not {options.Steps}.");
        if (!ReferenceEquals(optimizer.Model, task.Model)) throw new ArgumentException("The optimizer updates another model than the task's.", nameof(optimizer));
        _baseLr = optimizer.LearningRate;
        // Each data-parallel rank draws its own dropout masks (rank 0 the same as one process would): the same stream on every
        // rank would give every shard the same masks.
        _rng = new Rng(((ulong)seed * 104729 + 11) ^ ((ulong)(options.Parallel?.Rank ?? 0) * 0x9E3779B97F4A7C15UL));
        State = new TrainingState(new TrainingSettings(optimizer.Name, _baseLr, optimizer.WeightDecay, optimizer.ClipNorm, _schedule, seed, curriculum), 0, 0, 0, _rng.State, double.NaN, new List<LossPoint>());
    }

    /// <summary>The position of the training: step, epoch, batch, random state, smoothed loss and loss history.</summary>
    public TrainingState State { get; private set; }
    /// <summary>The optimizer the trainer steps.</summary>
    public Optimizer<T> Optimizer => _optimizer;

    /// <summary>A trainer for a new run of <paramref name="task"/> under <paramref name="settings"/>: it makes the optimizer they name and
    /// owns it (dispose the trainer when done).</summary>
    public static Trainer<T> Start(ITrainingTask<T> task, TrainingSettings settings, TrainerOptions options, Action<string> log, bool live = false) =>
        Make(task, settings, options, log, live, trainer => { });

    /// <summary>A trainer that continues <paramref name="checkpoint"/>'s run of <paramref name="task"/> (whose model holds the checkpoint's
    /// weights already): the checkpoint's optimizer and settings, each one in <paramref name="given"/> replacing the saved one (see
    /// <see cref="TrainingOverrides.Over"/>), then its position, generator, optimizer state and what the task carried
    /// (<see cref="Resume(CheckpointReader)"/>). The trainer makes the optimizer and owns it: dispose the trainer when done.</summary>
    public static Trainer<T> Resume(ITrainingTask<T> task, CheckpointReader checkpoint, TrainingOverrides given, TrainerOptions options, Action<string> log, bool live = false) =>
        Make(task, given.Over(Saved(checkpoint), options.Steps), options, log, live, trainer => trainer.Resume(checkpoint));

    private static Trainer<T> Make(ITrainingTask<T> task, TrainingSettings settings, TrainerOptions options, Action<string> log, bool live, Action<Trainer<T>> then)
    {
        var optimizer = Optimizer<T>.Create(settings.Optimizer, task.Model, settings.LearningRate, settings.WeightDecay);
        optimizer.ClipNorm = settings.Clip;
        try
        {
            var trainer = new Trainer<T>(task, optimizer, options, log, live, settings.Schedule, settings.Seed, settings.Curriculum) { _ownedOptimizer = optimizer };
            then(trainer);
            return trainer;
        }
        catch
        {
            optimizer.Dispose();
            throw;
        }
    }

    private Optimizer<T>? _ownedOptimizer;

    /// <summary>Frees the optimizer the trainer made (<see cref="Start"/>, <see cref="Resume(ITrainingTask{T}, CheckpointReader, TrainingOverrides, TrainerOptions, Action{string}, bool)"/>);
    /// one given to the constructor stays the caller's.</summary>
    public void Dispose() => _ownedOptimizer?.Dispose();

    private static TrainingState Saved(CheckpointReader checkpoint) => checkpoint.Training
        ?? throw new InvalidDataException($"'{checkpoint.Dir}' holds no training state (weights only, or written by an earlier Recur); it can be sampled, not resumed.");

    /// <summary>Continues from a checkpoint: its position, generator, optimizer state and what the task carried.</summary>
    public void Resume(CheckpointReader checkpoint)
    {
        var saved = Saved(checkpoint);
        IReadOnlyDictionary<string, SafeTensors.Entry> tensors = checkpoint.TrainingTensors();
        _optimizer.Step = saved.Step;
        _optimizer.LoadState(tensors, Checkpoint.TrainingFile);
        _rng.State = saved.RngState;
        int world = _o.Parallel?.Size ?? 1;
        if (saved.WorldSize != world)
            throw new InvalidDataException($"'{checkpoint.Dir}' was written by {saved.WorldSize} data-parallel rank(s) and this run has {world}: resume it with " +
                                           (saved.WorldSize == 1 ? "one process (no mpirun)" : $"mpirun -np {saved.WorldSize}") + ", or start a new run.");
        State = saved with { Settings = State.Settings, History = saved.History.ToList() };
        _task.BeginEpoch(saved.Epoch);
        // What the task carries was saved for the whole batch: each rank takes its rows.
        if (_o.Parallel is { } parallel)
        {
            var optimizerNames = _optimizer.State.Select(s => s.Name).ToHashSet();
            tensors = parallel.TakeRows(tensors, tensors.Keys.Where(n => !optimizerNames.Contains(n) && !n.StartsWith(RawPrefix, StringComparison.Ordinal)).ToList());
            if (tensors.TryGetValue(RngEntry, out var rng))
            {
                var halves = (double[])rng.Data;
                _rng.State = ((ulong)halves[0] << 32) | (ulong)halves[1];
            }
        }
        _task.LoadState(tensors);
        // A run that ended with averaging continues from its last weights, not from their mean.
        foreach (var p in _task.Model.Parameters)
            if (tensors.TryGetValue(RawPrefix + p.Name, out var raw)) p.Parameter.Write(raw.Data);
        _resumed = true;
    }

    private bool _resumed;
    // The weights before averaging replaced them, which the final checkpoint keeps for a resumed run.
    private List<SafeTensors.Entry>? _rawWeights;
    private const string RawPrefix = "raw.";

    /// <summary>The name under which a data-parallel checkpoint keeps every rank's random state.</summary>
    private const string RngEntry = "trainer.rng";

    /// <summary>Trains until the budget is spent or a stop is requested; returns the final validation loss (whole split).</summary>
    public TrainingResult Run()
    {
        var clock = Stopwatch.StartNew();
        var sinceSave = Stopwatch.StartNew();
        using var stop = _o.StopOnSignal ? new StopRequest() : null;
        int step = State.Step, epoch = State.Epoch, batch = State.Batch, startStep = step;
        double smoothed = State.SmoothedLoss;
        var history = State.History;
        long tokens = 0;
        double? lastVal = history.LastOrDefault(p => p.ValLoss.HasValue)?.ValLoss;
        int targetSteps = _o.Steps is { } s ? startStep + s : int.MaxValue;
        double budget = (_o.Minutes ?? double.PositiveInfinity) * 60;
        if (!_resumed) _task.BeginEpoch(epoch);
        var parallel = _o.Parallel;
        // Every rank starts from rank 0's weights (they are equal already when built from one seed or read from one checkpoint).
        parallel?.BroadcastParameters(_task.Model);
        bool interrupted = false, timeUp = budget <= 0;
        using var loader = new BatchLoader<T>(_task, _o.LoadAhead);
        var average = _o.AverageLast > 0 ? new WeightAverage(_task.Model, _o.AverageLast, _o.AverageEvery) : null;
        while (step < targetSteps && !timeUp)
        {
            if (batch >= _task.BatchesPerEpoch)
            {
                epoch++;
                batch = 0;
                _task.BeginEpoch(epoch);
            }
            var next = batch + 1 < _task.BatchesPerEpoch ? Request(epoch, batch + 1, step + 1) : Request(epoch + 1, 0, step + 1);
            var record = loader.Take(Request(epoch, batch, step), step + 1 < targetSteps ? next : null);
            _task.Model.ZeroGrad();
            double loss;
            int n;
            using (var tape = new Tape(training: true, _rng))
            {
                var l = record(tape);
                (loss, n) = (l.Reported, l.Tokens);
                tape.Backward(l.Objective);
            }
            parallel?.AverageGradients(_task.Model);
            _optimizer.LearningRate = _baseLr * _schedule.Factor(_optimizer.Step);
            _optimizer.Update();
            step++;
            batch++;
            average?.After(step);
            if (_o.VerifyReplicas) parallel?.VerifyReplicas(_task.Model, step);
            interrupted = stop?.Requested == true;
            timeUp = clock.Elapsed.TotalSeconds >= budget;
            bool checkpointDue = _o.CheckpointDir is not null && DueForCheckpoint(step, sinceSave);
            if (parallel is not null)
            {
                // One small all-reduce: the mean loss, all ranks' tokens, and the decisions every rank must take together: a stop
                // requested on any rank, and rank 0's clock for the time budget and the checkpoints.
                bool root = parallel.IsRoot;
                var sums = parallel.Sum(loss, n, interrupted ? 1 : 0, root && timeUp ? 1 : 0, root && checkpointDue ? 1 : 0);
                (loss, n, interrupted, timeUp, checkpointDue) = (sums[0] / parallel.Size, (int)sums[1], sums[2] > 0, sums[3] > 0, sums[4] > 0);
            }
            tokens += n;
            smoothed = double.IsNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
            bool last = step >= targetSteps || timeUp || interrupted;
            double? val = null;
            if (step % _o.ValidateEvery == 0 && !last) val = lastVal = _task.Validate(_o.ValidationBatches);
            if (step % _o.LogEvery == 0 || val.HasValue || last) history.Add(new LossPoint(step, smoothed, val));
            State = State with { Step = step, Epoch = epoch, Batch = batch, RngState = _rng.State, SmoothedLoss = smoothed, History = history };

            double rate = tokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            double left = _o.Steps is not null
                ? (targetSteps - step) * clock.Elapsed.TotalSeconds / Math.Max(1, step - startStep)
                : Math.Max(0, budget - clock.Elapsed.TotalSeconds);
            string lr = _optimizer.LearningRate.ToString("0.0e+00", System.Globalization.CultureInfo.InvariantCulture);
            if (_live) _log($"\rstep {step}{(_o.Steps is not null ? "/" + targetSteps : "")} | epoch {epoch + 1} | train loss {smoothed:F3} | val loss {(lastVal is { } v ? v.ToString("F3") : "-")} | {rate / 1000:F1}k tok/s | lr {lr} | {Format(left)} left   ");
            if (!_live && (step % _o.LogEvery == 0 || val.HasValue))
                _log($"step {step} epoch {epoch + 1} train loss {smoothed:F3}{(val is { } vv ? $" val loss {vv:F3}" : "")} tokens/s {rate:F0} lr {lr} left {Format(left)}");
            if (_o.CheckpointDir is { } dir && !last && checkpointDue)
            {
                Save(dir);
                sinceSave.Restart();
            }
            if (interrupted) break;
        }
        if (_live) _log("\n");
        if (interrupted)
        {
            // Stopping early: save where training stands, without spending time on the full validation.
            if (_o.CheckpointDir is { } stopDir) Save(stopDir);
            _log($"Stopped by {stop!.Signal} after step {step}{(_o.CheckpointDir is { } d0 ? $"; checkpoint saved in {Path.GetFullPath(d0)}" : "")}.{(_live ? "\n" : "")}");
            return new TrainingResult(step, lastVal ?? double.NaN, Interrupted: true) { DataWait = loader.Waited };
        }
        average?.Finish(step);
        if (average is not null && average.Steps.Count() >= 2)
        {
            _rawWeights = average.Apply();
            _log($"Averaged the weights at steps {string.Join(", ", average.Steps)}.{(_live ? "\n" : "")}");
        }
        double final = _task.Validate(int.MaxValue);
        history.Add(new LossPoint(step, double.IsNaN(smoothed) ? final : smoothed, final));
        State = State with { History = history };
        // A live log writes lines as they come (the progress line redraws itself): this one ends its own.
        _log($"step {step} epoch {epoch + 1} train loss {smoothed:F3} val loss {final:F3} tokens/s {tokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds):F0} (final validation over the whole split); " +
             $"waited {loader.Waited.TotalMilliseconds / Math.Max(1, step - startStep):F2} ms a step for data{(_o.LoadAhead ? " loaded ahead" : "")}{(_live ? "\n" : "")}");
        if (_o.CheckpointDir is { } d) Save(d);
        return new TrainingResult(step, final, Interrupted: false) { DataWait = loader.Waited };
    }

    private BatchRequest Request(int epoch, int batch, int step) => new(epoch, batch, _curriculum?.Competence(step) ?? 1);

    private bool DueForCheckpoint(int step, Stopwatch sinceSave) =>
        (_o.CheckpointEvery > 0 && step % _o.CheckpointEvery == 0) || (_o.CheckpointMinutes > 0 && sinceSave.Elapsed.TotalMinutes >= _o.CheckpointMinutes);

    /// <summary>Writes a checkpoint (model, optimizer, what the task carries, position) and the loss curve into <paramref name="dir"/>.</summary>
    /// <remarks>In data-parallel training every rank calls it: the ranks' carried rows are gathered and rank 0 writes.</remarks>
    public void Save(string dir, Action<string>? written = null)
    {
        var carried = _task.SaveState().ToList();
        if (_o.Parallel is { } parallel)
        {
            // Every rank's random state too, as one row of two exact 32-bit halves, so each rank resumes its own stream.
            ulong state = _rng.State;
            carried.Add(new SafeTensors.Entry(RngEntry, new[] { 1, 2 }, new double[] { state >> 32, state & 0xffffffffUL }));
            carried = parallel.GatherRows(carried)!;
            if (!parallel.IsRoot) return;
        }
        var tensors = _optimizer.State.Select(s => new SafeTensors.Entry(s.Name, s.Value.Shape, s.Value.ToArray())).Concat(carried)
            .Concat(_rawWeights?.Select(w => w with { Name = RawPrefix + w.Name }) ?? Enumerable.Empty<SafeTensors.Entry>()).ToList();
        Checkpoint.Save(dir, _task.Model, _task.Describe(), State with { WorldSize = _o.Parallel?.Size ?? 1 }, tensors, written);
        AtomicFile.WriteText(Path.Combine(dir, "loss.svg"), LossCurve.Svg(State.History, _o.Title ?? "training", _task.LossUnit));
    }

    private static string Format(double seconds) =>
        double.IsInfinity(seconds) ? "?" : seconds >= 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):D2}:{(int)(seconds % 60):D2}" : $"{(int)(seconds / 60)}:{(int)(seconds % 60):D2}";
}
