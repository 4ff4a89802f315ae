namespace Recur.Cells;

/// <summary>A GRU decoder with additive attention (Bahdanau et al. 2015): before the update, the previous state scores every source
/// position, <c>e_s = vᵀ tanh(W h + U m_s)</c>, and the context <c>c = Σ_s softmax(e)_s m_s</c> joins the input in every gate.
/// <see cref="A"/> holds the attention weights of the step (what coverage penalties and alignment plots read).</summary>
[RnnCell]
public partial class BahdanauGru
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    [State] partial Vec<Src> A { get; }

    [Step]
    void Step()
    {
        var keys = M.Linear<Att>();
        var scores = Dot(Tanh(keys + Linear<Att>(H, bias: false)), Weight<Att>(name: "v"));
        var a = Softmax(scores);
        var c = Context(a, M);
        var r = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X, c) + r * Linear<Hidden>(H));
        Next(H, (1f - z) * n + z * H);
        Next(A, a);
    }
}
