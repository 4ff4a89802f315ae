namespace Recur.Cells;

/// <summary>Grid LSTM (Kalchbrenner et al. 2016) over time and depth: the block at step t of a layer has an LSTM along each axis, and
/// both read the block's hidden vectors, the time LSTM's H from step t − 1 and X from the layer below. The time LSTM carries (C, H)
/// to the next step; the depth LSTM turns the memory of the layer below (DBelow) into this layer's memory D and hidden output Y, which
/// go up. In a LayerStack, X is the layer below's output Y and DBelow its state D (zeros under the first layer).</summary>
[RnnCell]
public partial class GridLstm
{
    [Input] partial Vec<In> X { get; }
    [Input] partial Vec<Hidden> DBelow { get; }
    [State] partial Vec<Hidden> C { get; }
    [State] partial Vec<Hidden> H { get; }
    [State] partial Vec<Hidden> D { get; }
    [State, Output] partial Vec<Hidden> Y { get; }
    /// <summary>Added to the forget gates' pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;

    [Step]
    void Step()
    {
        var i = Sigmoid(Linear<Hidden>(X, H));
        var f = Sigmoid(Linear<Hidden>(X, H) + ForgetBias);
        var g = Tanh(Linear<Hidden>(X, H));
        var o = Sigmoid(Linear<Hidden>(X, H));
        Next(C, f * C + i * g);
        Next(H, o * Tanh(C.Next));
        var di = Sigmoid(Linear<Hidden>(X, H));
        var df = Sigmoid(Linear<Hidden>(X, H) + ForgetBias);
        var dg = Tanh(Linear<Hidden>(X, H));
        var dout = Sigmoid(Linear<Hidden>(X, H));
        Next(D, df * DBelow + di * dg);
        Next(Y, dout * Tanh(D.Next));
    }
}
