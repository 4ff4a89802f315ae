namespace Recur.Cells;

/// <summary>LSTM with diagonal peephole connections (Gers &amp; Schmidhuber 2000) and optional cell clipping, as TF's
/// <c>LSTMCell(use_peepholes=True, cell_clip=...)</c>: the input and forget gates see c_{t−1}, the output gate sees c_t.
/// <see cref="CellClip"/> limits c to ±CellClip (infinite by default: no clipping).</summary>
[RnnCell]
public partial class PeepholeLstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    /// <summary>Added to the forget gate's pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;
    /// <summary>The cell state is clipped to ±CellClip each step (default: no clipping).</summary>
    [Hyper] public float CellClip { get; init; } = float.PositiveInfinity;

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_i") * C);
        var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_f") * C + ForgetBias);
        var g = Tanh(Linear<Hidden>(X) + Linear<Hidden>(H));
        Next(C, Clip(f * C + i * g, -CellClip, CellClip));
        var o = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H) + Bias<Hidden>(name: "peephole_o") * C.Next);
        Next(H, o * Tanh(C.Next));
    }
}
