using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

using ILGPU.Runtime;

namespace Recur;

/// <summary>What a character model is: its cell, sizes, dropout, the cell's hyperparameters ("Name=value,Name=value"; empty: defaults),
/// the stack's interconnects ("inputs,states,skip:1,…"), and zoneout and weight-drop on every layer.</summary>
/// <param name="Cell">The cell's name in the catalogue (<c>Lstm</c>, <c>Gru</c>, …).</param>
/// <param name="Vocab">Characters in the vocabulary.</param>
/// <param name="Embed">Features of the embedding.</param>
/// <param name="Hidden">Hidden units of each recurrent layer.</param>
/// <param name="Layers">Recurrent layers in the stack.</param>
/// <param name="Dropout">Dropout between the non-recurrent connections (0: off).</param>
/// <param name="Hypers">The cell's hyperparameters as "Name=value,Name=value" (null or empty: defaults).</param>
/// <param name="Interconnect">The stack's interconnects as "inputs,states,skip:1,…" (null: plain).</param>
/// <param name="Zoneout">Zoneout on every state of every layer (0: off).</param>
/// <param name="WeightDrop">Weight-drop on the recurrent weights (0: off).</param>
public sealed record CharModelConfig(string Cell, int Vocab, int Embed, int Hidden, int Layers, float Dropout, string? Hypers = null,
    string? Interconnect = null, double Zoneout = 0, double WeightDrop = 0)
{
    /// <summary>The hyperparameters by name; throws naming the text when it is not "Name=number,…".</summary>
    public IReadOnlyDictionary<string, double> HyperValues()
    {
        var values = new Dictionary<string, double>();
        foreach (var part in (Hypers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0 || !double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                throw new ArgumentException($"Hyperparameters are written Name=number, separated by commas (e.g. IdentityScale=0.5); '{part}' is not.");
            values[kv[0]] = v;
        }
        return values;
    }

    /// <summary>Throws <see cref="System.ArgumentException"/> naming the setting when a value is out of range or the cell is unknown.</summary>
    public void Validate()
    {
        HyperValues();
        if (Vocab < 2) throw new ArgumentException($"A character model needs at least 2 distinct characters, not {Vocab}.");
        if (Embed <= 0 || Hidden <= 0 || Layers <= 0) throw new ArgumentException($"Embed ({Embed}), hidden ({Hidden}) and layers ({Layers}) must be positive.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"Dropout must be in [0, 1), not {Dropout}.");
        if (Zoneout is < 0 or >= 1) throw new ArgumentException($"Zoneout must be in [0, 1), not {Zoneout}.");
        if (WeightDrop is < 0 or >= 1) throw new ArgumentException($"Weight-drop must be in [0, 1), not {WeightDrop}.");
        Recur.Interconnect.Parse(Interconnect ?? "");
        CellCatalog.Canonical(Cell);
    }
}

/// <summary>What one pass of a <see cref="CharModel"/> gives: logits [T, B, V], the stack's output [T, B, H] and the final state.</summary>
/// <param name="Logits">Logits [T, B, V].</param>
/// <param name="Hidden">The stack's output [T, B, H].</param>
/// <param name="FinalState">Every layer's final state, layer by layer.</param>
public sealed record CharPass(Var<float> Logits, Var<float> Hidden, IReadOnlyList<Var<float>> FinalState);

/// <summary>A character language model made of parts: embedding → dropout → a stack of recurrent layers with dropout between them →
/// dropout → a dense projection to the vocabulary. Dropout (Zaremba et al. 2014) is only on the non-recurrent connections.
/// Parameters: <c>embedding.weight</c>, <c>layers.0.i.X.weight</c>, …, <c>output.weight</c>, <c>output.bias</c>.</summary>
public sealed class CharModel : Part
{
    /// <summary>Builds the model of <paramref name="config"/> on <paramref name="device"/>, its weights initialized from <paramref name="seed"/>.</summary>
    public CharModel(Device device, CharModelConfig config, int seed) : base(device)
    {
        config.Validate();
        Config = config with { Cell = CellCatalog.Canonical(config.Cell) };
        var hypers = config.HyperValues();
        Embedding = Add("embedding", new Embedding<float>(device, config.Vocab, config.Embed));
        var interconnect = Recur.Interconnect.Parse(config.Interconnect ?? "");
        var layers = new List<RnnLayer<float>>();
        for (int k = 0; k < config.Layers; k++)
        {
            // With interconnects a layer's input is wider than the output below it: it takes its size from the first call.
            int? input = k == 0 ? config.Embed : interconnect.Any ? null : layers[k - 1].OutputSize;
            var layer = CellCatalog.Create<float>(Config.Cell, device, input, config.Hidden, seed * 31 + k, hypers);
            if (config.Zoneout > 0) layer.SetZoneout(config.Zoneout);
            layer.WeightDrop = config.WeightDrop;
            layers.Add(layer);
        }
        Layers = Add("layers", new LayerStack<float>(layers, config.Dropout, interconnect: interconnect));
        // A layer's output can be narrower than its hidden state (a projected LSTM): the head reads the top layer's output.
        Output = Add("output", new Dense<float>(device, config.Vocab, Layers.OutputSize));
        // Embedding N(0, 1/√E) and output weight U(±√(3/top)), both from the model's own generator: its first initialization, kept.
        var rng = new Rng((ulong)seed * 7919 + 17);
        double std = 1.0 / Math.Sqrt(config.Embed), limit = Math.Sqrt(3.0 / Layers.OutputSize);
        Embedding.Weight.SetValues(Enumerable.Range(0, config.Vocab * config.Embed)
            .Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray());
        Output.Weight.SetValues(Enumerable.Range(0, config.Vocab * Layers.OutputSize).Select(_ => (float)((rng.NextDouble() * 2 - 1) * limit)).ToArray());
        // Interconnected layers take their input sizes from a first call: make one now, so every parameter exists from the start
        // (for listings, optimizers and checkpoints).
        if (!layers.All(l => l.IsBuilt))
        {
            using var tape = new Tape();
            Forward(tape, new[] { 0 }, 1, 1);
        }
    }

    /// <summary>The configuration it was built from.</summary>
    public CharModelConfig Config { get; }
    /// <summary>The character embedding.</summary>
    public Embedding<float> Embedding { get; }
    /// <summary>The recurrent layers.</summary>
    public LayerStack<float> Layers { get; }
    /// <summary>The projection to logits over the vocabulary.</summary>
    public Dense<float> Output { get; }

    /// <summary>Logits [T, B, V] for ids [T·B] (time-major) from <paramref name="state"/> (null: zeros), and the final state.</summary>
    public RecurrentOutput<float> Forward(Tape tape, int[] ids, int steps, int batch, IReadOnlyList<Var<float>>? state = null)
    {
        var pass = Run(tape, ids, steps, batch, state);
        return new RecurrentOutput<float>(pass.Logits, pass.FinalState);
    }

    /// <summary>One pass: the logits, the stack's output before the last dropout (what regularizers read), and the final state.</summary>
    public CharPass Run(Tape tape, int[] ids, int steps, int batch, IReadOnlyList<Var<float>>? state = null)
    {
        var x = Ops.Dropout(Embedding.Forward(tape, ids, steps, batch), Config.Dropout);
        var layers = Layers.Forward(x, state);
        var logits = Output.Forward(Ops.Dropout(layers.Output, Config.Dropout));
        return new CharPass(logits, layers.Output, layers.FinalState);
    }

    /// <summary>Generates <paramref name="length"/> characters after <paramref name="prompt"/>, one at a time with the state carried
    /// (inference: nothing kept for a backward pass). A newline (when the vocabulary has one) is fed first, unshown: with truncated
    /// BPTT the model almost never sees the zero state in training, and from it a prompt's first characters would be read poorly.</summary>
    public string Generate(string vocabulary, string prompt, int length, SamplingOptions options, Rng rng)
    {
        var ids = PromptIds(vocabulary, prompt, options);
        var sb = new StringBuilder(prompt, prompt.Length + length);
        using var stepper = Start();
        var scratch = new SamplerScratch(Config.Vocab);
        var token = new int[1];
        foreach (var id in ids)
        {
            token[0] = id;
            stepper.Step(token);
        }
        for (int n = 0; n < length; n++)
        {
            int id = Sampler.Pick(stepper.Logits, options, rng, scratch);
            sb.Append(vocabulary[id]);
            token[0] = id;
            if (n + 1 < length) stepper.Step(token);
        }
        return sb.ToString();
    }

    /// <summary>Starts running the model one character per row at a time in inference (<see cref="CharStepper"/>): every buffer is
    /// made here, each step after allocates nothing.</summary>
    public CharStepper Start(int rows = 1) => new(this, rows);

    /// <summary>Generates as <see cref="Generate(string, string, int, SamplingOptions, Rng)"/> does while recording equation
    /// <paramref name="equation"/> of layer <paramref name="layer"/>: returns the text and, for every character the model read (the
    /// prompt and what it wrote, but the last), the equation's values after reading it.</summary>
    public (string Text, List<float[]> Values) GenerateRecording(string vocabulary, string prompt, int length, SamplingOptions options, Rng rng, int layer, string equation)
    {
        if (layer < 0 || layer >= Layers.Layers.Count) throw new ArgumentOutOfRangeException(nameof(layer), $"The model has layers 0 to {Layers.Layers.Count - 1}, not {layer}.");
        var rnn = (RnnLayer<float>)Layers.Layers[layer];
        rnn.ClearRecorded();
        rnn.Record(equation);
        try
        {
            var (text, primer) = RunRecorded(vocabulary, prompt, length, options, rng);
            // The unshown newline the generation starts from was read too; drop its row.
            return (text, rnn.Recorded[equation].Skip(primer).ToList());
        }
        finally
        {
            rnn.StopRecording();
        }
    }

    /// <summary>A character as messages print it: quoted, or as U+XXXX when it is a control or white-space character.</summary>
    public static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}'";

    /// <summary>The ids the model reads before it writes: an unshown newline (when the vocabulary has one), then the prompt.</summary>
    private int[] PromptIds(string vocabulary, string prompt, SamplingOptions options)
    {
        options.Validate();
        if (vocabulary.Length != Config.Vocab) throw new ArgumentException($"The vocabulary has {vocabulary.Length} characters but the model {Config.Vocab}.", nameof(vocabulary));
        var primer = vocabulary.Contains('\n') ? "\n" : "";
        var ids = (primer + prompt).Select(c => vocabulary.IndexOf(c) is var i and >= 0 ? i
            : throw new ArgumentException($"The prompt's character {Describe(c)} is not in the model's vocabulary.")).ToArray();
        if (ids.Length == 0) throw new ArgumentException("Give a prompt: the vocabulary has no newline to start from.");
        return ids;
    }

    /// <summary>Generation with the layer recording: the recording runs the probed kernels of full inference passes, which a stepper
    /// does not run, so each character is a pass over the tape (the prompt in one).</summary>
    private (string Text, int Primer) RunRecorded(string vocabulary, string prompt, int length, SamplingOptions options, Rng rng)
    {
        var ids = PromptIds(vocabulary, prompt, options);
        int primer = ids.Length - prompt.Length;
        var sb = new StringBuilder(prompt);
        var scratch = new SamplerScratch(Config.Vocab);
        Tensor<float>[]? state = null;
        try
        {
            for (int n = 0; n < length; n++)
            {
                float[] logits;
                using (var tape = new Tape(training: false))
                {
                    var r = Forward(tape, ids, ids.Length, 1, state?.Select(s => tape.Input(s)).ToArray());
                    Device!.Synchronize();
                    logits = r.Output.Value.View.SubView((long)(ids.Length - 1) * Config.Vocab, Config.Vocab).GetAsArray();
                    var next = r.FinalState.Select(f => f.Detach()).ToArray();
                    if (state is not null) foreach (var s in state) s.Dispose();
                    state = next;
                }
                int id = Sampler.Pick(logits, options, rng, scratch);
                sb.Append(vocabulary[id]);
                ids = new[] { id };
            }
        }
        finally
        {
            if (state is not null) foreach (var s in state) s.Dispose();
        }
        return (sb.ToString(), primer);
    }
}
