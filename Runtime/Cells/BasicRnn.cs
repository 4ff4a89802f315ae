namespace Recur.Cells;

/// <summary>Elman RNN with tanh: h' = tanh(W x + b + U h + c).</summary>
[RnnCell]
public partial class BasicRnn
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H)));
    }
}
