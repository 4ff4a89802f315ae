using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Recur;

/// <summary>Updates a model's trainable (not frozen) parameters from their gradients, after clipping them to a global norm (the
/// scale is folded into the update: no extra pass). Parameters are looked up at every step, so a part that takes its input size from
/// its first call, or a parameter frozen or unfrozen between steps, is handled. Its state (moments, step count) is saved with
/// checkpoints under names like <c>adam.m.layers.0.i.X.weight</c>.</summary>
public abstract class Optimizer<T> : IDisposable where T : unmanaged
{
    private readonly Dictionary<string, Tensor<T>[]> _state = new();

    /// <summary>An optimizer over the parameters of <paramref name="model"/> at <paramref name="learningRate"/>.</summary>
    protected Optimizer(Part model, double learningRate)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"The learning rate must be positive, not {learningRate}.");
        LearningRate = learningRate;
    }

    /// <summary>The part whose parameters are trained (looked up again each step, so parts built on their first call are included).</summary>
    public Part Model { get; }

    /// <summary>The rate of the next update (a schedule sets it each step).</summary>
    public double LearningRate { get; set; }

    /// <summary>Clip the global gradient norm to this (0: no clipping).</summary>
    public double ClipNorm { get; set; }

    /// <summary>Weight decay: an L2 term in the gradient for Adam, SGD and RMSProp (as PyTorch's weight_decay), decoupled for AdamW.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Updates taken so far.</summary>
    public int Step { get; set; }

    /// <summary>The global gradient norm of the last update, before clipping.</summary>
    public double LastGradNorm { get; private set; }

    /// <summary>The name in command lines and checkpoints (adam, adamw, sgd, rmsprop).</summary>
    public abstract string Name { get; }

    /// <summary>The names of the tensors it keeps per parameter (m and v for Adam).</summary>
    protected abstract string[] StateNames { get; }

    /// <summary>Clips and applies the gradients; throws when their norm is not finite (training diverged).</summary>
    public void Update()
    {
        var ps = Trainable();
        double squared = 0;
        foreach (var (_, p) in ps) squared += p.Device.Ops<T>().SquaredNorm(p.Grad);
        double norm = Math.Sqrt(squared);
        LastGradNorm = norm;
        if (!double.IsFinite(norm))
            throw new InvalidOperationException($"The gradient norm is {norm} at step {Step + 1}: training diverged. Lower the learning rate or clip the gradient norm harder.");
        double scale = ClipNorm > 0 && norm > ClipNorm ? ClipNorm / norm : 1;
        Step++;
        foreach (var (name, p) in ps) Apply(p, StateOf(name, p), scale);
    }

    /// <summary>One update of <paramref name="p"/> with its state tensors, reading its gradient times <paramref name="gradScale"/>.</summary>
    protected abstract void Apply(Parameter<T> p, Tensor<T>[] state, double gradScale);

    private List<(string Name, Parameter<T> P)> Trainable() => Model.Parameters.Where(p => !p.Frozen).Select(p => (p.Name, p.Parameter as Parameter<T>
        ?? throw new InvalidOperationException($"Parameter '{p.Name}' is {p.Parameter.ElementType.Name}, but this optimizer updates {typeof(T).Name}: a model computes in one precision."))).ToList();

    private Tensor<T>[] StateOf(string name, Parameter<T> p)
    {
        if (!_state.TryGetValue(name, out var s))
            _state[name] = s = StateNames.Select(_ => new Tensor<T>(p.Device, p.Shape)).ToArray();
        return s;
    }

    /// <summary>The state tensors by checkpoint name, created (as zeros) for every trainable parameter that has none yet.</summary>
    public IEnumerable<(string Name, Tensor<T> Value)> State =>
        Trainable().SelectMany(p => StateOf(p.Name, p.P).Select((t, i) => ($"{Name}.{StateNames[i]}.{p.Name}", t))).ToList();

    /// <summary>Loads the state saved by a checkpoint; a trainable parameter whose state is missing is an error naming it.</summary>
    public void LoadState(IReadOnlyDictionary<string, SafeTensors.Entry> tensors, string file)
    {
        foreach (var (name, value) in State)
        {
            if (!tensors.TryGetValue(name, out var t))
                throw new InvalidDataException($"{file} has no tensor '{name}': it was written by another optimizer or for another model (optimizer here: {Name}).");
            if (!t.Shape.SequenceEqual(value.Shape))
                throw new InvalidDataException($"{file}: tensor '{name}' is {Tensor<T>.Text(t.Shape)} but the model needs {value.ShapeText}.");
            value.CopyFrom(t.Data is T[] same ? same : (t.Data as float[])?.Select(v => Scalar<T>.From(v)).ToArray() ?? ((double[])t.Data).Select(Scalar<T>.From).ToArray());
        }
    }

    /// <summary>Makes the optimizer a command line names.</summary>
    public static Optimizer<T> Create(string name, Part model, double learningRate, double weightDecay = 0) => name.ToLowerInvariant() switch
    {
        "adam" => new Adam<T>(model, learningRate) { WeightDecay = weightDecay },
        "adamw" => new AdamW<T>(model, learningRate) { WeightDecay = weightDecay },
        "sgd" => new Sgd<T>(model, learningRate) { WeightDecay = weightDecay },
        "rmsprop" => new RmsProp<T>(model, learningRate) { WeightDecay = weightDecay },
        _ => throw new ArgumentException($"Unknown optimizer '{name}'; use one of {string.Join(", ", Names)}."),
    };

    /// <summary>Every optimizer name the command lines accept.</summary>
    public static readonly string[] Names = { "adam", "adamw", "sgd", "rmsprop" };

    /// <summary>Frees the optimizer's state tensors.</summary>
    public void Dispose()
    {
        foreach (var s in _state.Values) foreach (var t in s) t.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
