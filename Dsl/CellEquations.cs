namespace Recur;

/// <summary>The operations a cell's <c>[Step]</c> method is written with. The generator makes every <c>[RnnCell]</c>
/// class derive from this; the methods only give the equations their types and are never called.</summary>
public abstract class CellEquations
{
    /// <summary>A learned affine map <c>W·x + b</c> into dimension <typeparamref name="TOut"/>; every call site owns its weight.</summary>
    /// <param name="x">The vector to transform (any dimension).</param>
    /// <param name="bias">Whether the map has a learned bias.</param>
    /// <param name="init">The weight's initializer (default: orthogonal for a state, uniform unit scaling otherwise).</param>
    /// <param name="biasInit">The bias's initializer (default: zeros).</param>
    /// <param name="name">The parameter name to use instead of the one derived from the equation.</param>
    protected static Vec<TOut> Linear<TOut>(IVec x, bool bias = true, Init? init = null, Init? biasInit = null, string? name = null)
        where TOut : IDim => default;

    /// <summary>A learned affine map of the concatenation [x1; x2]: <c>W·[x1; x2] + b</c>, one weight block per operand.</summary>
    protected static Vec<TOut> Linear<TOut>(IVec x1, IVec x2, bool bias = true, Init? init = null, Init? biasInit = null, string? name = null)
        where TOut : IDim => default;

    /// <summary>A learned affine map of the concatenation [x1; x2; x3].</summary>
    protected static Vec<TOut> Linear<TOut>(IVec x1, IVec x2, IVec x3, bool bias = true, Init? init = null, Init? biasInit = null, string? name = null)
        where TOut : IDim => default;

    /// <summary>Logistic sigmoid, elementwise.</summary>
    protected static Vec<D> Sigmoid<D>(Vec<D> x) where D : IDim => default;
    /// <summary>Hyperbolic tangent, elementwise.</summary>
    protected static Vec<D> Tanh<D>(Vec<D> x) where D : IDim => default;
    /// <summary>max(x, 0), elementwise.</summary>
    protected static Vec<D> Relu<D>(Vec<D> x) where D : IDim => default;
    /// <summary>e^x, elementwise.</summary>
    protected static Vec<D> Exp<D>(Vec<D> x) where D : IDim => default;

    /// <summary>sin x, elementwise.</summary>
    protected static Vec<D> Sin<D>(Vec<D> x) where D : IDim => default;
    /// <summary>cos x, elementwise.</summary>
    protected static Vec<D> Cos<D>(Vec<D> x) where D : IDim => default;
    /// <summary>√x, elementwise.</summary>
    protected static Vec<D> Sqrt<D>(Vec<D> x) where D : IDim => default;

    /// <summary>The smaller of a and b, elementwise; the gradient goes to the smaller one.</summary>
    protected static Vec<D> Min<D>(Vec<D> a, Vec<D> b) where D : IDim => default;
    /// <inheritdoc cref="Min{D}(Vec{D}, Vec{D})"/>
    protected static Vec<D> Min<D>(Vec<D> a, float b) where D : IDim => default;
    /// <summary>The larger of a and b, elementwise; the gradient goes to the larger one.</summary>
    protected static Vec<D> Max<D>(Vec<D> a, Vec<D> b) where D : IDim => default;
    /// <inheritdoc cref="Max{D}(Vec{D}, Vec{D})"/>
    protected static Vec<D> Max<D>(Vec<D> a, float b) where D : IDim => default;
    /// <summary>x limited to [lo, hi], elementwise (TF's cell_clip); the gradient passes only where x is inside.</summary>
    protected static Vec<D> Clip<D>(Vec<D> x, float lo, float hi) where D : IDim => default;

    /// <summary>Softmax over the vector's dimension: e^x / Σ e^x, computed without overflow.</summary>
    protected static Vec<D> Softmax<D>(Vec<D> x) where D : IDim => default;
    /// <summary>The sum of the vector's elements (one number per batch row), usable wherever a number is.</summary>
    protected static float Sum<D>(Vec<D> x) where D : IDim => default;

    /// <summary>The real part of the unitary discrete Fourier transform (1/√N) of the complex vector re + i·im; with <paramref name="permute"/>,
    /// of the vector first permuted by a fixed random permutation (uRNN's Π). The transform is a fixed matrix, applied as a
    /// product that is not learned: O(N²) per step, like any recurrent product.</summary>
    protected static Vec<D> DftRe<D>(Vec<D> re, Vec<D> im, bool permute = false) where D : IDim => default;
    /// <summary>The imaginary part of the unitary DFT of re + i·im (see <see cref="DftRe{D}"/>).</summary>
    protected static Vec<D> DftIm<D>(Vec<D> re, Vec<D> im, bool permute = false) where D : IDim => default;
    /// <summary>The real part of the inverse unitary DFT of re + i·im (see <see cref="DftRe{D}"/>).</summary>
    protected static Vec<D> IdftRe<D>(Vec<D> re, Vec<D> im, bool permute = false) where D : IDim => default;
    /// <summary>The imaginary part of the inverse unitary DFT of re + i·im (see <see cref="DftRe{D}"/>).</summary>
    protected static Vec<D> IdftIm<D>(Vec<D> re, Vec<D> im, bool permute = false) where D : IDim => default;

    /// <summary>Dropout inside the cell (e.g. recurrent dropout without memory loss, Semeniuta et al. 2016): in training, each element
    /// is zeroed with probability <paramref name="rate"/> and the rest scaled by 1/(1 − rate), with a fresh mask every step that the
    /// backward pass reuses; in inference the value passes unchanged. <paramref name="rate"/> is a number or a [Hyper] property.</summary>
    protected static Vec<D> Dropout<D>(Vec<D> x, float rate) where D : IDim => default;

    /// <summary>Layer normalization over the vector's own dimension (Ba et al. 2016): (x − mean) / sqrt(var + eps) · gain + shift,
    /// with a learned gain (initialized to 1) and shift (initialized to 0).</summary>
    protected static Vec<D> LayerNorm<D>(Vec<D> x, float eps = 1e-5f, string? name = null) where D : IDim => default;

    /// <summary>A learned vector added to the equation (its own parameter).</summary>
    protected static Vec<D> Bias<D>(Init? init = null, string? name = null) where D : IDim => default;

    /// <summary>A learned vector (its own parameter), such as additive attention's <c>v</c> in <c>vᵀ tanh(W q + U m_s)</c>; by default
    /// uniform in ±sqrt(3 / size).</summary>
    protected static Vec<D> Weight<D>(Init? init = null, string? name = null) where D : IDim => default;

    // Attention over a [Memory]. Positions past a row's length do not exist for these operations: a softmax over Vec<S> gives them
    // no weight, sums skip them, and they receive no gradient.

    /// <summary>The score of every position: <c>m_s · q</c> (dot attention; with <c>M.Linear&lt;D&gt;()</c> as the memory, Luong's general
    /// score). The query must have the memory's feature dimension.</summary>
    protected static Vec<S> Dot<S, D>(Seq<S, D> memory, IVec query) where S : IDim where D : IDim => default;
    /// <summary>The sum over features at every position: <c>Σ_d x_sd</c>.</summary>
    protected static Vec<S> Sum<S, D>(Seq<S, D> x) where S : IDim where D : IDim => default;
    /// <summary>The context vector <c>Σ_s weights_s · m_s</c> over the row's positions; the weights must be over the memory's positions.</summary>
    protected static Vec<D> Context<S, D>(IVec weights, Seq<S, D> memory) where S : IDim where D : IDim => default;
    /// <summary>The sequence <c>a_s · u</c>: a number per position (previous attention, coverage) times a vector, e.g. location features.</summary>
    protected static Seq<S, D> Outer<S, D>(Vec<S> a, Vec<D> u) where S : IDim where D : IDim => default;

    /// <summary>Logistic sigmoid at every position and feature.</summary>
    protected static Seq<S, D> Sigmoid<S, D>(Seq<S, D> x) where S : IDim where D : IDim => default;
    /// <summary>Hyperbolic tangent at every position and feature.</summary>
    protected static Seq<S, D> Tanh<S, D>(Seq<S, D> x) where S : IDim where D : IDim => default;
    /// <summary>max(x, 0) at every position and feature.</summary>
    protected static Seq<S, D> Relu<S, D>(Seq<S, D> x) where S : IDim where D : IDim => default;
    /// <summary>e^x at every position and feature.</summary>
    protected static Seq<S, D> Exp<S, D>(Seq<S, D> x) where S : IDim where D : IDim => default;

    /// <summary>Gives state <paramref name="state"/> its value for the next step.</summary>
    protected static void Next<D>(Vec<D> state, Vec<D> value) where D : IDim { }
}
