namespace Recur.Cells;

/// <summary>HyperLSTM (Ha, Dai &amp; Le 2016, as in the seed 003 code): a small hyper LSTM (<see cref="HyperUnits"/>) reads [x; h]
/// and each step emits embeddings z (<see cref="Embed"/>) that scale the main LSTM's input and recurrent products row-wise
/// (hyper_norm: α(z_w) ⊙ W x, with z_w starting at 1 and α's weights at 0.1 / 4) and give their biases (hyper_bias: β(z_b)).
/// Gates and the cell are layer-normalized; <see cref="RecurrentDropout"/> drops the candidate in training. The hyper LSTM's state is
/// part of the cell's state.</summary>
[RnnCell]
public partial class HyperLstm
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<HyperUnits> HyperC { get; }
    [State] partial Vec<HyperUnits> HyperH { get; }
    [State] partial Vec<Hidden> C { get; }
    [State, Output] partial Vec<Hidden> H { get; }
    [Hyper] public float ForgetBias { get; init; } = 1f;
    /// <summary>Recurrent dropout without memory loss (Semeniuta et al. 2016) on the candidate j; the seed's keep probability 0.9 is 0.1 here.</summary>
    [Hyper] public float RecurrentDropout { get; init; } = 0f;

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

        // Embeddings: z_w (weights 0, bias 1) scale a product, z_b (small Gaussian, no bias) make a bias.
        var zix = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zih = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zib = Linear<Embed>(HyperH.Next, bias: false, init: Init.Normal(0.01f));
        var zjx = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zjh = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zjb = Linear<Embed>(HyperH.Next, bias: false, init: Init.Normal(0.01f));
        var zfx = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zfh = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zfb = Linear<Embed>(HyperH.Next, bias: false, init: Init.Normal(0.01f));
        var zox = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zoh = Linear<Embed>(HyperH.Next, init: Init.Zeros, biasInit: Init.Ones);
        var zob = Linear<Embed>(HyperH.Next, bias: false, init: Init.Normal(0.01f));

        // The main LSTM: each product scaled by its α(z_w), plus β(z_b) and a bias; then layer norm per gate.
        var i = Sigmoid(LayerNorm(Linear<Hidden>(zix, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(X, bias: false)
                                + Linear<Hidden>(zih, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(H, bias: false)
                                + Linear<Hidden>(zib, init: Init.Zeros)));
        var j = Dropout(Tanh(LayerNorm(Linear<Hidden>(zjx, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(X, bias: false)
                             + Linear<Hidden>(zjh, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(H, bias: false)
                             + Linear<Hidden>(zjb, init: Init.Zeros))), RecurrentDropout);
        var f = Sigmoid(LayerNorm(Linear<Hidden>(zfx, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(X, bias: false)
                                + Linear<Hidden>(zfh, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(H, bias: false)
                                + Linear<Hidden>(zfb, init: Init.Zeros)) + ForgetBias);
        var o = Sigmoid(LayerNorm(Linear<Hidden>(zox, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(X, bias: false)
                                + Linear<Hidden>(zoh, bias: false, init: Init.Constant(0.025f)) * Linear<Hidden>(H, bias: false)
                                + Linear<Hidden>(zob, init: Init.Zeros)));
        Next(C, f * C + i * j);
        Next(H, Tanh(LayerNorm(C.Next)) * o);
    }
}
