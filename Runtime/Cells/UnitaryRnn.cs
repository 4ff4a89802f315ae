namespace Recur.Cells;

/// <summary>Unitary evolution RNN (Arjovsky, Shah &amp; Bengio 2016). The hidden state is complex, kept as its real and imaginary parts
/// (<c>Re</c>, <c>Im</c>); the recurrence is W = D₃ R₂ F⁻¹ D₂ Π R₁ F D₁ with diagonal phases D = diag(e^{iθ}), reflections
/// R = I − 2vv*/‖v‖², the unitary DFT F and a fixed permutation Π; then h' = modReLU(W h + V x) = relu(|z| + b) · z / |z|.
/// F⁻¹ D₂ Π is applied as F⁻¹Π D₂′ (a permutation moves a diagonal to a relabeled diagonal), so Π rides in the fixed inverse DFT.
/// The output H = U [Re; Im] + b is the paper's output layer (the state read by the next layer or the softmax).</summary>
[RnnCell]
public partial class UnitaryRnn
{
    [Input] partial Vec<In> X { get; }
    [State] partial Vec<Hidden> Re { get; }
    [State] partial Vec<Hidden> Im { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        // D₁: rotate each component by its phase θ₁.
        var theta1 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var ar = Cos(theta1) * Re - Sin(theta1) * Im;
        var ai = Sin(theta1) * Re + Cos(theta1) * Im;

        // F, then the reflection R₁ = I − 2 v₁v₁*/‖v₁‖².
        var br = DftRe(ar, ai);
        var bi = DftIm(ar, ai);
        var v1r = Bias<Hidden>(init: Init.Uniform(1f));
        var v1i = Bias<Hidden>(init: Init.Uniform(1f));
        var k1 = 2f / Sum(v1r * v1r + v1i * v1i);
        var p1r = Sum(v1r * br + v1i * bi);
        var p1i = Sum(v1r * bi - v1i * br);
        var cr = br - k1 * (v1r * p1r - v1i * p1i);
        var ci = bi - k1 * (v1r * p1i + v1i * p1r);

        // D₂, then F⁻¹Π.
        var theta2 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var dr = Cos(theta2) * cr - Sin(theta2) * ci;
        var di = Sin(theta2) * cr + Cos(theta2) * ci;
        var er = IdftRe(dr, di, permute: true);
        var ei = IdftIm(dr, di, permute: true);

        // R₂, then D₃.
        var v2r = Bias<Hidden>(init: Init.Uniform(1f));
        var v2i = Bias<Hidden>(init: Init.Uniform(1f));
        var k2 = 2f / Sum(v2r * v2r + v2i * v2i);
        var p2r = Sum(v2r * er + v2i * ei);
        var p2i = Sum(v2r * ei - v2i * er);
        var fr = er - k2 * (v2r * p2r - v2i * p2i);
        var fi = ei - k2 * (v2r * p2i + v2i * p2r);
        var theta3 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var zr = Cos(theta3) * fr - Sin(theta3) * fi + Linear<Hidden>(X, bias: false);
        var zi = Sin(theta3) * fr + Cos(theta3) * fi + Linear<Hidden>(X, bias: false);

        // modReLU (the small constant keeps |z| differentiable at 0). Its bias starts at −0.05, not the paper's ≈ 0: W keeps |h| and
        // the input adds to it every step, so over a stream carried for thousands of steps |h| would grow without bound (two stacked
        // layers diverged); a slightly negative bias balances that growth at a bounded size.
        var modulus = Sqrt(zr * zr + zi * zi + 1e-8f);
        var scale = Relu(modulus + Bias<Hidden>(name: "modrelu_bias", init: Init.Constant(-0.05f))) / modulus;
        Next(Re, scale * zr);
        Next(Im, scale * zi);
        Next(H, Linear<Hidden>(Re.Next, Im.Next, name: "output"));
    }
}
