using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recur.Examples.Tasks;

/// <summary>Loss terms a character model trains with besides cross-entropy, each on the stack's output (0: off): the
/// norm-stabilizer β, DeCov's weight, activation (AR) and temporal activation (TAR) regularization.</summary>
/// <param name="NormStabilizer">β of the norm-stabilizer.</param>
/// <param name="DeCov">The weight of DeCov.</param>
/// <param name="Activation">α of activation regularization (AR).</param>
/// <param name="Temporal">β of temporal activation regularization (TAR).</param>
public sealed record CharRegularizers(double NormStabilizer = 0, double DeCov = 0, double Activation = 0, double Temporal = 0)
{
    /// <summary>True when any regularizer is on.</summary>
    public bool Any => NormStabilizer > 0 || DeCov > 0 || Activation > 0 || Temporal > 0;

    /// <summary>Throws <see cref="System.ArgumentException"/> naming the regularizer when a weight is negative or not finite.</summary>
    public void Validate()
    {
        foreach (var (name, v) in new[] { ("norm-stabilizer", NormStabilizer), ("DeCov", DeCov), ("AR", Activation), ("TAR", Temporal) })
            if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"The {name} weight must be 0 (off) or positive, not {v}.");
    }

    /// <summary>The regularizers that are on, with their weights.</summary>
    public override string ToString() => string.Join(", ", new[] { ("norm-stabilizer", NormStabilizer), ("DeCov", DeCov), ("AR", Activation), ("TAR", Temporal) }
        .Where(p => p.Item2 > 0).Select(p => $"{p.Item1} {p.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture)}").DefaultIfEmpty("none"));
}

/// <summary>What a character-model checkpoint describes: the vocabulary, the model, the window and batch sizes it trains with, and
/// its regularizers.</summary>
/// <param name="Vocabulary">The characters, in id order.</param>
/// <param name="Model">The model.</param>
/// <param name="Seq">Steps per training window.</param>
/// <param name="Batch">Streams per batch.</param>
/// <param name="Regularizers">The loss terms besides cross-entropy (null: none).</param>
public sealed record CharTaskDescription(string Vocabulary, CharModelConfig Model, int Seq = 100, int Batch = 32, CharRegularizers? Regularizers = null);

/// <summary>Training a <see cref="CharModel"/> with truncated BPTT, as in the r2rt tutorial's <c>train_network</c>: the text is cut
/// into <c>batch</c> contiguous streams, each window continues where the last one stopped, and the final state of one window is
/// carried (detached) into the next. Each epoch starts from zeros. The loss is the mean cross-entropy in nats per character.</summary>
public sealed class CharTask : ITrainingTask<float>, IDisposable
{
    private readonly CharModel _model;
    private readonly StreamBatches _train, _val;
    private Tensor<float>[]? _carried;

    /// <summary>Trains <paramref name="model"/> on <paramref name="data"/> in windows of <paramref name="seq"/> characters, <paramref name="batch"/> streams at a time, carrying the state from window to window (truncated BPTT).</summary>
    /// <param name="shard">In data-parallel training, this rank's share of the <paramref name="batch"/> streams (see
    /// <see cref="DataParallel.Shard"/>); null trains on all of them. Validation always reads the whole split.</param>
    public CharTask(CharModel model, CharData data, int seq, int batch, CharRegularizers? regularizers = null, Shard? shard = null)
    {
        _model = model;
        Data = data;
        Regularizers = regularizers ?? new CharRegularizers();
        Regularizers.Validate();
        if (data.Vocabulary.Length != model.Config.Vocab)
            throw new ArgumentException($"The data has {data.Vocabulary.Length} distinct characters but the model a vocabulary of {model.Config.Vocab}.");
        _train = new StreamBatches(data.Train, seq, batch, shard);
        Batch = batch;
        _val = new StreamBatches(data.Validation, seq, Math.Max(1, Math.Min(batch, (data.Validation.Length - 1) / (seq + 2))));
    }

    /// <summary>The encoded text.</summary>
    public CharData Data { get; }
    /// <summary>The regularizers added to the loss.</summary>
    public CharRegularizers Regularizers { get; }
    /// <inheritdoc/>
    public Part Model => _model;
    /// <summary>The window length in characters.</summary>
    public int Seq => _train.Seq;
    /// <summary>The number of parallel streams (all ranks' together in data-parallel training).</summary>
    public int Batch { get; }
    /// <inheritdoc/>
    public int BatchesPerEpoch => _train.Windows;
    /// <inheritdoc/>
    public string LossUnit => "nats/char";

    /// <inheritdoc/>
    public void BeginEpoch(int epoch) => Carry(null);

    /// <summary>Window <see cref="BatchRequest.Batch"/> of the streams. Below full competence (a <see cref="Curriculum"/>), the
    /// easier task of short contexts: the window's first max(8, competence·seq rounded up to a tenth of seq) characters, from a zero state, carrying nothing on
    /// (the next window does not continue it); at full competence, the whole window from the state the last one left.</summary>
    public Func<Tape, BatchLoss<float>> Prepare(BatchRequest request)
    {
        // Lengths in tenths of --seq: a few shapes, each trained for a while, rather than a new one (new buffers) every step.
        int tenth = Math.Max(1, _train.Seq / 10);
        int length = request.Competence >= 1 ? _train.Seq : Math.Min(_train.Seq, Math.Max(MinimumSegment, (int)Math.Ceiling(request.Competence * _train.Seq / tenth) * tenth));
        var (x, y) = _train.Window(request.Batch, length);
        return tape => Loss(tape, x, y, length);
    }

    /// <summary>The shortest segment a curriculum starts with: shorter ones teach little more than character frequencies.</summary>
    private const int MinimumSegment = 8;

    private BatchLoss<float> Loss(Tape tape, int[] x, int[] y, int length)
    {
        // A short segment starts from zeros and leaves nothing carried: the next window does not continue it.
        bool whole = length == _train.Seq;
        if (!whole) Carry(null);
        var pass = whole ? Pass(tape, x, length, _train.Batch) : _model.Run(tape, x, length, _train.Batch);
        var loss = Losses.CrossEntropy(pass.Logits, y);
        if (!Regularizers.Any) return BatchLoss<float>.Of(loss, x.Length);
        // The regularizers' terms join the loss that is differentiated; the reported loss stays the cross-entropy (nats/char).
        var r = Regularizers;
        var terms = new List<(double, Var<float>)> { (1.0, loss) };
        if (r.NormStabilizer > 0) terms.Add((1.0, Recur.Regularizers.NormStabilizer(pass.Hidden, r.NormStabilizer)));
        if (r.DeCov > 0) terms.Add((1.0, Recur.Regularizers.DeCov(pass.Hidden, r.DeCov)));
        if (r.Activation > 0) terms.Add((1.0, Recur.Regularizers.Activation(pass.Hidden, r.Activation)));
        if (r.Temporal > 0) terms.Add((1.0, Recur.Regularizers.Temporal(pass.Hidden, r.Temporal)));
        return new BatchLoss<float>(Losses.Sum(terms.ToArray()), loss.Item(), x.Length);
    }

    /// <summary>A window from the carried state, which then advances to the window's final state.</summary>
    private CharPass Pass(Tape tape, int[] x, int seq, int batch)
    {
        var pass = _model.Run(tape, x, seq, batch, _carried?.Select(s => tape.Input(s)).ToArray());
        // The old state was copied into the layers' workspaces; the tape lets it go with everything else.
        if (_carried is not null) foreach (var s in _carried) tape.Hold(s);
        _carried = pass.FinalState.Select(f => f.Detach()).ToArray();
        return pass;
    }

    private void Carry(Tensor<float>[]? state)
    {
        if (_carried is not null) foreach (var s in _carried) s.Dispose();
        _carried = state;
    }

    /// <summary>Mean loss over validation windows, from a zero state carried across them, without dropout; training's carried state is
    /// kept aside meanwhile.</summary>
    public double Validate(int maxBatches)
    {
        var saved = _carried;
        _carried = null;
        try
        {
            int windows = Math.Min(maxBatches, _val.Windows);
            double total = 0;
            for (int w = 0; w < windows; w++)
            {
                var (x, y) = _val.Window(w);
                using var tape = new Tape(training: false);
                total += Losses.CrossEntropy(Pass(tape, x, _val.Seq, _val.Batch).Logits, y).Item();
            }
            return total / windows;
        }
        finally
        {
            Carry(saved);
        }
    }

    private IEnumerable<(string Name, int Index)> StateNames()
    {
        int index = 0;
        for (int k = 0; k < _model.Layers.Layers.Count; k++)
            foreach (var s in ((RnnLayer<float>)_model.Layers.Layers[k]).Spec.States)
                yield return ($"state.layers.{k}.{s.Name}", index++);
    }

    /// <inheritdoc/>
    public IEnumerable<SafeTensors.Entry> SaveState() => _carried is null ? Array.Empty<SafeTensors.Entry>()
        : StateNames().Select(n => new SafeTensors.Entry(n.Name, _carried[n.Index].Shape, _carried[n.Index].ToArray())).ToList();

    /// <inheritdoc/>
    public void LoadState(IReadOnlyDictionary<string, SafeTensors.Entry> tensors)
    {
        var names = StateNames().ToList();
        if (!tensors.ContainsKey(names[0].Name)) { Carry(null); return; }
        var state = new Tensor<float>[names.Count];
        foreach (var (name, index) in names)
        {
            if (!tensors.TryGetValue(name, out var t)) throw new InvalidDataException($"{Checkpoint.TrainingFile} has no tensor '{name}': the checkpoint does not match this model.");
            state[index] = Tensor<float>.FromArray(_model.Device!, t.AsFloats(), t.Shape);
        }
        Carry(state);
    }

    /// <inheritdoc/>
    public JsonNode Describe() => JsonSerializer.SerializeToNode(new CharTaskDescription(Data.Vocabulary, _model.Config, Seq, Batch, Regularizers), Checkpoint.Json)!;

    /// <summary>Drops the carried state.</summary>
    public void Dispose() => Carry(null);
}
