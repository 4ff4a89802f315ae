namespace Recur.Cells;

/// <summary>An LSTM decoder with additive attention (Bahdanau et al. 2015): the previous output scores every source position,
/// <c>e_s = vᵀ tanh(W h + U m_s)</c>, and the context <c>c = Σ_s softmax(e)_s m_s</c> joins the input in every gate.
/// <see cref="A"/> holds the step's attention weights.</summary>
[RnnCell]
public partial class BahdanauLstm
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    [State] partial Vec<Src> A { get; }

    [Step]
    void Step()
    {
        var keys = M.Linear<Att>();
        var a = Softmax(Dot(Tanh(keys + Linear<Att>(H, bias: false)), Weight<Att>(name: "v")));
        var c = Context(a, M);
        var i = Sigmoid(Linear<Hidden>(X, c, H));
        var f = Sigmoid(Linear<Hidden>(X, c, H));
        var g = Tanh(Linear<Hidden>(X, c, H));
        var o = Sigmoid(Linear<Hidden>(X, c, H));
        Next(C, f * C + i * g);
        Next(H, o * Tanh(C.Next));
        Next(A, a);
    }
}
