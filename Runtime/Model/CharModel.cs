using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>What a character model is: its cell, sizes, dropout and the cell's hyperparameters ("Name=value,Name=value"; empty: defaults).</summary>
public sealed record CharModelConfig(string Cell, int Vocab, int Embed, int Hidden, int Layers, float Dropout, string? Hypers = null)
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

    public void Validate()
    {
        HyperValues();
        if (Vocab < 2) throw new ArgumentException($"A character model needs at least 2 distinct characters, not {Vocab}.");
        if (Embed <= 0 || Hidden <= 0 || Layers <= 0) throw new ArgumentException($"Embed ({Embed}), hidden ({Hidden}) and layers ({Layers}) must be positive.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"Dropout must be in [0, 1), not {Dropout}.");
        CellCatalog.Canonical(Cell);
    }
}

/// <summary>A learned tensor of a model with its gradient, under its checkpoint name.</summary>
public sealed record NamedParameter(string Name, int[] Shape, ArrayView<float> Value, ArrayView<float> Grad);

/// <summary>A character language model: embedding → a stack of recurrent layers → a dense projection to the vocabulary with
/// softmax cross-entropy. Dropout (Zaremba et al. 2014) only on the non-recurrent connections: the embedding's output and each
/// layer's output, in training only. The recurrent state is carried between calls (truncated BPTT) and can be reset.
///   embedding: [T, B] ids → [T, B, E];  layer k: [T, B, in] → [T, B, H];  output: [T·B, H] → logits [T·B, V].</summary>
public sealed class CharModel : IDisposable
{
    private readonly IModelOps _ops;
    private readonly IGemm<float> _gemm;
    private readonly Tensor<float> _embedding, _embeddingGrad, _outW, _outWGrad, _outB, _outBGrad;
    private readonly List<IRnnLayer> _layers = new();
    private Tensor<float>[]?[] _state;

    // Activations of the last training forward, for Backward.
    private Tensor<int>? _ids, _targets;
    private Tensor<float>? _embedded, _logits, _logitGrad;
    private readonly List<Tensor<float>> _outputs = new(), _masks = new();
    private int _steps, _batch;

    public CharModel(Device device, CharModelConfig config, int seed)
    {
        config.Validate();
        Device = device;
        Config = config with { Cell = CellCatalog.Canonical(config.Cell) };
        _ops = IModelOps.For(device);
        _gemm = device.Gemm<float>();
        var rng = new Rng((ulong)seed * 7919 + 17);
        _embedding = Tensor<float>.FromArray(device, Normal(rng, config.Vocab * config.Embed, 1.0 / Math.Sqrt(config.Embed)), config.Vocab, config.Embed);
        _embeddingGrad = new Tensor<float>(device, config.Vocab, config.Embed);
        for (int k = 0; k < config.Layers; k++)
            _layers.Add(CellCatalog.Create(Config.Cell, device, k == 0 ? config.Embed : _layers[k - 1].OutputSize, config.Hidden, seed * 31 + k, config.HyperValues()));
        // A layer's output can be narrower than its hidden state (a projected LSTM): the next layer and the head read its output.
        Top = _layers[^1].OutputSize;
        double limit = Math.Sqrt(3.0 / Top);
        _outW = Tensor<float>.FromArray(device, Enumerable.Range(0, config.Vocab * Top).Select(_ => (float)((rng.NextDouble() * 2 - 1) * limit)).ToArray(), config.Vocab, Top);
        _outWGrad = new Tensor<float>(device, config.Vocab, Top);
        _outB = new Tensor<float>(device, config.Vocab);
        _outBGrad = new Tensor<float>(device, config.Vocab);
        _state = new Tensor<float>[]?[config.Layers];
        Parameters = BuildParameters();
    }

    public Device Device { get; }
    public CharModelConfig Config { get; }
    public IReadOnlyList<NamedParameter> Parameters { get; }
    public long ParameterCount => Parameters.Sum(p => p.Value.Length);
    public IReadOnlyList<IRnnLayer> Layers => _layers;
    /// <summary>The width of the top layer's output, which the vocabulary projection reads.</summary>
    public int Top { get; }

    private static float[] Normal(Rng rng, int n, double std)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return v;
    }

    private List<NamedParameter> BuildParameters()
    {
        var list = new List<NamedParameter> { new("embedding.weight", _embedding.Shape, _embedding.View, _embeddingGrad.View) };
        for (int k = 0; k < _layers.Count; k++)
            foreach (var p in _layers[k].Parameters.Where(p => p.Learned))
                list.Add(new NamedParameter($"layers.{k}.{p.Name}", p.Shape, _layers[k].ParameterBuffer.SubView(p.Offset, p.Length), _layers[k].GradientBuffer.SubView(p.Offset, p.Length)));
        list.Add(new NamedParameter("output.weight", _outW.Shape, _outW.View, _outWGrad.View));
        list.Add(new NamedParameter("output.bias", _outB.Shape, _outB.View, _outBGrad.View));
        return list;
    }

    /// <summary>The carried state of every layer (null: zeros), as [B, d] tensors per state.</summary>
    public IReadOnlyList<Tensor<float>[]?> State => _state;

    /// <summary>Forgets the carried state: the next call starts from zeros.</summary>
    public void ResetState()
    {
        foreach (var s in _state) if (s is not null) foreach (var t in s) t.Dispose();
        _state = new Tensor<float>[]?[_layers.Count];
    }

    /// <summary>Hands over the carried state (the model starts from zeros after this); give it back with <see cref="RestoreState"/>.</summary>
    public Tensor<float>[]?[] TakeState()
    {
        var taken = _state;
        _state = new Tensor<float>[]?[_layers.Count];
        return taken;
    }

    /// <summary>Puts back a state taken with <see cref="TakeState"/>, disposing the current one.</summary>
    public void RestoreState(Tensor<float>[]?[] state)
    {
        ResetState();
        _state = state;
    }

    /// <summary>Replaces the carried state of layer <paramref name="layer"/> (the model takes ownership of the tensors).</summary>
    public void SetState(int layer, Tensor<float>[]? state)
    {
        if (_state[layer] is { } old) foreach (var t in old) t.Dispose();
        _state[layer] = state;
    }

    public void ZeroGrad()
    {
        _embeddingGrad.View.MemSetToZero();
        _outWGrad.View.MemSetToZero();
        _outBGrad.View.MemSetToZero();
        foreach (var l in _layers) l.ZeroGrad();
    }

    /// <summary>Runs ids [T·B] (time-major) through the model and returns the mean cross-entropy against targets, in nats per character.
    /// With <paramref name="training"/>, dropout is on and the activations are kept for <see cref="Backward"/>. The carried state
    /// advances either way (detached: gradients never flow into an earlier window).</summary>
    public double Forward(int[] ids, int[] targets, int steps, int batch, bool training, Rng? dropoutRng = null)
    {
        if (ids.Length != steps * batch || targets.Length != steps * batch)
            throw new ArgumentException($"Expected {steps}×{batch} = {steps * batch} ids and targets, got {ids.Length} and {targets.Length}.");
        foreach (var id in ids.Concat(targets))
            if ((uint)id >= (uint)Config.Vocab) throw new ArgumentOutOfRangeException(nameof(ids), $"Character id {id} is outside the vocabulary of {Config.Vocab}.");
        bool cellDropout = _layers[0].Spec.Masks is { Length: > 0 };
        if (training && (Config.Dropout > 0 || cellDropout) && dropoutRng is null)
            throw new ArgumentNullException(nameof(dropoutRng), "Training with dropout needs a random generator.");
        ClearActivations();
        _steps = steps;
        _batch = batch;
        _ids = Tensor<int>.FromArray(Device, ids, steps * batch);
        _targets = Tensor<int>.FromArray(Device, targets, steps * batch);
        _embedded = new Tensor<float>(Device, steps, batch, Config.Embed);
        _ops.Gather(_embedding.View, Config.Embed, _ids.View, steps * batch, _embedded.View);
        var x = _embedded;
        if (training) Drop(x, dropoutRng!);
        for (int k = 0; k < _layers.Count; k++)
        {
            // The cell's own masks come from the model's generator too, so a resumed run draws what an uninterrupted one would.
            if (training && cellDropout) _layers[k].SeedMasks(dropoutRng!.NextUInt64());
            var result = _layers[k].Forward(x, _state[k], training);
            SetState(k, result.FinalState);
            x = result.Output;
            _outputs.Add(x);
            if (training) Drop(x, dropoutRng!);
        }
        _logits = new Tensor<float>(Device, steps * batch, Config.Vocab);
        _gemm.Run(false, true, steps * batch, Config.Vocab, Top, 1f, x.View, Top, _outW.View, Top, 0f, _logits.View, Config.Vocab);
        _ops.AddRowVector(_logits.View, steps * batch, Config.Vocab, _outB.View);
        if (training) _logitGrad = new Tensor<float>(Device, steps * batch, Config.Vocab);
        double loss = _ops.SoftmaxCrossEntropy(_logits.View, steps * batch, Config.Vocab, _targets.View, _logitGrad?.View);
        if (!training) ClearActivations();
        return loss;
    }

    private void Drop(Tensor<float> x, Rng rng)
    {
        if (Config.Dropout <= 0) return;
        float keep = 1 - Config.Dropout, scale = 1 / keep;
        var mask = new float[x.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() < keep ? scale : 0f;
        var m = Tensor<float>.FromArray(Device, mask, x.Shape);
        _masks.Add(m);
        _ops.Multiply(x.View, m.View, x.View);
    }

    /// <summary>Backpropagates the last training forward's mean loss into every parameter's gradient (accumulating).</summary>
    public void Backward()
    {
        if (_logitGrad is null || _ids is null || _embedded is null)
            throw new InvalidOperationException("Backward needs a Forward with training: true first.");
        int rows = _steps * _batch;
        var top = _outputs[^1];
        _gemm.Run(true, false, Config.Vocab, Top, rows, 1f, _logitGrad.View, Config.Vocab, top.View, Top, 1f, _outWGrad.View, Top);
        _ops.ColumnSumAdd(_logitGrad.View, rows, Config.Vocab, _outBGrad.View);
        var grad = new Tensor<float>(Device, _steps, _batch, Top);
        _gemm.Run(false, false, rows, Top, Config.Vocab, 1f, _logitGrad.View, Config.Vocab, _outW.View, Top, 0f, grad.View, Top);
        int mask = _masks.Count - 1;
        for (int k = _layers.Count - 1; k >= 0; k--)
        {
            if (Config.Dropout > 0) _ops.Multiply(grad.View, _masks[mask--].View, grad.View);
            var g = _layers[k].Backward(grad);
            grad.Dispose();
            foreach (var s in g.InitialState) s.Dispose(); // the carried state is detached: its gradient stops here
            grad = g.Input;
        }
        if (Config.Dropout > 0) _ops.Multiply(grad.View, _masks[mask--].View, grad.View);
        _ops.ScatterAdd(_embeddingGrad.View, Config.Embed, _ids.View, rows, grad.View);
        grad.Dispose();
        ClearActivations();
    }

    /// <summary>Logits of the last position for each batch row of an inference call: feeds ids [T·B] and returns [B, V] on the host.</summary>
    public float[] NextLogits(int[] ids, int steps, int batch)
    {
        ClearActivations();
        using var idt = Tensor<int>.FromArray(Device, ids, steps * batch);
        var x = new Tensor<float>(Device, steps, batch, Config.Embed);
        _ops.Gather(_embedding.View, Config.Embed, idt.View, steps * batch, x.View);
        for (int k = 0; k < _layers.Count; k++)
        {
            var result = _layers[k].Forward(x, _state[k], training: false);
            SetState(k, result.FinalState);
            x.Dispose();
            x = result.Output;
        }
        using var logits = new Tensor<float>(Device, batch, Config.Vocab);
        var last = x.View.SubView((long)(steps - 1) * batch * Top, (long)batch * Top);
        _gemm.Run(false, true, batch, Config.Vocab, Top, 1f, last, Top, _outW.View, Top, 0f, logits.View, Config.Vocab);
        _ops.AddRowVector(logits.View, batch, Config.Vocab, _outB.View);
        x.Dispose();
        return logits.ToArray();
    }

    private void ClearActivations()
    {
        _ids?.Dispose(); _targets?.Dispose(); _embedded?.Dispose(); _logits?.Dispose(); _logitGrad?.Dispose();
        _ids = null; _targets = null; _embedded = null; _logits = null; _logitGrad = null;
        foreach (var t in _outputs) t.Dispose();
        foreach (var t in _masks) t.Dispose();
        _outputs.Clear();
        _masks.Clear();
    }

    public void Dispose()
    {
        ClearActivations();
        ResetState();
        foreach (var l in _layers) l.Dispose();
        foreach (var t in new[] { _embedding, _embeddingGrad, _outW, _outWGrad, _outB, _outBGrad }) t.Dispose();
    }
}
