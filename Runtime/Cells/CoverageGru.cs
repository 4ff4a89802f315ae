namespace Recur.Cells;

/// <summary>A GRU decoder with location-aware additive attention that sees its own coverage (Tu et al. 2016; See et al. 2017):
/// <c>Cov</c> sums the attention each source position has had so far, and enters every score, <c>e_s = vᵀ tanh(W h + U m_s + w cov_s)</c>,
/// so the decoder can learn not to attend to a word twice. <see cref="A"/> holds the step's attention weights.</summary>
[RnnCell]
public partial class CoverageGru
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    [State] partial Vec<Src> A { get; }
    [State] partial Vec<Src> Cov { get; }

    [Step]
    void Step()
    {
        var keys = M.Linear<Att>();
        var location = Outer(Cov, Weight<Att>(name: "wc"));
        var a = Softmax(Dot(Tanh(keys + location + Linear<Att>(H, bias: false)), Weight<Att>(name: "v")));
        var c = Context(a, M);
        var r = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X, c) + r * Linear<Hidden>(H));
        Next(H, (1f - z) * n + z * H);
        Next(A, a);
        Next(Cov, Cov + a);
    }
}
