namespace Recur.Cells;

/// <summary>A GRU decoder with Luong et al.'s (2015) global attention after the update, scored with the general score <c>hᵀ W m_s</c> (<c>W m_s</c> once per sequence): the context
/// <c>c = Σ_s softmax(score)_s m_s</c> and the new state make the attentional state <c>h̃ = tanh(W [c; h])</c>, the layer's output, which
/// the next step reads beside its input (input feeding). <see cref="A"/> holds the step's attention weights.</summary>
[RnnCell]
public partial class LuongGeneralGru
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State] partial Vec<Hidden> H { get; }
    [State, Output] partial Vec<Hidden> Attn { get; }
    [State] partial Vec<Src> A { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(Linear<Hidden>(X, Attn) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X, Attn) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X, Attn) + r * Linear<Hidden>(H));
        Next(H, (1f - z) * n + z * H);
        var a = Softmax(Dot(M.Linear<Hidden>(bias: false), H.Next));
        Next(A, a);
        Next(Attn, Tanh(Linear<Hidden>(Context(a, M), H.Next, bias: false)));
    }
}
