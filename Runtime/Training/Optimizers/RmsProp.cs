namespace Recur;

/// <summary>RMSProp (Tieleman &amp; Hinton 2012) as PyTorch's <c>RMSprop</c>: s = α·s + (1 − α)·g², p −= lr·g/(√s + ε), with
/// α = 0.99, ε = 1e-8, and optional momentum on the scaled step.</summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged
{
    /// <summary>RMSProp (Tieleman and Hinton 2012), optionally with momentum, over the parameters of <paramref name="model"/>.</summary>
    public RmsProp(Part model, double learningRate = 1e-2) : base(model, learningRate) { }

    /// <summary>The decay of the squared-gradient average (default 0.99).</summary>
    public double Alpha { get; init; } = 0.99;
    /// <summary>Added to the average's square root (default 1e-8).</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>The momentum of the update (default 0: none).</summary>
    public double Momentum { get; init; }
    /// <inheritdoc/>
    public override string Name => "rmsprop";
    /// <inheritdoc/>
    protected override string[] StateNames { get; } = { "square", "momentum" };

    /// <inheritdoc/>
    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().RmsProp(p.Value, p.Grad, s[0].View, s[1].View, new RmsPropStep(LearningRate, Alpha, Epsilon, Momentum, WeightDecay, gradScale));
}
