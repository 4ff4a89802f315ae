namespace Recur;

/// <summary>Adam (Kingma &amp; Ba 2015) with bias correction; β1 = 0.9, β2 = 0.999, ε = 1e-8. <see cref="WeightDecay"/> is added to
/// the gradient as an L2 term, as in PyTorch's <c>Adam(weight_decay=…)</c>.</summary>
public class Adam<T> : Optimizer<T> where T : unmanaged
{
    public Adam(Part model, double learningRate = 1e-3) : base(model, learningRate) { }

    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;
    public override string Name => "adam";
    protected override string[] StateNames { get; } = { "m", "v" };
    protected virtual bool Decoupled => false;

    protected override void Apply(Parameter<T> p, Tensor<T>[] s, double gradScale) =>
        p.Device.Ops<T>().Adam(p.Value, p.Grad, s[0].View, s[1].View,
            new AdamStep(LearningRate, Beta1, Beta2, Epsilon, Decoupled ? 0 : WeightDecay, Decoupled ? WeightDecay : 0, Step, gradScale));
}

/// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with weight decay decoupled from the gradient, p ← p·(1 − lr·wd) before the
/// Adam step, as PyTorch's <c>AdamW</c> (whose default decay is 0.01; here the caller chooses).</summary>
public sealed class AdamW<T> : Adam<T> where T : unmanaged
{
    public AdamW(Part model, double learningRate = 1e-3) : base(model, learningRate) { }
    public override string Name => "adamw";
    protected override bool Decoupled => true;
}
