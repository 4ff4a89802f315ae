using ILGPU.Algorithms;

namespace Recur;

/// <summary>The elementwise functions generated kernels call, for float and double; compiled into the kernels by ILGPU.</summary>
public static class KernelMath
{
    public static float Sigmoid(float x) => 1f / (1f + XMath.Exp(-x));
    public static double Sigmoid(double x) => 1d / (1d + XMath.Exp(-x));
    public static float Tanh(float x) => XMath.Tanh(x);
    public static double Tanh(double x) => XMath.Tanh(x);
    public static float Relu(float x) => x > 0f ? x : 0f;
    public static double Relu(double x) => x > 0d ? x : 0d;
    /// <summary>The derivative of Relu: 1 where x &gt; 0, else 0.</summary>
    public static float Step(float x) => x > 0f ? 1f : 0f;
    public static double Step(double x) => x > 0d ? 1d : 0d;
    public static float Exp(float x) => XMath.Exp(x);
    public static double Exp(double x) => XMath.Exp(x);
    public static float Sin(float x) => XMath.Sin(x);
    public static double Sin(double x) => XMath.Sin(x);
    public static float Cos(float x) => XMath.Cos(x);
    public static double Cos(double x) => XMath.Cos(x);
    public static float Sqrt(float x) => XMath.Sqrt(x);
    public static double Sqrt(double x) => XMath.Sqrt(x);
    public static float Min(float a, float b) => a < b ? a : b;
    public static double Min(double a, double b) => a < b ? a : b;
    public static float Max(float a, float b) => a > b ? a : b;
    public static double Max(double a, double b) => a > b ? a : b;
    public static float Rsqrt(float x) => XMath.Rsqrt(x);
    public static double Rsqrt(double x) => XMath.Rsqrt(x);
}
