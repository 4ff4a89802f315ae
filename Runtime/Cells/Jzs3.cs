namespace Recur.Cells;

/// <summary>JZS3 (Jozefowicz, Zaremba &amp; Sutskever 2015): z = σ(Wxz x + Whz tanh(h) + bz), r = σ(Wxr x + Whr h + br),
/// h' = tanh(Whh(r ⊙ h) + Wxh x + bh) ⊙ z + h ⊙ (1 − z).</summary>
[RnnCell]
public partial class Jzs3
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var z = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(Tanh(H)));
        var r = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H));
        Next(H, Tanh(Linear<Hidden>(r * H) + Linear<Hidden>(X)) * z + H * (1f - z));
    }
}
