namespace Recur.Cells;

/// <summary>The r2rt tutorial's custom cell ("Recurrent Neural Networks in Tensorflow II"): a GRU whose candidate reads a
/// softmax-weighted mixture of three input transforms, Σᵢ λᵢ Wᵢ x with λ = softmax(W_λ [x; h] + b_λ); gate biases start at 1.</summary>
[RnnCell]
public partial class MultiTransformGru
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(Linear<Hidden>(X, H, biasInit: Init.Ones));
        var u = Sigmoid(Linear<Hidden>(X, H, biasInit: Init.Ones));
        var lambda = Softmax(Linear<Transforms>(X, H));
        var mixed = lambda[0] * Linear<Hidden>(X, bias: false) + lambda[1] * Linear<Hidden>(X, bias: false) + lambda[2] * Linear<Hidden>(X, bias: false);
        var c = Tanh(mixed + Linear<Hidden>(r * H));
        Next(H, u * H + (1f - u) * c);
    }
}
