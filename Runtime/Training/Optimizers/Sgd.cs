namespace Recur;

/// <summary>Stochastic gradient descent with momentum (0.9 by default, 0 for plain SGD) and optionally Nesterov's look-ahead, as
/// PyTorch's <c>SGD</c>: g += wd·p; v = μ·v + g; p −= lr·(Nesterov ? g + μ·v : v).</summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged
{
    public Sgd(Part model, double learningRate = 0.1) : base(model, learningRate) { }

    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public override string Name => "sgd";
    protected override string[] StateNames { get; } = { "velocity" };

    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().Sgd(p.Value, p.Grad, s[0].View, new SgdStep(LearningRate, Momentum, Nesterov, WeightDecay, gradScale));
}
