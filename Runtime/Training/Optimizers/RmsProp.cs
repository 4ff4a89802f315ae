namespace Recur;

/// <summary>RMSProp (Tieleman &amp; Hinton 2012) as PyTorch's <c>RMSprop</c>: s = α·s + (1 − α)·g², p −= lr·g/(√s + ε), with
/// α = 0.99, ε = 1e-8, and optional momentum on the scaled step.</summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged
{
    public RmsProp(Part model, double learningRate = 1e-2) : base(model, learningRate) { }

    public double Alpha { get; init; } = 0.99;
    public double Epsilon { get; init; } = 1e-8;
    public double Momentum { get; init; }
    public override string Name => "rmsprop";
    protected override string[] StateNames { get; } = { "square", "momentum" };

    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().RmsProp(p.Value, p.Grad, s[0].View, s[1].View, new RmsPropStep(LearningRate, Alpha, Epsilon, Momentum, WeightDecay, gradScale));
}
