namespace Recur.Cells;

/// <summary>HyperLSTM (Ha, Dai &amp; Le 2016, as in the seed 003 code): a small hyper LSTM (<see cref="HyperUnits"/>) reads [x; h]
/// and each step emits embeddings z (<see cref="Embed"/>) that scale the main LSTM's input and recurrent products row-wise
/// (hyper_norm) and give their biases (hyper_bias). Gates and the cell are layer-normalized; <see cref="RecurrentDropout"/> drops the
/// candidate in training (recurrent dropout without memory loss, Semeniuta et al. 2016). The hyper LSTM's state is part of the
/// cell's state.</summary>
[RnnCell]
public partial class HyperLstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<HyperUnits> HyperC { get; }
    [State] partial Vec<HyperUnits> HyperH { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    /// <summary>Added to the forget gate's pre-activation so the cell starts by keeping its memory (default 1).</summary>
    [Hyper] public float ForgetBias { get; init; } = 1f;
    /// <summary>The rate of dropout on the candidate; the seed's keep probability 0.9 is 0.1 here.</summary>
    [Hyper] public float RecurrentDropout { get; init; } = 0f;

    /// <summary>hyper_norm: the product scaled row-wise by α(z_w), with z_w = W ĥ + b starting at 1 (weights 0, bias 1) and α's
    /// weights at 0.1 / embedding size (0.025 for the default 4).</summary>
    Vec<Hidden> HyperNorm(Vec<Hidden> product, Vec<HyperUnits> hyper)
    {
        var zw = Linear<Embed>(hyper, init: Init.Zeros, biasInit: Init.Ones);
        return Linear<Hidden>(zw, bias: false, init: Init.Constant(0.025f)) * product;
    }

    /// <summary>hyper_bias: β(z_b), with z_b = W ĥ (small Gaussian, no bias) and β's weights at 0; plus the gate's own bias.</summary>
    Vec<Hidden> HyperBias(Vec<HyperUnits> hyper) => Linear<Hidden>(Linear<Embed>(hyper, bias: false, init: Init.Normal(0.01f)), init: Init.Zeros);

    /// <summary>One gate's layer-normalized pre-activation.</summary>
    Vec<Hidden> Gate(Vec<HyperUnits> hyper) =>
        LayerNorm(HyperNorm(Linear<Hidden>(X, bias: false), hyper) + HyperNorm(Linear<Hidden>(H, bias: false), hyper) + HyperBias(hyper));

    [Step]
    void Step()
    {
        // The hyper LSTM over [x; h].
        var hi = Sigmoid(Linear<HyperUnits>(X, H, HyperH));
        var hg = Tanh(Linear<HyperUnits>(X, H, HyperH));
        var hf = Sigmoid(Linear<HyperUnits>(X, H, HyperH) + ForgetBias);
        var ho = Sigmoid(Linear<HyperUnits>(X, H, HyperH));
        Next(HyperC, hf * HyperC + hi * hg);
        Next(HyperH, ho * Tanh(HyperC.Next));

        // The main LSTM, its products scaled by the hyper LSTM's new output.
        var i = Sigmoid(Gate(HyperH.Next));
        var j = Dropout(Tanh(Gate(HyperH.Next)), RecurrentDropout);
        var f = Sigmoid(Gate(HyperH.Next) + ForgetBias);
        var o = Sigmoid(Gate(HyperH.Next));
        Next(C, f * C + i * j);
        Next(H, Tanh(LayerNorm(C.Next)) * o);
    }
}
