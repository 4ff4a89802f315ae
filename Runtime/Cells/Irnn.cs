namespace Recur.Cells;

/// <summary>IRNN (Le, Jaitly &amp; Hinton 2015): a ReLU RNN whose recurrent weight starts as the identity, input weights small
/// Gaussian (σ = 0.001), biases zero: h' = relu(W x + b + U h). <see cref="IdentityScale"/> scales the initial identity
/// (the paper's 1 by default; below 1 for long or carried sequences, where the identity lets activations grow).</summary>
[RnnCell]
public partial class Irnn
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    /// <summary>The scale of the identity the recurrent weight starts as (Le et al. 2015 use 1).</summary>
    [Hyper] public float IdentityScale { get; init; } = 1f;

    [Step]
    void Step()
    {
        Next(H, Relu(Linear<Hidden>(X, init: Init.Normal(0.001f)) + Linear<Hidden>(H, bias: false, init: Init.Identity(IdentityScale))));
    }
}
