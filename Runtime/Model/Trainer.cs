using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Recur;

/// <summary>How long and how to train.</summary>
public sealed record TrainerOptions
{
    public int? Steps { get; init; }
    public double? Minutes { get; init; }
    public int Seq { get; init; } = 100;
    public int Batch { get; init; } = 32;
    public float LearningRate { get; init; } = 2e-3f;
    public float Clip { get; init; } = 5f;
    public string Optimizer { get; init; } = "adam";
    public int Seed { get; init; }
    /// <summary>Validate every this many steps (and at the end).</summary>
    public int ValidateEvery { get; init; } = 200;
    /// <summary>At most this many validation windows per periodic check (the final check uses the whole split).</summary>
    public int ValidationWindows { get; init; } = 12;
    public int LogEvery { get; init; } = 20;
    public string? CheckpointDir { get; init; }
    public int CheckpointEvery { get; init; } = 500;
}

/// <summary>Trains a character model with truncated BPTT: contiguous streams, the final state of each window carried (detached)
/// into the next, as in the r2rt tutorial's <c>train_network</c>. Shows progress on one live line on a terminal, or as plain log
/// lines (<c>step 120 epoch 1 train loss 2.134 val loss 2.201 tokens/s 31234 left 1:23</c>) otherwise; writes the loss curve
/// (<c>loss.svg</c>) and checkpoints to the checkpoint folder.</summary>
public sealed class Trainer
{
    private readonly CharModel _model;
    private readonly CharData _data;
    private readonly Optimizer _optimizer;
    private readonly TrainerOptions _o;
    private readonly StreamBatches _train, _val;
    private readonly Rng _rng;
    private readonly Action<string> _log;
    private readonly bool _live;

    public Trainer(CharModel model, CharData data, TrainerOptions options, Action<string> log, bool live, TrainingState? resume = null)
    {
        _model = model;
        _data = data;
        _o = options;
        _log = log;
        _live = live;
        if (options.Steps is null && options.Minutes is null) throw new ArgumentException("Give a budget: Steps or Minutes.");
        _train = new StreamBatches(data.Train, options.Seq, options.Batch);
        _val = new StreamBatches(data.Validation, options.Seq, Math.Max(1, Math.Min(options.Batch, (data.Validation.Length - 1) / (options.Seq + 2))));
        _optimizer = Optimizer.Create(resume?.Optimizer ?? options.Optimizer, model.Device, model.Parameters, options.LearningRate);
        _optimizer.ClipNorm = options.Clip;
        _rng = new Rng((ulong)options.Seed * 104729 + 11);
        State = resume ?? new TrainingState(options.Optimizer, options.LearningRate, options.Clip, options.Seq, options.Batch, options.Seed, 0, 0, 0, _rng.State, double.NaN, new List<LossPoint>());
        if (resume is not null)
        {
            if (resume.Seq != options.Seq || resume.Batch != options.Batch)
                throw new ArgumentException($"The checkpoint was trained with --seq {resume.Seq} --batch {resume.Batch}; resume with the same values (got {options.Seq} and {options.Batch}).");
            _rng.State = resume.RngState;
            _optimizer.Step = resume.Step;
        }
    }

    public Optimizer Optimizer => _optimizer;
    public TrainingState State { get; private set; }

    /// <summary>Loads the optimizer's moments and carried state of a checkpoint being resumed.</summary>
    public void LoadCheckpointState(string dir) => Checkpoint.LoadTraining(dir, _model, _optimizer);

    /// <summary>Trains until the step or time budget is spent; returns the final validation loss (whole validation split).</summary>
    public double Run()
    {
        var clock = Stopwatch.StartNew();
        int step = State.Step, epoch = State.Epoch, window = State.Window, startStep = step;
        double smoothed = State.SmoothedLoss;
        var history = State.History;
        long tokens = 0;
        double? lastVal = history.LastOrDefault(p => p.ValLoss.HasValue)?.ValLoss;
        int targetSteps = _o.Steps is { } s ? startStep + s : int.MaxValue;
        double budget = (_o.Minutes ?? double.PositiveInfinity) * 60;
        while (step < targetSteps && clock.Elapsed.TotalSeconds < budget)
        {
            if (window >= _train.Windows)
            {
                epoch++;
                window = 0;
                _model.ResetState();
            }
            var (x, y) = _train.Window(window);
            _model.ZeroGrad();
            double loss = _model.Forward(x, y, _o.Seq, _o.Batch, training: true, _rng);
            _model.Backward();
            _optimizer.Update();
            step++;
            window++;
            tokens += _o.Seq * _o.Batch;
            smoothed = double.IsNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
            bool last = step >= targetSteps || clock.Elapsed.TotalSeconds >= budget;
            double? val = null;
            if (step % _o.ValidateEvery == 0 && !last) val = lastVal = Validate(_o.ValidationWindows);
            if (step % _o.LogEvery == 0 || val.HasValue || last) history.Add(new LossPoint(step, smoothed, val));
            State = State with { Step = step, Epoch = epoch, Window = window, RngState = _rng.State, SmoothedLoss = smoothed, History = history };

            double rate = tokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            double left = _o.Steps is not null
                ? (targetSteps - step) * clock.Elapsed.TotalSeconds / Math.Max(1, step - startStep)
                : Math.Max(0, budget - clock.Elapsed.TotalSeconds);
            if (_live) _log($"\rstep {step}{(_o.Steps is not null ? "/" + targetSteps : "")} | epoch {epoch + 1} | train loss {smoothed:F3} | val loss {(lastVal is { } v ? v.ToString("F3") : "-")} | {rate / 1000:F1}k tok/s | {Format(left)} left   ");
            if (!_live && (step % _o.LogEvery == 0 || val.HasValue))
                _log($"step {step} epoch {epoch + 1} train loss {smoothed:F3}{(val is { } vv ? $" val loss {vv:F3}" : "")} tokens/s {rate:F0} left {Format(left)}");
            if (_o.CheckpointDir is { } dir && step % _o.CheckpointEvery == 0 && !last) Save(dir);
        }
        if (_live) _log("\n");
        double final = Validate(int.MaxValue);
        history.Add(new LossPoint(step, double.IsNaN(smoothed) ? final : smoothed, final));
        State = State with { History = history };
        _log($"step {step} epoch {epoch + 1} train loss {smoothed:F3} val loss {final:F3} tokens/s {tokens / Math.Max(1e-9, clock.Elapsed.TotalSeconds):F0} (final validation over the whole split)");
        if (_o.CheckpointDir is { } d) Save(d);
        return final;
    }

    /// <summary>Mean loss over validation windows, from a zero state, without dropout; the training state is kept aside meanwhile.</summary>
    public double Validate(int maxWindows)
    {
        var saved = _model.TakeState();
        try
        {
            int windows = Math.Min(maxWindows, _val.Windows);
            double total = 0;
            for (int w = 0; w < windows; w++)
            {
                var (x, y) = _val.Window(w);
                total += _model.Forward(x, y, _val.Seq, _val.Batch, training: false);
            }
            return total / windows;
        }
        finally
        {
            _model.RestoreState(saved);
        }
    }

    public void Save(string dir)
    {
        Checkpoint.Save(dir, _model, _data.Vocabulary, _optimizer, State);
        AtomicFile.WriteText(Path.Combine(dir, "loss.svg"), LossCurve.Svg(State.History, $"{_model.Config.Cell} {_model.Config.Layers}×{_model.Config.Hidden} on {_data.Train.Length + _data.Validation.Length:N0} characters"));
    }

    private static string Format(double seconds) =>
        double.IsInfinity(seconds) ? "?" : seconds >= 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):D2}:{(int)(seconds % 60):D2}" : $"{(int)(seconds / 60)}:{(int)(seconds % 60):D2}";
}
