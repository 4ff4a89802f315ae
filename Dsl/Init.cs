namespace Recur;

/// <summary>How a parameter is initialized; pass one as <c>init:</c> (weights) or <c>biasInit:</c> to <c>Linear</c>.</summary>
/// <param name="Kind">The distribution or fixed matrix.</param>
/// <param name="Value">Its one number: the scale, factor, limit, standard deviation or constant.</param>
public sealed record Init(InitKind Kind, float Value)
{
    /// <summary>Rows (or columns, whichever are fewer) orthonormal, times <paramref name="scale"/>. Default for weights that read a state.</summary>
    public static Init Orthogonal(float scale = 1f) => new(InitKind.Orthogonal, scale);
    /// <summary>Uniform in ±sqrt(3 / fanIn) · <paramref name="factor"/>, which keeps unit variance. Default for weights that read the input.</summary>
    public static Init UniformUnitScaling(float factor = 1f) => new(InitKind.UniformUnitScaling, factor);
    /// <summary>The identity times <paramref name="scale"/> (IRNN); square weights only.</summary>
    public static Init Identity(float scale = 1f) => new(InitKind.Identity, scale);
    /// <summary>Uniform in ±<paramref name="limit"/> (uRNN's phases: Init.Uniform(π)).</summary>
    public static Init Uniform(float limit) => new(InitKind.Uniform, limit);
    /// <summary>Gaussian with mean 0 and the given standard deviation.</summary>
    public static Init Normal(float std) => new(InitKind.Normal, std);
    /// <summary>Every entry equal to <paramref name="value"/>.</summary>
    public static Init Constant(float value) => new(InitKind.Constant, value);
    /// <summary>All zeros. Default for biases and layer-norm shifts.</summary>
    public static Init Zeros => new(InitKind.Constant, 0f);
    /// <summary>All ones. Default for layer-norm gains.</summary>
    public static Init Ones => new(InitKind.Constant, 1f);
}

/// <summary>How a parameter starts. The Dft kinds are the fixed matrices of <c>DftRe</c>/<c>IdftRe</c>/… (cos or sin of 2πjk/N over √N,
/// times the value, with the columns permuted by a fixed permutation for the Permuted kinds); users do not write them.</summary>
public enum InitKind
{
    /// <summary>Every entry equal to the value.</summary>
    Constant,
    /// <summary>Orthonormal rows or columns times the value.</summary>
    Orthogonal,
    /// <summary>Uniform in ±sqrt(3 / fanIn) times the value.</summary>
    UniformUnitScaling,
    /// <summary>The identity times the value.</summary>
    Identity,
    /// <summary>Gaussian, mean 0, the value as standard deviation.</summary>
    Normal,
    /// <summary>Uniform in ±value.</summary>
    Uniform,
    /// <summary>cos(2πjk/N)/√N times the value: the real part of the DFT matrix.</summary>
    DftCos,
    /// <summary>sin(2πjk/N)/√N times the value: the imaginary part of the DFT matrix.</summary>
    DftSin,
    /// <summary><see cref="DftCos"/> with its columns permuted by the cell's fixed permutation.</summary>
    PermutedDftCos,
    /// <summary><see cref="DftSin"/> with its columns permuted by the cell's fixed permutation.</summary>
    PermutedDftSin,
}
