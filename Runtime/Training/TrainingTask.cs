using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Recur;

/// <summary>One training batch's loss, as a task hands it to the trainer.</summary>
/// <param name="Objective">What the backward pass differentiates: the data's loss plus any regularizers' terms.</param>
/// <param name="Reported">What the progress line and the loss curve show, in the task's <see cref="ITrainingTask{T}.LossUnit"/>: the
/// data's loss without the regularizers (a rank of a data-parallel run: its share, which the ranks' mean makes the batch's).</param>
/// <param name="Tokens">How many targets the batch covers (for the rate).</param>
public sealed record BatchLoss<T>(Var<T> Objective, double Reported, int Tokens) where T : unmanaged
{
    /// <summary>A loss that is reported as it is differentiated.</summary>
    public static BatchLoss<T> Of(Var<T> loss, int tokens) => new(loss, loss.Item(), tokens);
}

/// <summary>Which batch a trainer asks a task for.</summary>
/// <param name="Epoch">The epoch the batch belongs to.</param>
/// <param name="Batch">Its index within the epoch, below <see cref="ITrainingTask{T}.BatchesPerEpoch"/>.</param>
/// <param name="Competence">The fraction of the data, easiest first, the batch may draw from (<see cref="Curriculum"/>; 1: all of it,
/// as without a curriculum).</param>
public sealed record BatchRequest(int Epoch, int Batch, double Competence = 1);

/// <summary>What <see cref="Trainer{T}"/> trains: a model, its data as numbered batches, and whatever the model carries from one batch
/// to the next. A character model, a translation model, a tagger: each is a task; the trainer is the same.</summary>
public interface ITrainingTask<T> where T : unmanaged
{
    /// <summary>The model whose parameters the optimizer updates and checkpoints save.</summary>
    Part Model { get; }

    /// <summary>Training batches in one epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>What the loss is measured in, for the progress line and the loss curve (nats/char).</summary>
    string LossUnit { get; }

    /// <summary>Called before the first batch of an epoch (also when a run resumes in the middle of one): reset what is carried,
    /// reshuffle from the epoch number (so a resumed run sees the same order).</summary>
    void BeginEpoch(int epoch);

    /// <summary>Makes the batch <paramref name="request"/> names ready — the host's work of reading, cutting, padding and encoding — and
    /// returns how to record its training loss on a tape (the objective to differentiate, the value to report, the targets it covers).
    /// The trainer calls it on a loader thread while the step before trains (<see cref="TrainerOptions.LoadAhead"/>), one call at a
    /// time and in training order, possibly for the next epoch before <see cref="BeginEpoch"/> of it: what it returns must follow
    /// from the request alone, and it must not touch the model, the device or anything the loss or <see cref="Validate"/> change.
    /// The function it returns runs on the training thread.</summary>
    Func<Tape, BatchLoss<T>> Prepare(BatchRequest request);

    /// <summary>The mean validation loss over at most <paramref name="maxBatches"/> batches (all for int.MaxValue), without dropout,
    /// leaving what training carries untouched.</summary>
    double Validate(int maxBatches);

    /// <summary>What the task carries between batches (recurrent state), to save with a checkpoint.</summary>
    IEnumerable<SafeTensors.Entry> SaveState();

    /// <summary>Restores what <see cref="SaveState"/> saved (after <see cref="BeginEpoch"/>).</summary>
    void LoadState(IReadOnlyDictionary<string, SafeTensors.Entry> tensors);

    /// <summary>What a checkpoint needs to rebuild the model and its data (configuration, vocabulary), as JSON.</summary>
    JsonNode Describe();
}
