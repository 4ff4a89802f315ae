namespace Recur.Cells;

/// <summary>GRU with every bias removed.</summary>
[RnnCell]
public partial class GruNoBias
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        var z = Sigmoid(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        var n = Tanh(Linear<Hidden>(X, bias: false) + r * Linear<Hidden>(H, bias: false));
        Next(H, (1f - z) * n + z * H);
    }
}
