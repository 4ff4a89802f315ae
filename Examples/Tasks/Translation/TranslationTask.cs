using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recur.Examples.Tasks;

/// <summary>What a translation checkpoint needs to rebuild its model and read its inputs.</summary>
/// <param name="Kind">The format name (<see cref="Format"/>).</param>
/// <param name="Model">The model.</param>
/// <param name="SourceWords">The source vocabulary, in id order.</param>
/// <param name="TargetWords">The target vocabulary, in id order.</param>
/// <param name="Batch">Pairs per batch.</param>
/// <param name="LabelSmoothing">Label smoothing ε of the loss (0: none).</param>
/// <param name="Sampling">The scheduled sampling schedule.</param>
/// <param name="SourceMerges">The source side's byte-pair merges, one <c>"left right"</c> each (null: its units are words).</param>
/// <param name="TargetMerges">The target side's byte-pair merges (null: words).</param>
public sealed record TranslationDescription(string? Kind, Seq2SeqConfig Model, string[] SourceWords, string[] TargetWords, int Batch, double LabelSmoothing, SamplingSchedule Sampling,
    string[]? SourceMerges = null, string[]? TargetMerges = null)
{
    /// <summary>How source text becomes the model's units.</summary>
    public Segmenter SourceUnits() => Segmenter.Load(SourceMerges);
    /// <summary>How target text becomes the model's units.</summary>
    public Segmenter TargetUnits() => Segmenter.Load(TargetMerges);

    /// <summary>The format name written into the checkpoint's task description.</summary>
    public const string Format = "recur-translation-1";

    /// <summary>The translation task a checkpoint describes, or a clear error when it holds another kind of model.</summary>
    public static TranslationDescription Read(CheckpointReader checkpoint)
    {
        TranslationDescription? d = null;
        try { d = checkpoint.ReadTask<TranslationDescription>(); }
        catch (System.Text.Json.JsonException) { }
        if (d?.Kind != Format || d.Model is null || d.SourceWords is null || d.TargetWords is null)
            throw new System.IO.InvalidDataException($"'{checkpoint.Dir}' does not hold a translation model (its task is not {Format}); give a checkpoint written by Examples/Translate.");
        return d;
    }
}

/// <summary>Training a <see cref="Seq2Seq{T}"/> on sentence pairs: masked sequence cross-entropy with label smoothing over each batch's
/// target tokens, with teacher forcing or scheduled sampling.</summary>
/// <remarks>Scheduled sampling here is the parallel form (Duckworth et al. 2019): a first teacher-forced pass without dropout or tape
/// gives the model's distribution at every position, and each true input token is kept with the schedule's probability, else replaced
/// by a token drawn from that distribution at the position before; the loss pass then runs fused over the mixed inputs. Bengio et al.'s
/// original draws step by step from a decoder fed its own mixed inputs; the parallel form keeps the whole decoder one fused kernel
/// sequence instead of one call per step.</remarks>
public sealed class TranslationTask : ITrainingTask<float>
{
    private readonly Seq2Seq<float> _model;
    // The epoch whose bucketed batches were made last: touched by Prepare only, which the trainer calls one at a time.
    private (int Epoch, List<TranslationBatch> Batches)? _epochBatches;

    /// <summary>Trains <paramref name="model"/> on <paramref name="data"/> in length-bucketed batches of <paramref name="batch"/> pairs with label-smoothed cross-entropy and the scheduled-sampling schedule <paramref name="sampling"/> (null: teacher forcing).</summary>
    /// <param name="shard">In data-parallel training, this rank's share of every batch's pairs (see <see cref="DataParallel.Shard"/>);
    /// null trains on all of them. Validation always reads the whole split.</param>
    public TranslationTask(Seq2Seq<float> model, TranslationData data, int batch = 64, double labelSmoothing = 0.1, SamplingSchedule? sampling = null, Shard? shard = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"A batch holds at least one pair, not {batch}.");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"Label smoothing is in [0, 1), not {labelSmoothing}.");
        if (model.Config.SourceVocab != data.SourceVocabulary.Count || model.Config.TargetVocab != data.TargetVocabulary.Count)
            throw new ArgumentException($"The model's vocabularies ({model.Config.SourceVocab}, {model.Config.TargetVocab}) are not the data's ({data.SourceVocabulary.Count}, {data.TargetVocabulary.Count}).");
        _model = model;
        Data = data;
        Batch = batch;
        LabelSmoothing = labelSmoothing;
        Sampling = sampling ?? SamplingSchedule.None;
        Sampling.Validate();
        BatchesPerEpoch = data.Batches(batch, 0).Count;
        _shard = shard ?? Shard.Whole;
        if (batch < _shard.Count) throw new ArgumentException($"A batch of {batch} pairs cannot be shared by {_shard.Count} ranks; give --batch of at least {_shard.Count}.");
    }

    private readonly Shard _shard;

    /// <summary>The encoded corpus.</summary>
    public TranslationData Data { get; }
    /// <summary>The number of pairs per batch.</summary>
    public int Batch { get; }
    /// <summary>The label-smoothing weight ε of the loss.</summary>
    public double LabelSmoothing { get; }
    /// <summary>The scheduled-sampling schedule.</summary>
    public SamplingSchedule Sampling { get; }
    /// <inheritdoc/>
    public Part Model => _model;
    /// <inheritdoc/>
    public int BatchesPerEpoch { get; }
    /// <inheritdoc/>
    public string LossUnit => "nats/token";

    /// <inheritdoc/>
    /// <remarks>Nothing is carried between batches, and each epoch's order follows from its number (<see cref="Prepare"/>).</remarks>
    public void BeginEpoch(int epoch) { }

    /// <summary>Batch <see cref="BatchRequest.Batch"/> of the epoch's length-bucketed batches (<see cref="TranslationData.Batches"/>) or,
    /// below full competence (a <see cref="Curriculum"/>), <see cref="Batch"/> pairs drawn from the easiest part of the corpus
    /// (<see cref="TranslationData.Easiest"/>); a rank of a data-parallel run takes its rows.</summary>
    public Func<Tape, BatchLoss<float>> Prepare(BatchRequest request)
    {
        TranslationBatch b;
        if (request.Competence < 1) b = Data.Easiest(request.Competence, Batch, new Rng((ulong)request.Epoch * 1_000_003 + (ulong)request.Batch * 7919 + 5));
        else
        {
            if (_epochBatches?.Epoch != request.Epoch) _epochBatches = (request.Epoch, Data.Batches(Batch, request.Epoch));
            b = _epochBatches.Value.Batches[request.Batch];
        }
        // A rank trains on its rows of the batch (every rank builds the same batches), and weighs its mean by its share of the batch's
        // tokens, so that the ranks' gradients, averaged, are the whole batch's mean exactly, however the tokens fall.
        double weight = 1;
        if (_shard.Count > 1)
        {
            int all = b.Tokens, start = (int)((long)b.Batch * _shard.Index / _shard.Count), end = (int)((long)b.Batch * (_shard.Index + 1) / _shard.Count);
            b = b.Rows(start, end - start);
            weight = (double)b.Tokens * _shard.Count / all;
        }
        int tokens = b.Tokens;
        double truth = Sampling.TruthProbability((long)request.Epoch * BatchesPerEpoch + request.Batch);
        return tape => Loss(tape, b, tokens, weight, truth);
    }

    private BatchLoss<float> Loss(Tape tape, TranslationBatch b, int tokens, double weight, double truth)
    {
        var inputs = truth < 1 ? MixInputs(b, truth, tape.Rng) : b.TargetInputs;
        var source = _model.Encode(tape, b.Source, b.SourceSteps, b.Batch, b.SourceLengths);
        var logits = _model.Decode(tape, source, inputs, b.TargetSteps, b.Batch);
        var loss = Losses.CrossEntropy(Ops.Reshape(logits, b.TargetSteps * b.Batch, logits.Features), b.TargetOutputs, ignoreIndex: -1, labelSmoothing: LabelSmoothing);
        return weight == 1 ? BatchLoss<float>.Of(loss, tokens) : new BatchLoss<float>(Losses.Sum((weight, loss)), weight * loss.Item(), tokens);
    }

    /// <summary>The target inputs with each true token after the start kept with probability <paramref name="truth"/>, else replaced by
    /// one drawn from the model's prediction for that position (made by a teacher-forced pass without dropout).</summary>
    private int[] MixInputs(TranslationBatch b, double truth, Rng rng)
    {
        float[] logits;
        using (var tape = new Tape(training: false))
        {
            var source = _model.Encode(tape, b.Source, b.SourceSteps, b.Batch, b.SourceLengths);
            logits = _model.Decode(tape, source, b.TargetInputs, b.TargetSteps, b.Batch).Value.ToArray();
        }
        int vocab = _model.Config.TargetVocab;
        var mixed = (int[])b.TargetInputs.Clone();
        var probs = new double[vocab];
        for (int t = 1; t < b.TargetSteps; t++)
            for (int r = 0; r < b.Batch; r++)
            {
                int at = t * b.Batch + r;
                if (b.TargetOutputs[at] < 0 || rng.NextDouble() < truth) continue;
                // The prediction made at step t − 1 (whose input was the previous token) for the token fed at step t.
                mixed[at] = Sampler.Draw(logits.AsSpan(((t - 1) * b.Batch + r) * vocab, vocab), 1, probs, rng);
            }
        return mixed;
    }

    /// <summary>The mean validation loss per target token over at most <paramref name="maxBatches"/> batches.</summary>
    public double Validate(int maxBatches)
    {
        double sum = 0;
        long count = 0;
        foreach (var b in Data.ValidationBatches(Batch).Take(maxBatches))
        {
            using var tape = new Tape(training: false);
            var source = _model.Encode(tape, b.Source, b.SourceSteps, b.Batch, b.SourceLengths);
            var logits = _model.Decode(tape, source, b.TargetInputs, b.TargetSteps, b.Batch);
            var loss = Losses.CrossEntropy(Ops.Reshape(logits, b.TargetSteps * b.Batch, logits.Features), b.TargetOutputs, ignoreIndex: -1);
            sum += loss.Item() * b.Tokens;
            count += b.Tokens;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <inheritdoc/>
    public IEnumerable<SafeTensors.Entry> SaveState() => Array.Empty<SafeTensors.Entry>();
    /// <inheritdoc/>
    public void LoadState(IReadOnlyDictionary<string, SafeTensors.Entry> tensors) { }

    /// <inheritdoc/>
    public JsonNode Describe() => JsonSerializer.SerializeToNode(new TranslationDescription(TranslationDescription.Format, _model.Config, Data.SourceVocabulary.Words.ToArray(),
        Data.TargetVocabulary.Words.ToArray(), Batch, LabelSmoothing, Sampling, Data.SourceUnits.Save(), Data.TargetUnits.Save()), Checkpoint.Json)!;
}
