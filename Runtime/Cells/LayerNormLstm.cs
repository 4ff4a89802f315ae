namespace Recur.Cells;

/// <summary>Layer-normalized LSTM (Ba, Kiros &amp; Hinton 2016): each gate's pre-activation and the cell state are normalized.</summary>
[RnnCell]
public partial class LayerNormLstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    /// <summary>Added to the forget gate's pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;

    [Step]
    void Step()
    {
        var i = Sigmoid(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)));
        var j = Tanh(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)));
        var f = Sigmoid(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)) + ForgetBias);
        var o = Sigmoid(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)));
        Next(C, C * f + i * j);
        Next(H, Tanh(LayerNorm(C.Next)) * o);
    }
}
