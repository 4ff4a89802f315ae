using ILGPU.Algorithms;

namespace Recur;

/// <summary>The elementwise functions generated kernels call, for float and double; compiled into the kernels by ILGPU.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it; users never need to
public static class KernelMath
{
    /// <summary>The logistic sigmoid 1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + XMath.Exp(-x));
    /// <summary>The logistic sigmoid 1 / (1 + e^−x).</summary>
    public static double Sigmoid(double x) => 1d / (1d + XMath.Exp(-x));
    /// <summary>The hyperbolic tangent.</summary>
    public static float Tanh(float x) => XMath.Tanh(x);
    /// <summary>The hyperbolic tangent.</summary>
    public static double Tanh(double x) => XMath.Tanh(x);
    /// <summary>max(x, 0).</summary>
    public static float Relu(float x) => x > 0f ? x : 0f;
    /// <summary>max(x, 0).</summary>
    public static double Relu(double x) => x > 0d ? x : 0d;
    /// <summary>The derivative of Relu: 1 where x &gt; 0, else 0.</summary>
    public static float Step(float x) => x > 0f ? 1f : 0f;
    /// <summary>The derivative of Relu: 1 where x &gt; 0, else 0.</summary>
    public static double Step(double x) => x > 0d ? 1d : 0d;
    /// <summary>e^x.</summary>
    public static float Exp(float x) => XMath.Exp(x);
    /// <summary>e^x.</summary>
    public static double Exp(double x) => XMath.Exp(x);
    /// <summary>The sine (radians).</summary>
    public static float Sin(float x) => XMath.Sin(x);
    /// <summary>The sine (radians).</summary>
    public static double Sin(double x) => XMath.Sin(x);
    /// <summary>The cosine (radians).</summary>
    public static float Cos(float x) => XMath.Cos(x);
    /// <summary>The cosine (radians).</summary>
    public static double Cos(double x) => XMath.Cos(x);
    /// <summary>The square root.</summary>
    public static float Sqrt(float x) => XMath.Sqrt(x);
    /// <summary>The square root.</summary>
    public static double Sqrt(double x) => XMath.Sqrt(x);
    /// <summary>The smaller of a and b (b when either is NaN).</summary>
    public static float Min(float a, float b) => a < b ? a : b;
    /// <summary>The smaller of a and b (b when either is NaN).</summary>
    public static double Min(double a, double b) => a < b ? a : b;
    /// <summary>The larger of a and b (b when either is NaN).</summary>
    public static float Max(float a, float b) => a > b ? a : b;
    /// <summary>The larger of a and b (b when either is NaN).</summary>
    public static double Max(double a, double b) => a > b ? a : b;
    /// <summary>1 / sqrt(x).</summary>
    public static float Rsqrt(float x) => XMath.Rsqrt(x);
    /// <summary>1 / sqrt(x).</summary>
    public static double Rsqrt(double x) => XMath.Rsqrt(x);
}
