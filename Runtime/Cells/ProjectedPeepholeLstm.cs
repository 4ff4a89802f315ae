namespace Recur.Cells;

/// <summary><see cref="PeepholeLstm"/> with a projection of the output (Sak et al. 2014; TF's <c>LSTMCell(num_proj=...,
/// proj_clip=...)</c>): h = W_proj (o ⊙ tanh c), of dimension <see cref="Proj"/>, is both the output and what the gates read back.</summary>
[RnnCell]
public partial class ProjectedPeepholeLstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Proj> H { get; }
    /// <summary>Added to the forget gate's pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;
    /// <summary>The cell state is clipped to ±CellClip each step (default: no clipping).</summary>
    [Hyper] public float CellClip { get; init; } = float.PositiveInfinity;
    /// <summary>The projected output is clipped to ±ProjClip each step (default: no clipping).</summary>
    [Hyper] public float ProjClip { get; init; } = float.PositiveInfinity;

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_i") * C);
        var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_f") * C + ForgetBias);
        var g = Tanh(Linear<Hidden>(X) + Linear<Hidden>(H));
        Next(C, Clip(f * C + i * g, -CellClip, CellClip));
        var o = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_o") * C.Next);
        Next(H, Clip(Linear<Proj>(o * Tanh(C.Next), bias: false, name: "projection"), -ProjClip, ProjClip));
    }
}
