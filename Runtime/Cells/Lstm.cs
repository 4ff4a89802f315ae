namespace Recur.Cells;

/// <summary>LSTM (Hochreiter &amp; Schmidhuber 1997; Gers et al. 2000) with a forget-gate bias added at run time,
/// gates laid out as PyTorch's nn.LSTM (i, f, g, o; one bias per input and per recurrent product).</summary>
[RnnCell]
public partial class Lstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    /// <summary>Added to the forget gate's pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + ForgetBias);
        var g = Tanh(Linear<Hidden>(X) + Linear<Hidden>(H));
        var o = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        Next(C, f * C + i * g);
        Next(H, o * Tanh(C.Next));
    }
}
