namespace Recur.Cells;

/// <summary>JZS1, the first GRU mutant of Jozefowicz, Zaremba &amp; Sutskever (2015):
/// z = σ(Wxz x + bz), r = σ(Wxr x + br), h' = tanh(Whh(r ⊙ h) + tanh(Wx x) + bh) ⊙ z + h ⊙ (1 − z).
/// The paper adds tanh(x) directly, which needs In = Hidden; as in Keras's JZS1, x is projected first.</summary>
[RnnCell]
public partial class Jzs1
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var z = Sigmoid(Linear<Hidden>(X));
        var r = Sigmoid(Linear<Hidden>(X));
        Next(H, Tanh(Linear<Hidden>(r * H) + Tanh(Linear<Hidden>(X))) * z + H * (1f - z));
    }
}
