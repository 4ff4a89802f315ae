namespace Recur.Cells;

/// <summary>GRU (Cho et al. 2014) in PyTorch's form: the reset gate scales the recurrent product including its bias.</summary>
[RnnCell]
public partial class Gru
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var r = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X) + r * Linear<Hidden>(H));
        Next(H, (1f - z) * n + z * H);
    }
}
