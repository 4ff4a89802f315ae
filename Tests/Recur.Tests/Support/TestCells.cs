namespace Recur.Tests;

/// <summary>A user dimension for <see cref="GatedRelu"/>'s gate.</summary>
public sealed class Gate : IDim { }

/// <summary>A cell the library does not ship, written as a user would: it exercises Relu, Exp, division, a learned Bias,
/// an identity-initialized product of an intermediate (two segments), a hyperparameter and a user-declared dimension.</summary>
[RnnCell]
public partial class GatedRelu
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    [State] partial Vec<Gate> S { get; }
    [Hyper] public float Leak { get; init; } = 0.1f;

    [Step]
    void Step()
    {
        var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H, bias: false) + Bias<Hidden>(init: Init.Constant(1f)));
        var s = Tanh(Linear<Gate>(X) + Linear<Gate>(S));
        var candidate = Relu(Linear<Hidden>(X, init: Init.Normal(0.1f)) + Linear<Hidden>(f * H, init: Init.Identity(0.5f)) + Linear<Hidden>(s)) - Leak * H;
        var scale = Exp(Linear<Hidden>(S, bias: false)) / (1f + Exp(Linear<Hidden>(S, bias: false)));
        Next(S, s);
        Next(H, (1f - f) * H + f * candidate * scale);
    }
}

/// <summary>Elman RNN written with the concatenation form W·[x; h] + b.</summary>
[RnnCell]
public partial class ConcatRnn
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step() => Next(H, Tanh(Linear<Hidden>(X, H)));
}

/// <summary>One step of the unitary DFT: (Re, Im) ← F (x + i·Im).</summary>
[RnnCell]
public partial class DftProbe
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<In> Im { get; }
    [State, Output] partial Vec<In> Re { get; }

    [Step]
    void Step()
    {
        Next(Re, DftRe(X, Im));
        Next(Im, DftIm(X, Im));
    }
}

/// <summary>One step of the permuted inverse DFT: (Re, Im) ← F⁻¹ Π (x + i·Im).</summary>
[RnnCell]
public partial class PermutedIdftProbe
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<In> Im { get; }
    [State, Output] partial Vec<In> Re { get; }

    [Step]
    void Step()
    {
        Next(Re, IdftRe(X, Im, permute: true));
        Next(Im, IdftIm(X, Im, permute: true));
    }
}

/// <summary>A helper method inlined twice: each call gets parameters of its own.</summary>
[RnnCell]
public partial class HelperRnn
{
    [Input] partial Vec<In> X { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    Vec<Hidden> Mix(Vec<Hidden> h)
    {
        var g = Sigmoid(Linear<Hidden>(X));
        return g * Tanh(Linear<Hidden>(h, bias: false));
    }

    [Step]
    void Step() => Next(H, Mix(H) - Mix(H * 0.5f));
}

/// <summary>A cell reading two sequences, whose second input is not named after a state of the layer below.</summary>
[RnnCell]
public partial class TwoInputs
{
    [Input] partial Vec<In> X { get; }
    [Input] partial Vec<Hidden> Side { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step() => Next(H, Tanh(Linear<Hidden>(X, H) + Side));
}
