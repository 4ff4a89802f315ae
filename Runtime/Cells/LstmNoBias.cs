namespace Recur.Cells;

/// <summary>LSTM with every bias removed (no forget-gate bias either).</summary>
[RnnCell]
public partial class LstmNoBias
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        var f = Sigmoid(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        var g = Tanh(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        var o = Sigmoid(Linear<Hidden>(X, bias: false) + Linear<Hidden>(H, bias: false));
        Next(C, f * C + i * g);
        Next(H, o * Tanh(C.Next));
    }
}
