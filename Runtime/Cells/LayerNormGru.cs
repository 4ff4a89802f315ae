namespace Recur.Cells;

/// <summary>Layer-normalized GRU (Ba, Kiros &amp; Hinton 2016): layer norm on each gate's pre-activation, and on the input and
/// recurrent parts of the candidate separately, so the reset gate still scales the normalized recurrent part.</summary>
[RnnCell]
public partial class LayerNormGru
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)));
        var z = Sigmoid(LayerNorm(Linear<Hidden>(X) + Linear<Hidden>(H)));
        var n = Tanh(LayerNorm(Linear<Hidden>(X)) + r * LayerNorm(Linear<Hidden>(H)));
        Next(H, (1f - z) * n + z * H);
    }
}
