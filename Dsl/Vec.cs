namespace Recur;

/// <summary>Any vector, whatever its dimension; what <c>Linear</c> accepts.</summary>
public interface IVec { }

/// <summary>A vector of dimension <typeparamref name="TDim"/> inside a cell's equations. It carries no data:
/// the equations are read by the generator at compile time and never run as C#.</summary>
public readonly struct Vec<TDim> : IVec where TDim : IDim
{
    /// <summary>A state's value after this step, as given by its <c>Next(state, value)</c>.</summary>
    public Vec<TDim> Next => default;

    /// <summary>Element <paramref name="index"/> (a literal) of the vector, used as a number in the equations, e.g. <c>lambda[0] * Linear&lt;Hidden&gt;(X)</c>.
    /// The dimension must be given more elements than the largest index the cell reads.</summary>
    public float this[int index] => default;

    /// <summary>The sum a + b of two vectors of the same dimension.</summary>
    public static Vec<TDim> operator +(Vec<TDim> a, Vec<TDim> b) => default;
    /// <summary>The difference a - b of two vectors of the same dimension.</summary>
    public static Vec<TDim> operator -(Vec<TDim> a, Vec<TDim> b) => default;
    /// <summary>The elementwise product a * b of two vectors of the same dimension.</summary>
    public static Vec<TDim> operator *(Vec<TDim> a, Vec<TDim> b) => default;
    /// <summary>The elementwise quotient a / b of two vectors of the same dimension.</summary>
    public static Vec<TDim> operator /(Vec<TDim> a, Vec<TDim> b) => default;
    /// <summary>The sum a + b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator +(Vec<TDim> a, float b) => default;
    /// <summary>The sum a + b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator +(float a, Vec<TDim> b) => default;
    /// <summary>The difference a - b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator -(Vec<TDim> a, float b) => default;
    /// <summary>The difference a - b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator -(float a, Vec<TDim> b) => default;
    /// <summary>The elementwise product a * b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator *(Vec<TDim> a, float b) => default;
    /// <summary>The elementwise product a * b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator *(float a, Vec<TDim> b) => default;
    /// <summary>The elementwise quotient a / b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator /(Vec<TDim> a, float b) => default;
    /// <summary>The elementwise quotient a / b of a vector and a number, applied to every element.</summary>
    public static Vec<TDim> operator /(float a, Vec<TDim> b) => default;
    /// <summary>Elementwise negation.</summary>
    public static Vec<TDim> operator -(Vec<TDim> a) => default;
}
