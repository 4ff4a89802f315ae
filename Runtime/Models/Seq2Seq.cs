using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>What a sequence-to-sequence model is: vocabularies, the recurrent cell of encoder and decoder, the attention decoder,
/// sizes, dropout, whether the attention decoder is every decoder layer or only the first, and state averaging's influence α on the
/// decoder's H and C (0: off). <see cref="FanInInit"/>: every weight and bias but the embeddings drawn uniform in ±1/√fan-in,
/// PyTorch's default for its layers, instead of the cells' own initializers (orthogonal recurrent weights, unit-scaling input weights,
/// zero biases): measured on the translator, the same model reaches validation loss 1.410 after 6 epochs this way against 1.505
/// (`Tests/Benchmarks/RESULTS-translate.md`).</summary>
/// <param name="SourceVocab">Words in the source vocabulary, special tokens included.</param>
/// <param name="TargetVocab">Words in the target vocabulary, special tokens included.</param>
/// <param name="Cell">The recurrent cell of encoder and decoder: <c>Gru</c> or <c>Lstm</c>.</param>
/// <param name="Attention">The attention decoder's kind (<c>bahdanau</c>, <c>luong-dot</c>, <c>luong-general</c>, <c>luong-concat</c>, <c>coverage</c>).</param>
/// <param name="Embed">Features of both embeddings.</param>
/// <param name="EncoderHidden">Hidden units of each encoder layer (each direction).</param>
/// <param name="DecoderHidden">Hidden units of each decoder layer.</param>
/// <param name="Layers">Layers of the encoder and of the decoder.</param>
/// <param name="Bidirectional">Whether the encoder reads the source both ways.</param>
/// <param name="Dropout">Dropout between layers (0: off).</param>
/// <param name="AttentionEveryLayer">Whether every decoder layer attends, not only the first.</param>
/// <param name="StateAveraging">State averaging's influence α on the decoder's H and C (0: off).</param>
/// <param name="FanInInit">Whether weights and biases start uniform in ±1/√fan-in (PyTorch's default) instead of the cells' own initializers.</param>
public sealed record Seq2SeqConfig(int SourceVocab, int TargetVocab, string Cell = "Gru", string Attention = "bahdanau", int Embed = 256,
    int EncoderHidden = 256, int DecoderHidden = 512, int Layers = 1, bool Bidirectional = true, double Dropout = 0.2,
    bool AttentionEveryLayer = false, double StateAveraging = 0, bool FanInInit = true)
{
    /// <summary>Throws <see cref="System.ArgumentException"/> naming the setting when a value is out of range or the cell or attention is unknown.</summary>
    public void Validate()
    {
        if (SourceVocab < Tokens.Specials || TargetVocab < Tokens.Specials)
            throw new ArgumentException($"A vocabulary holds at least the {Tokens.Specials} special tokens; got {SourceVocab} and {TargetVocab}.");
        if (Embed < 1 || EncoderHidden < 1 || DecoderHidden < 1 || Layers < 1)
            throw new ArgumentException($"Embed ({Embed}), encoder hidden ({EncoderHidden}), decoder hidden ({DecoderHidden}) and layers ({Layers}) must be positive.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"Dropout is in [0, 1), not {Dropout}.");
        if (!(StateAveraging >= 0 && StateAveraging <= 1)) throw new ArgumentException($"State averaging's influence is in [0, 1], not {StateAveraging}.");
        if (Cell is not ("Gru" or "Lstm")) throw new ArgumentException($"Seq2Seq models are built of Gru or Lstm layers, not '{Cell}'.");
    }
}

/// <summary>The special tokens every vocabulary starts with.</summary>
public static class Tokens
{
    /// <summary>Padding; embeds to zeros and is never predicted.</summary>
    public const int Pad = 0;
    /// <summary>A word the vocabulary lacks.</summary>
    public const int Unknown = 1;
    /// <summary>The start token the decoder reads first.</summary>
    public const int Start = 2;
    /// <summary>The end token that finishes a sentence.</summary>
    public const int End = 3;
    /// <summary>The number of special tokens; words start at this id.</summary>
    public const int Specials = 4;
    /// <summary>The special tokens' spellings, in id order.</summary>
    public static readonly string[] Names = { "<pad>", "<unk>", "<s>", "</s>" };
}

/// <summary>A source sentence batch read by the encoder: the memory the decoder attends over [B, S, E] with each row's length, and
/// the decoder's initial state (the encoder's final states through the bridge; zeros where the encoder has none).</summary>
/// <param name="Memory">The memory the decoder attends over [B, S, E].</param>
/// <param name="Lengths">Each source's length.</param>
/// <param name="DecoderState">The decoder's initial state, layer by layer and state by state.</param>
public sealed record EncodedSource<T>(Var<T> Memory, int[] Lengths, IReadOnlyList<Var<T>> DecoderState) where T : unmanaged;

/// <summary>An encoder–decoder with attention (Bahdanau et al. 2015; Luong et al. 2015): source embedding → a stack of (bidirectional)
/// recurrent layers whose outputs are the memory → a decoder stack whose first (or every) layer attends over it → dense projection to
/// the target vocabulary. The full state of every encoder layer (H, and C for an LSTM; both directions concatenated) starts the
/// decoder layer of the same depth, through a learned tanh bridge where the sizes differ. Dropout is on embeddings, between layers and
/// before the projection. Parameters: <c>source.weight</c>, <c>encoder.0.forward.…</c>, <c>bridge.0.H.weight</c>, <c>target.weight</c>,
/// <c>decoder.0.…</c>, <c>output.weight</c>.</summary>
public sealed partial class Seq2Seq<T> : Part where T : unmanaged
{
    private readonly Dictionary<(int Layer, string State), Dense<T>> _bridges = new();
    private readonly RnnLayer<T>[] _decoderLayers;
    private readonly IRecurrent<T>[] _encoderLayers;

    /// <summary>Builds the model <paramref name="config"/> describes on <paramref name="device"/>, its weights initialized from <paramref name="seed"/>.</summary>
    /// <param name="decoderLayer">Builds decoder layer k (input size: the embedding for k = 0, the layer below's output above), to use
    /// a cell of your own; by default the configured attention cell (first or every layer) and plain cells above.</param>
    public Seq2Seq(Device device, Seq2SeqConfig config, int seed, Func<int, int, RnnLayer<T>>? decoderLayer = null) : base(device)
    {
        config.Validate();
        Config = config;
        SourceEmbedding = Add("source", new Embedding<T>(device, config.SourceVocab, config.Embed, paddingIndex: Tokens.Pad, seed: seed * 7 + 1));
        TargetEmbedding = Add("target", new Embedding<T>(device, config.TargetVocab, config.Embed, paddingIndex: Tokens.Pad, seed: seed * 7 + 2));
        _encoderLayers = Enumerable.Range(0, config.Layers).Select(k =>
        {
            int input = k == 0 ? config.Embed : config.EncoderHidden * (config.Bidirectional ? 2 : 1);
            RnnLayer<T> Make(int salt) => CellCatalog.Create<T>(config.Cell, device, input, config.EncoderHidden, seed * 131 + k * 2 + salt);
            return config.Bidirectional ? (IRecurrent<T>)new Bidirectional<T>(Make(0), Make(1)) : Make(0);
        }).ToArray();
        Encoder = Add("encoder", new LayerStack<T>(_encoderLayers, config.Dropout));
        _decoderLayers = Enumerable.Range(0, config.Layers).Select(k =>
        {
            int input = k == 0 ? config.Embed : config.DecoderHidden;
            var layer = decoderLayer?.Invoke(k, input)
                ?? (k == 0 || config.AttentionEveryLayer
                    ? CellCatalog.CreateAttention<T>(config.Attention, config.Cell, device, input, config.DecoderHidden, seed * 137 + k)
                    : CellCatalog.Create<T>(config.Cell, device, input, config.DecoderHidden, seed * 137 + k));
            if (config.StateAveraging > 0)
                foreach (var state in layer.Spec.States.Where(s => s.Name is "H" or "C")) layer.SetStateAveraging(state.Name, config.StateAveraging);
            return layer;
        }).ToArray();
        // The memory's width is the encoder's output: known now, so every decoder parameter exists before the first call.
        foreach (var layer in _decoderLayers.Where(l => l.Spec.Memories is { Length: 1 })) layer.TakeMemoryWidths(config.EncoderHidden * (config.Bidirectional ? 2 : 1));
        if (_decoderLayers[0].Spec.Memories is not { Length: 1 })
            throw new ArgumentException($"The decoder's first layer must attend over the encoder's outputs (one [Memory]); {_decoderLayers[0].Spec.Name} has {_decoderLayers[0].Spec.Memories?.Length ?? 0}.");
        Decoder = Add("decoder", new LayerStack<T>(_decoderLayers, config.Dropout));
        // Bridges: decoder layer k's H (and C) from encoder layer k's, where the widths differ.
        Names? bridges = null;
        for (int k = 0; k < config.Layers; k++)
        {
            Names? layer = null;
            foreach (var state in _decoderLayers[k].Spec.States)
            {
                int width = EncoderStateWidth(k, state.Name);
                if (width == 0 || width == DecoderStateWidth(k, state.Name)) continue;
                bridges ??= Add("bridge", new Names(device));
                layer ??= bridges.Put(k.ToString(System.Globalization.CultureInfo.InvariantCulture), new Names(device));
                _bridges[(k, state.Name)] = layer.Put(state.Name, new Dense<T>(device, DecoderStateWidth(k, state.Name), width, Activation.Tanh, seed: seed * 139 + k));
            }
        }
        Output = Add("output", new Dense<T>(device, config.TargetVocab, _decoderLayers[^1].OutputSize, seed: seed * 7 + 3));
        if (config.FanInInit) InitializeByFanIn(seed);
    }

    /// <summary>Draws every trainable weight and bias except the embeddings (which keep N(0, 1)) uniform in ±1/√fan-in: a matrix's
    /// fan-in is its columns, a vector's (a bias, the additive score's v) its length.</summary>
    private void InitializeByFanIn(int seed)
    {
        var rng = new Random(seed * 7919 + 11);
        foreach (var p in Parameters)
        {
            if (p.Frozen || p.Name is "source.weight" or "target.weight") continue;
            var shape = p.Parameter.Shape;
            double limit = 1 / Math.Sqrt(shape.Length == 2 ? shape[1] : shape[0]);
            var values = new double[p.Parameter.Length];
            for (int i = 0; i < values.Length; i++) values[i] = (rng.NextDouble() * 2 - 1) * limit;
            p.Parameter.Write(values);
        }
    }

    /// <summary>The configuration it was built from.</summary>
    public Seq2SeqConfig Config { get; }
    /// <summary>The source word embedding.</summary>
    public Embedding<T> SourceEmbedding { get; }
    /// <summary>The target word embedding.</summary>
    public Embedding<T> TargetEmbedding { get; }
    /// <summary>The encoder stack.</summary>
    public LayerStack<T> Encoder { get; }
    /// <summary>The decoder stack.</summary>
    public LayerStack<T> Decoder { get; }
    /// <summary>The projection to logits over the target vocabulary.</summary>
    public Dense<T> Output { get; }
    /// <summary>The decoder's layers, bottom first (the attention cells among them).</summary>
    public IReadOnlyList<RnnLayer<T>> DecoderLayers => _decoderLayers;

    /// <summary>Encoder layer k's final states that start decoder state <paramref name="state"/> (H or C; both directions), as indices
    /// into the encoder's state.</summary>
    private int[] EncoderStates(int k, string state) => state is "H" or "C"
        ? Encoder.StateNames.Select((n, i) => (n, i)).Where(p => p.n == $"{k}.{state}" || p.n == $"{k}.forward.{state}" || p.n == $"{k}.backward.{state}").Select(p => p.i).ToArray()
        : Array.Empty<int>();

    private int EncoderStateWidth(int k, string state) => EncoderStates(k, state).Length * Config.EncoderHidden;

    private int DecoderStateWidth(int k, string state)
    {
        var layer = _decoderLayers[k];
        return layer.Sizes[layer.Spec.States[Array.FindIndex(layer.Spec.States, s => s.Name == state)].Dim];
    }

    /// <summary>Reads a batch of source sentences: <paramref name="ids"/> [S·B] time-major, padded with <see cref="Tokens.Pad"/> past
    /// each row's <paramref name="lengths"/>.</summary>
    public EncodedSource<T> Encode(Tape tape, int[] ids, int steps, int batch, int[] lengths)
    {
        var x = Ops.Dropout(SourceEmbedding.Forward(tape, ids, steps, batch), Config.Dropout);
        var encoded = Encoder.Forward(x, null, lengths);
        var memory = Ops.BatchMajor(encoded.Output);
        var state = new List<Var<T>>();
        for (int k = 0; k < _decoderLayers.Length; k++)
        {
            var spec = _decoderLayers[k].Spec;
            foreach (var s in spec.States)
            {
                var from = EncoderStates(k, s.Name);
                Var<T> initial;
                if (from.Length > 0)
                {
                    initial = Ops.Concat(from.Select(i => encoded.FinalState[i]).ToArray());
                    if (_bridges.TryGetValue((k, s.Name), out var bridge)) initial = bridge.Forward(initial);
                }
                else
                {
                    // Attention weights, the attentional state, coverage: zeros (over the source's positions for those over them).
                    var zeros = Tensor<T>.Rent(Device!, true, batch, spec.IsSeqDim(s.Dim) ? steps : DecoderStateWidth(k, s.Name));
                    tape.Hold(zeros);
                    initial = tape.Input(zeros);
                }
                state.Add(initial);
            }
        }
        return new EncodedSource<T>(memory, lengths, state);
    }

    /// <summary>Teacher-forced decoding: logits [T, B, V] for target inputs <paramref name="ids"/> [T·B] (time-major, starting with
    /// <see cref="Tokens.Start"/>).</summary>
    public Var<T> Decode(Tape tape, EncodedSource<T> source, int[] ids, int steps, int batch)
    {
        var y = Ops.Dropout(TargetEmbedding.Forward(tape, ids, steps, batch), Config.Dropout);
        var decoded = Decoder.Forward(y, source.DecoderState, null, false, new[] { new SequenceMemory<T>(source.Memory, source.Lengths) });
        return Output.Forward(Ops.Dropout(decoded.Output, Config.Dropout));
    }

    /// <summary>A part that only gives its children a level of names (the bridges: by layer, then by state).</summary>
    private sealed class Names(Device device) : Part(device)
    {
        public TPart Put<TPart>(string name, TPart part) where TPart : Part => Add(name, part);
    }
}
