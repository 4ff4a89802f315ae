namespace Recur;

/// <summary>A sequence of vectors of dimension <typeparamref name="TDim"/> over positions <typeparamref name="TSeq"/> inside a cell's
/// equations: a <c>[Memory]</c> and what is computed from it (<c>Tanh(keys + query)</c>). Like <see cref="Vec{TDim}"/> it carries no
/// data. A vector of <typeparamref name="TDim"/> combines with it at every position; a vector of <typeparamref name="TSeq"/> (one
/// number per position, such as attention weights) at every feature.</summary>
public readonly struct Seq<TSeq, TDim> where TSeq : IDim where TDim : IDim
{
    /// <summary>A learned affine map <c>W·m_s + b</c> of every position into dimension <typeparamref name="TOut"/> (Bahdanau's <c>U h_j</c>):
    /// the memory's positions do not change from step to step, so it runs once per sequence as one product.</summary>
    /// <param name="bias">Whether the map has a learned bias.</param>
    /// <param name="init">The weight's initializer (default: uniform unit scaling).</param>
    /// <param name="biasInit">The bias's initializer (default: zeros).</param>
    /// <param name="name">The parameter name to use instead of the one derived from the equation.</param>
    public Seq<TSeq, TOut> Linear<TOut>(bool bias = true, Init? init = null, Init? biasInit = null, string? name = null) where TOut : IDim => default;

    /// <summary>The sum a + b of two sequences of the same shape, position by position.</summary>
    public static Seq<TSeq, TDim> operator +(Seq<TSeq, TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The difference a - b of two sequences of the same shape, position by position.</summary>
    public static Seq<TSeq, TDim> operator -(Seq<TSeq, TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise product a * b of two sequences of the same shape, position by position.</summary>
    public static Seq<TSeq, TDim> operator *(Seq<TSeq, TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise quotient a / b of two sequences of the same shape, position by position.</summary>
    public static Seq<TSeq, TDim> operator /(Seq<TSeq, TDim> a, Seq<TSeq, TDim> b) => default;

    /// <summary>The sum a + b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator +(Seq<TSeq, TDim> a, Vec<TDim> b) => default;
    /// <summary>The sum a + b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator +(Vec<TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The difference a - b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator -(Seq<TSeq, TDim> a, Vec<TDim> b) => default;
    /// <summary>The difference a - b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator -(Vec<TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise product a * b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator *(Seq<TSeq, TDim> a, Vec<TDim> b) => default;
    /// <summary>The elementwise product a * b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator *(Vec<TDim> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise quotient a / b with the vector applied at every position of the sequence (broadcast over TSeq).</summary>
    public static Seq<TSeq, TDim> operator /(Seq<TSeq, TDim> a, Vec<TDim> b) => default;

    /// <summary>The sum a + b with element s of the Vec&lt;TSeq&gt; applied to every feature at position s (broadcast over TDim).</summary>
    public static Seq<TSeq, TDim> operator +(Seq<TSeq, TDim> a, Vec<TSeq> b) => default;
    /// <summary>The difference a - b with element s of the Vec&lt;TSeq&gt; applied to every feature at position s (broadcast over TDim).</summary>
    public static Seq<TSeq, TDim> operator -(Seq<TSeq, TDim> a, Vec<TSeq> b) => default;
    /// <summary>The elementwise product a * b with element s of the Vec&lt;TSeq&gt; applied to every feature at position s (broadcast over TDim).</summary>
    public static Seq<TSeq, TDim> operator *(Seq<TSeq, TDim> a, Vec<TSeq> b) => default;
    /// <summary>The elementwise product a * b with element s of the Vec&lt;TSeq&gt; applied to every feature at position s (broadcast over TDim).</summary>
    public static Seq<TSeq, TDim> operator *(Vec<TSeq> a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise quotient a / b with element s of the Vec&lt;TSeq&gt; applied to every feature at position s (broadcast over TDim).</summary>
    public static Seq<TSeq, TDim> operator /(Seq<TSeq, TDim> a, Vec<TSeq> b) => default;

    /// <summary>The sum a + b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator +(Seq<TSeq, TDim> a, float b) => default;
    /// <summary>The sum a + b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator +(float a, Seq<TSeq, TDim> b) => default;
    /// <summary>The difference a - b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator -(Seq<TSeq, TDim> a, float b) => default;
    /// <summary>The difference a - b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator -(float a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise product a * b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator *(Seq<TSeq, TDim> a, float b) => default;
    /// <summary>The elementwise product a * b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator *(float a, Seq<TSeq, TDim> b) => default;
    /// <summary>The elementwise quotient a / b of a sequence and a number, applied to every element.</summary>
    public static Seq<TSeq, TDim> operator /(Seq<TSeq, TDim> a, float b) => default;
    /// <summary>Elementwise negation.</summary>
    public static Seq<TSeq, TDim> operator -(Seq<TSeq, TDim> a) => default;
}
