namespace Recur;

/// <summary>Stochastic gradient descent with momentum (0.9 by default, 0 for plain SGD) and optionally Nesterov's look-ahead, as
/// PyTorch's <c>SGD</c>: g += wd·p; v = μ·v + g; p −= lr·(Nesterov ? g + μ·v : v).</summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged
{
    /// <summary>Stochastic gradient descent with momentum over the parameters of <paramref name="model"/>.</summary>
    public Sgd(Part model, double learningRate = 0.1) : base(model, learningRate) { }

    /// <summary>The momentum (default 0.9; 0 for plain SGD).</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>True for Nesterov momentum.</summary>
    public bool Nesterov { get; init; }
    /// <inheritdoc/>
    public override string Name => "sgd";
    /// <inheritdoc/>
    protected override string[] StateNames { get; } = { "velocity" };

    /// <inheritdoc/>
    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().Sgd(p.Value, p.Grad, s[0].View, new SgdStep(LearningRate, Momentum, Nesterov, WeightDecay, gradScale));
}
