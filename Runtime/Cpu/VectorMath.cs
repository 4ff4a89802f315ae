using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Recur;

/// <summary>The elementwise functions of generated CPU kernels over SIMD vectors (the vector twins of <see cref="KernelMath"/>).</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it; users never need to
public static class VectorMath
{
    /// <summary>The logistic sigmoid 1 / (1 + e^−x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Exp(-x));
    /// <summary>The logistic sigmoid 1 / (1 + e^−x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Sigmoid(Vector<double> x) => Vector<double>.One / (Vector<double>.One + Vector.Exp(-x));

    /// <summary>tanh as the odd rational function Eigen and TensorFlow use for float (degree 13 over degree 6, x clamped to ±7.9988,
    /// where tanh rounds to ±1 in float): multiply-adds and one division, no exp, so an LSTM's pointwise step runs 1.45× faster
    /// than through e^x. Within 2.3e-7 of tanh everywhere, and relatively accurate near 0 (the numerator is x times a polynomial);
    /// NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        var c = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(-7.99881172180175781f)), new Vector<float>(7.99881172180175781f));
        var c2 = c * c;
        var p = Vector.FusedMultiplyAdd(c2, new Vector<float>(-2.76076847742355e-16f), new Vector<float>(2.00018790482477e-13f));
        p = Vector.FusedMultiplyAdd(c2, p, new Vector<float>(-8.60467152213735e-11f));
        p = Vector.FusedMultiplyAdd(c2, p, new Vector<float>(5.12229709037114e-08f));
        p = Vector.FusedMultiplyAdd(c2, p, new Vector<float>(1.48572235717979e-05f));
        p = Vector.FusedMultiplyAdd(c2, p, new Vector<float>(6.37261928875436e-04f));
        p = Vector.FusedMultiplyAdd(c2, p, new Vector<float>(4.89352455891786e-03f));
        var q = Vector.FusedMultiplyAdd(c2, new Vector<float>(1.19825839466702e-06f), new Vector<float>(1.18534705686654e-04f));
        q = Vector.FusedMultiplyAdd(c2, q, new Vector<float>(2.26843463243900e-03f));
        q = Vector.FusedMultiplyAdd(c2, q, new Vector<float>(4.89352518554385e-03f));
        return Vector.ConditionalSelect(Vector.Equals(x, x), c * p / q, x);
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
    /// <summary>e^x, lane by lane, in float throughout with fused multiply-adds (measured 2.3× as fast as .NET's Vector.Exp of float,
    /// which widens every lane to double): x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' degree-6 polynomial for expf,
    /// 2^n built in the exponent bits. Within 2 ulp of e^x for x in [−87.3, 88]; below, the smallest normal float
    /// (1.2e-38, not a subnormal); above, e^88 (1.7e38); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        // The Native forms are single instructions; the plain ones add IEEE NaN and saturation fix-ups the clamp makes moot.
        var c = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(-87.3365479f)), new Vector<float>(88f));
        var n = Vector.Round(c * new Vector<float>(1.44269504088896341f));
        // ln 2 in two parts, so r = c − n·ln 2 keeps its low bits.
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-0.693359375f), c);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(2.12194440e-4f), r);
        var p = new Vector<float>(1.9875691500e-4f);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.3981999507e-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(8.3334519073e-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(4.1665795894e-2f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.6666665459e-1f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(5.0000001201e-1f));
        p = Vector.FusedMultiplyAdd(p, r * r, r + Vector<float>.One);
        var scale = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32Native(n) + new Vector<int>(127), 23));
        return Vector.ConditionalSelect(Vector.Equals(x, x), p * scale, x);
    }

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

    // Scalar forms for the kernels' tails (the elements past the last whole vector of a row): the same float formulas as the
    // lanes, so a row's last elements are computed exactly as its first ones.

    /// <summary>The logistic sigmoid of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => Sigmoid(new Vector<float>(x))[0];
    /// <summary>The logistic sigmoid of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double x) => Sigmoid(new Vector<double>(x))[0];
    /// <summary>tanh of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => Tanh(new Vector<float>(x))[0];
    /// <summary>tanh of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Tanh(double x) => Tanh(new Vector<double>(x))[0];
    /// <summary>e^x of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => Exp(new Vector<float>(x))[0];
    /// <summary>e^x of one number, by the vector formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x) => Exp(new Vector<double>(x))[0];
    /// <summary>max(x, 0).</summary>
    public static float Relu(float x) => KernelMath.Relu(x);
    /// <summary>max(x, 0).</summary>
    public static double Relu(double x) => KernelMath.Relu(x);
    /// <summary>1 where x &gt; 0, else 0.</summary>
    public static float Step(float x) => KernelMath.Step(x);
    /// <summary>1 where x &gt; 0, else 0.</summary>
    public static double Step(double x) => KernelMath.Step(x);
    /// <summary>1 / sqrt(x).</summary>
    public static float Rsqrt(float x) => 1f / MathF.Sqrt(x);
    /// <summary>1 / sqrt(x).</summary>
    public static double Rsqrt(double x) => 1d / Math.Sqrt(x);
    /// <summary>The sine (radians).</summary>
    public static float Sin(float x) => MathF.Sin(x);
    /// <summary>The sine (radians).</summary>
    public static double Sin(double x) => Math.Sin(x);
    /// <summary>The cosine (radians).</summary>
    public static float Cos(float x) => MathF.Cos(x);
    /// <summary>The cosine (radians).</summary>
    public static double Cos(double x) => Math.Cos(x);
    /// <summary>The square root.</summary>
    public static float Sqrt(float x) => MathF.Sqrt(x);
    /// <summary>The square root.</summary>
    public static double Sqrt(double x) => Math.Sqrt(x);
    /// <summary>The smaller of a and b (b when either is NaN).</summary>
    public static float Min(float a, float b) => KernelMath.Min(a, b);
    /// <summary>The smaller of a and b (b when either is NaN).</summary>
    public static double Min(double a, double b) => KernelMath.Min(a, b);
    /// <summary>The larger of a and b (b when either is NaN).</summary>
    public static float Max(float a, float b) => KernelMath.Max(a, b);
    /// <summary>The larger of a and b (b when either is NaN).</summary>
    public static double Max(double a, double b) => KernelMath.Max(a, b);

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
