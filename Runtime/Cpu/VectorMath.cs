using System.Numerics;
using System.Runtime.CompilerServices;

namespace Recur;

/// <summary>The elementwise functions of generated CPU kernels over SIMD vectors (the vector twins of <see cref="KernelMath"/>).</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it; users never need to
public static class VectorMath
{
    /// <summary>The logistic sigmoid 1 / (1 + e^−x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));
    /// <summary>The logistic sigmoid 1 / (1 + e^−x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Sigmoid(Vector<double> x) => Vector<double>.One / (Vector<double>.One + Vector.Exp(-x));

    /// <summary>tanh through e^(−2|x|), which never overflows: tanh|x| = (1 − t) / (1 + t), sign restored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        var t = Vector.Exp(Vector.Abs(x) * -2f);
        var r = (Vector<float>.One - t) / (Vector<float>.One + t);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -r, r);
    }

    /// <summary>The hyperbolic tangent, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Tanh(Vector<double> x)
    {
        var t = Vector.Exp(Vector.Abs(x) * -2d);
        var r = (Vector<double>.One - t) / (Vector<double>.One + t);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), -r, r);
    }

    /// <summary>max(x, 0), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Relu(Vector<float> x) => Vector.Max(x, Vector<float>.Zero);
    /// <summary>max(x, 0), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Relu(Vector<double> x) => Vector.Max(x, Vector<double>.Zero);
    /// <summary>The derivative of Relu: 1 where x &gt; 0, else 0, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Step(Vector<float> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero);
    /// <summary>The derivative of Relu: 1 where x &gt; 0, else 0, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Step(Vector<double> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<double>.Zero), Vector<double>.One, Vector<double>.Zero);
    /// <summary>e^x, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x) => Vector.Exp(x);
    /// <summary>e^x, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Exp(Vector<double> x) => Vector.Exp(x);
    /// <summary>1 / sqrt(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Rsqrt(Vector<float> x) => Vector<float>.One / Vector.SquareRoot(x);
    /// <summary>1 / sqrt(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Rsqrt(Vector<double> x) => Vector<double>.One / Vector.SquareRoot(x);

    /// <summary>The sine (radians), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sin(Vector<float> x) => Vector.Sin(x);
    /// <summary>The sine (radians), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Sin(Vector<double> x) => Vector.Sin(x);
    /// <summary>The cosine (radians), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Cos(Vector<float> x) => Vector.Cos(x);
    /// <summary>The cosine (radians), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Cos(Vector<double> x) => Vector.Cos(x);
    /// <summary>The square root, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sqrt(Vector<float> x) => Vector.SquareRoot(x);
    /// <summary>The square root, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Sqrt(Vector<double> x) => Vector.SquareRoot(x);
    // Min and Max compare as the scalar KernelMath versions do (a < b ? a : b), so both forms agree when an argument is NaN.
    /// <summary>The smaller of a and b (b when either is NaN), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Min(Vector<float> a, Vector<float> b) => Vector.ConditionalSelect(Vector.LessThan(a, b), a, b);
    /// <summary>The smaller of a and b (b when either is NaN), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Min(Vector<double> a, Vector<double> b) => Vector.ConditionalSelect(Vector.LessThan(a, b), a, b);
    /// <summary>The larger of a and b (b when either is NaN), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.ConditionalSelect(Vector.GreaterThan(a, b), a, b);
    /// <summary>The larger of a and b (b when either is NaN), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Max(Vector<double> a, Vector<double> b) => Vector.ConditionalSelect(Vector.GreaterThan(a, b), a, b);

    /// <summary>The largest lane.</summary>
    public static T MaxAcross<T>(Vector<T> x) where T : unmanaged, System.Numerics.INumber<T>
    {
        T m = x[0];
        for (int k = 1; k < Vector<T>.Count; k++) m = T.Max(m, x[k]);
        return m;
    }

    /// <summary>Lanes j … j + Count − 1 of the unit vector e_index.</summary>
    public static Vector<T> OneHot<T>(int j, int index) where T : unmanaged, System.Numerics.INumber<T>
    {
        if (index < j || index >= j + Vector<T>.Count) return Vector<T>.Zero;
        System.Span<T> lanes = stackalloc T[Vector<T>.Count];
        lanes[index - j] = T.One;
        return new Vector<T>(lanes);
    }
}
