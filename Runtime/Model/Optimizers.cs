using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Updates a model's parameters from their gradients. Gradients are clipped to a global norm first (the scale is folded
/// into the update, so no extra pass over them). Its state (moments, step count) is saved with checkpoints.</summary>
public abstract class Optimizer : IDisposable
{
    protected readonly IReadOnlyList<NamedParameter> Params;
    protected readonly IModelOps Ops;

    protected Optimizer(Device device, IReadOnlyList<NamedParameter> parameters)
    {
        Params = parameters;
        Ops = IModelOps.For(device);
    }

    public float LearningRate { get; set; }

    /// <summary>Clip the global gradient norm to this (0: no clipping).</summary>
    public float ClipNorm { get; set; }

    /// <summary>Updates taken so far.</summary>
    public int Step { get; set; }

    /// <summary>The global gradient norm of the last step, before clipping.</summary>
    public double LastGradNorm { get; private set; }

    public static Optimizer Create(string name, Device device, IReadOnlyList<NamedParameter> parameters, float lr) => name.ToLowerInvariant() switch
    {
        "adam" => new Adam(device, parameters) { LearningRate = lr },
        "sgd" => new Sgd(device, parameters) { LearningRate = lr },
        _ => throw new ArgumentException($"Unknown optimizer '{name}'; use adam or sgd."),
    };

    public abstract string Name { get; }

    public void Update()
    {
        double norm = Math.Sqrt(Params.Sum(p => Ops.SquaredNorm(p.Grad)));
        LastGradNorm = norm;
        if (double.IsNaN(norm) || double.IsInfinity(norm))
            throw new InvalidOperationException($"The gradient norm is {norm} at step {Step + 1}: training diverged. Lower the learning rate (--lr) or clip harder.");
        float scale = ClipNorm > 0 && norm > ClipNorm ? (float)(ClipNorm / norm) : 1f;
        Step++;
        Apply(scale);
    }

    protected abstract void Apply(float gradScale);

    /// <summary>The optimizer's state tensors by name (for checkpoints).</summary>
    public abstract IEnumerable<(string Name, Tensor<float> Value)> State { get; }

    public abstract void Dispose();
}

/// <summary>Adam (Kingma &amp; Ba 2015) with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8 by default.</summary>
public sealed class Adam : Optimizer
{
    private readonly Tensor<float>[] _m, _v;

    public Adam(Device device, IReadOnlyList<NamedParameter> parameters) : base(device, parameters)
    {
        _m = parameters.Select(p => new Tensor<float>(device, (int)p.Value.Length)).ToArray();
        _v = parameters.Select(p => new Tensor<float>(device, (int)p.Value.Length)).ToArray();
    }

    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    public override string Name => "adam";

    protected override void Apply(float gradScale)
    {
        for (int i = 0; i < Params.Count; i++)
            Ops.Adam(Params[i].Value, Params[i].Grad, _m[i].View, _v[i].View, LearningRate, Beta1, Beta2, Epsilon, Step, gradScale);
    }

    public override IEnumerable<(string Name, Tensor<float> Value)> State =>
        Params.Select((p, i) => ("adam.m." + p.Name, _m[i])).Concat(Params.Select((p, i) => ("adam.v." + p.Name, _v[i])));

    public override void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
    }
}

/// <summary>Stochastic gradient descent with momentum (0.9 by default).</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor<float>[] _velocity;

    public Sgd(Device device, IReadOnlyList<NamedParameter> parameters) : base(device, parameters) =>
        _velocity = parameters.Select(p => new Tensor<float>(device, (int)p.Value.Length)).ToArray();

    public float Momentum { get; init; } = 0.9f;
    public override string Name => "sgd";

    protected override void Apply(float gradScale)
    {
        for (int i = 0; i < Params.Count; i++) Ops.Sgd(Params[i].Value, Params[i].Grad, _velocity[i].View, LearningRate, Momentum, gradScale);
    }

    public override IEnumerable<(string Name, Tensor<float> Value)> State => Params.Select((p, i) => ("sgd.velocity." + p.Name, _velocity[i]));

    public override void Dispose()
    {
        foreach (var t in _velocity) t.Dispose();
    }
}
