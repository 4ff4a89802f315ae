using Recur;

namespace RecurCell;

/// <summary>The minimal gated unit (Zhou et al. 2016): one forget gate f decides both how much of h to read and how much to keep.
/// Change an equation and rebuild: the generator derives the new backward pass and kernels, the analyzers check it as you type.</summary>
[RnnCell]
public partial class MinimalGatedUnit
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X) + Linear<Hidden>(f * H));
        Next(H, (1f - f) * H + f * n);
    }
}
