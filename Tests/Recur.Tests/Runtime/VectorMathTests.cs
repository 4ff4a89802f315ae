using System;
using System.Numerics;
using Xunit;

namespace Recur.Tests;

/// <summary>The CPU kernels' float exp, sigmoid and tanh against double-precision math, over the whole range a gate sees.</summary>
public class VectorMathTests
{
    private static float Lane0(Vector<float> v) => v[0];

    [Fact]
    public void Float_exp_is_within_two_ulp_of_exp_over_its_range()
    {
        double worst = 0;
        for (double x = -87.0; x <= 88.0; x += 0.000731)
        {
            float xf = (float)x;
            double exact = Math.Exp(xf), got = Lane0(VectorMath.Exp(new Vector<float>(xf)));
            double ulp = Math.Abs(MathF.BitIncrement((float)exact) - (float)exact);
            worst = Math.Max(worst, Math.Abs(got - exact) / ulp);
        }
        Assert.True(worst <= 2, $"worst error {worst:F2} ulp");
    }

    [Fact]
    public void Float_exp_saturates_at_the_ends_and_keeps_nan()
    {
        Assert.Equal(0f, Lane0(VectorMath.Exp(new Vector<float>(-1000f))), 1e-37f);
        Assert.True(float.IsFinite(Lane0(VectorMath.Exp(new Vector<float>(1000f)))));
        Assert.True(float.IsNaN(Lane0(VectorMath.Exp(new Vector<float>(float.NaN)))));
        Assert.Equal(1f, Lane0(VectorMath.Exp(Vector<float>.Zero)));
    }

    [Fact]
    public void Float_sigmoid_and_tanh_match_double_math()
    {
        for (double x = -30; x <= 30; x += 0.0137)
        {
            float xf = (float)x;
            Assert.InRange(Lane0(VectorMath.Sigmoid(new Vector<float>(xf))) - 1 / (1 + Math.Exp(-xf)), -3e-7, 3e-7);
            Assert.InRange(Lane0(VectorMath.Tanh(new Vector<float>(xf))) - Math.Tanh(xf), -3e-7, 3e-7);
        }
        Assert.Equal(1f, Lane0(VectorMath.Sigmoid(new Vector<float>(200f))));
        Assert.InRange(Lane0(VectorMath.Sigmoid(new Vector<float>(-200f))), 0f, 1e-30f);
        Assert.Equal(-1f, Lane0(VectorMath.Tanh(new Vector<float>(-200f))));
        Assert.True(float.IsNaN(Lane0(VectorMath.Tanh(new Vector<float>(float.NaN)))));
        Assert.True(float.IsNaN(Lane0(VectorMath.Sigmoid(new Vector<float>(float.NaN)))));
    }

    [Fact]
    public void Float_tanh_is_relatively_accurate_near_zero()
    {
        foreach (var x in new[] { 1e-30f, -3e-12f, 1e-6f, -2.5e-4f, 0.01f })
            Assert.InRange(Lane0(VectorMath.Tanh(new Vector<float>(x))) / Math.Tanh(x), 1 - 1e-6, 1 + 1e-6);
    }
}
