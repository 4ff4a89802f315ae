namespace Recur.Cells;

/// <summary>An LSTM decoder with Luong et al.'s (2015) global attention after the update, scored with the concat score <c>vᵀ tanh(W [h; m_s])</c> (the memory's half once per sequence): the context
/// <c>c = Σ_s softmax(score)_s m_s</c> and the new state make the attentional state <c>h̃ = tanh(W [c; h])</c>, the layer's output, which
/// the next step reads beside its input (input feeding). <see cref="A"/> holds the step's attention weights.</summary>
[RnnCell]
public partial class LuongConcatLstm
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State] partial Vec<Hidden> C { get; }
    [State] partial Vec<Hidden> H { get; }
    [State, Output] partial Vec<Hidden> Attn { get; }
    [State] partial Vec<Src> A { get; }

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X, Attn, H));
        var f = Sigmoid(Linear<Hidden>(X, Attn, H));
        var g = Tanh(Linear<Hidden>(X, Attn, H));
        var o = Sigmoid(Linear<Hidden>(X, Attn, H));
        Next(C, f * C + i * g);
        Next(H, o * Tanh(C.Next));
        var a = Softmax(Dot(Tanh(M.Linear<Att>() + Linear<Att>(H.Next, bias: false)), Weight<Att>(name: "v")));
        Next(A, a);
        Next(Attn, Tanh(Linear<Hidden>(Context(a, M), H.Next, bias: false)));
    }
}
