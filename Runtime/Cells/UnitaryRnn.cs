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

    // Complex arithmetic on (re, im) pairs, one part per helper.
    /// <summary>Re of e^{iθ} z.</summary>
    Vec<Hidden> RotateRe(Vec<Hidden> theta, Vec<Hidden> re, Vec<Hidden> im) => Cos(theta) * re - Sin(theta) * im;
    /// <summary>Im of e^{iθ} z.</summary>
    Vec<Hidden> RotateIm(Vec<Hidden> theta, Vec<Hidden> re, Vec<Hidden> im) => Sin(theta) * re + Cos(theta) * im;
    /// <summary>Re of (I − 2vv*/‖v‖²) z, with v*z = Σ (vr re + vi im) + i Σ (vr im − vi re).</summary>
    Vec<Hidden> ReflectRe(Vec<Hidden> vr, Vec<Hidden> vi, Vec<Hidden> re, Vec<Hidden> im) =>
        re - 2f / Sum(vr * vr + vi * vi) * (vr * Sum(vr * re + vi * im) - vi * Sum(vr * im - vi * re));
    /// <summary>Im of (I − 2vv*/‖v‖²) z.</summary>
    Vec<Hidden> ReflectIm(Vec<Hidden> vr, Vec<Hidden> vi, Vec<Hidden> re, Vec<Hidden> im) =>
        im - 2f / Sum(vr * vr + vi * vi) * (vr * Sum(vr * im - vi * re) + vi * Sum(vr * re + vi * im));

    [Step]
    void Step()
    {
        // D₁, F, R₁
        var theta1 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var ar = RotateRe(theta1, Re, Im);
        var ai = RotateIm(theta1, Re, Im);
        var br = DftRe(ar, ai);
        var bi = DftIm(ar, ai);
        var v1r = Bias<Hidden>(init: Init.Uniform(1f));
        var v1i = Bias<Hidden>(init: Init.Uniform(1f));
        var cr = ReflectRe(v1r, v1i, br, bi);
        var ci = ReflectIm(v1r, v1i, br, bi);

        // D₂, then F⁻¹Π.
        var theta2 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var dr = RotateRe(theta2, cr, ci);
        var di = RotateIm(theta2, cr, ci);
        var er = IdftRe(dr, di, permute: true);
        var ei = IdftIm(dr, di, permute: true);

        // R₂, D₃, and the input.
        var v2r = Bias<Hidden>(init: Init.Uniform(1f));
        var v2i = Bias<Hidden>(init: Init.Uniform(1f));
        var fr = ReflectRe(v2r, v2i, er, ei);
        var fi = ReflectIm(v2r, v2i, er, ei);
        var theta3 = Bias<Hidden>(init: Init.Uniform(3.14159265f));
        var zr = RotateRe(theta3, fr, fi) + Linear<Hidden>(X, bias: false);
        var zi = RotateIm(theta3, fr, fi) + Linear<Hidden>(X, bias: false);

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
