namespace Recur.Cells;

/// <summary>GRU with skip connections in time (seed 000's <c>skipNeuronNumber</c>, here k = 3): the input x_t also reaches steps
/// t+1 and t+2 through a learned projection P, carried in two delay states: ñ = tanh(W x_t + r ⊙ (U h + b) + P x_{t−1} + P x_{t−2}).
/// Another k is written with k − 1 delay states.</summary>
[RnnCell]
public partial class SkipGru
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> Skip1 { get; }
    [State] partial Vec<Hidden> Skip2 { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X) + r * Linear<Hidden>(H) + Skip1 + Skip2);
        Next(Skip1, Linear<Hidden>(X, bias: false, name: "skip"));
        Next(Skip2, Skip1);
        Next(H, (1f - z) * n + z * H);
    }
}
