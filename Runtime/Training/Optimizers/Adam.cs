namespace Recur;

/// <summary>Adam (Kingma &amp; Ba 2015) with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8. <see cref="Optimizer{T}.WeightDecay"/> is added to
/// the gradient as an L2 term, as in PyTorch's <c>Adam(weight_decay=…)</c>.</summary>
public class Adam<T> : Optimizer<T> where T : unmanaged
{
    /// <summary>Adam (Kingma and Ba 2015) over the parameters of <paramref name="model"/>, L2 weight decay added to the gradient.</summary>
    public Adam(Part model, double learningRate = 1e-3) : base(model, learningRate) { }

    /// <summary>The decay of the first-moment average (default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>The decay of the second-moment average (default 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Added to the second moment's square root (default 1e-8).</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <inheritdoc/>
    public override string Name => "adam";
    /// <inheritdoc/>
    protected override string[] StateNames { get; } = { "m", "v" };
    /// <summary>True when weight decay shrinks the weights directly instead of joining the gradient (AdamW).</summary>
    protected virtual bool Decoupled => false;

    /// <inheritdoc/>
    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().Adam(p.Value, p.Grad, s[0].View, s[1].View,
            new AdamStep(LearningRate, Beta1, Beta2, Epsilon, Decoupled ? 0 : WeightDecay, Decoupled ? WeightDecay : 0, Step, gradScale));
}

/// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with weight decay decoupled from the gradient, p ← p·(1 − lr·wd) before the
/// Adam step, as PyTorch's <c>AdamW</c> (whose default decay is 0.01; here the caller chooses).</summary>
public sealed class AdamW<T> : Adam<T> where T : unmanaged
{
    /// <summary>AdamW (Loshchilov and Hutter 2019): Adam with weight decay decoupled from the gradient.</summary>
    public AdamW(Part model, double learningRate = 1e-3) : base(model, learningRate) { }
    /// <inheritdoc/>
    public override string Name => "adamw";
    /// <inheritdoc/>
    protected override bool Decoupled => true;
}
