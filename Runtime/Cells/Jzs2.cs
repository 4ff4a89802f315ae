namespace Recur.Cells;

/// <summary>JZS2 (Jozefowicz, Zaremba &amp; Sutskever 2015): z = σ(Wxz x + Whz h + bz), r = σ(x + Whr h + br),
/// h' = tanh(Whh(r ⊙ h) + Wxh x + bh) ⊙ z + h ⊙ (1 − z). The paper adds x directly to r's pre-activation, which needs In = Hidden;
/// here x is projected, as in JZS1.</summary>
[RnnCell]
public partial class Jzs2
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var z = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        var r = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        Next(H, Tanh(Linear<Hidden>(r * H) + Linear<Hidden>(X)) * z + H * (1f - z));
    }
}
