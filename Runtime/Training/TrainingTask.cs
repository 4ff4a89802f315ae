using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Recur;

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

    /// <summary>Records the training loss of batch <paramref name="batch"/> of the current epoch on <paramref name="tape"/>;
    /// <paramref name="tokens"/> is how many targets it covers (for the rate).</summary>
    Var<T> Loss(Tape tape, int batch, out int tokens);

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
