using System;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Weight-drop (DropConnect on the recurrent weights, Merity et al. 2017): in a training pass every weight that multiplies
/// a state is zeroed with probability p and the rest scaled by 1/(1 − p), one mask per pass; the pass's per-step products read the
/// dropped copy (<see cref="Weights"/>), and the weight gradient reaches a weight through its mask (<see cref="AddWeightGradient"/>).</summary>
internal sealed class WeightDrop<T> : StepHook<T> where T : unmanaged
{
    public WeightDrop(RnnLayer<T> layer, int index) : base(layer, index) { }

    /// <summary>The probability of dropping a weight (0: off).</summary>
    public double P { get; set; }

    public override bool DrawsMasks => P > 0;

    /// <summary>Per GEMM group over a state: its mask and its dropped weights; whether this pass drops them.</summary>
    private sealed class Dropped
    {
        public required ArrayView<T>[] Masks, Weights;
        public required T[] Host;
        public bool On;
    }

    private Dropped Of(RnnWorkspace<T> ws) => Buffers(ws, w =>
    {
        var groups = Layer.Spec.Groups;
        var masks = new ArrayView<T>[groups.Length];
        var weights = new ArrayView<T>[groups.Length];
        long longest = 0;
        for (int g = 0; g < groups.Length; g++)
        {
            if (groups[g].Operand != GemmOperand.State) continue;
            long length = Layer.WeightLength(groups[g]);
            masks[g] = w.Allocate(length);
            weights[g] = w.Allocate(length);
            longest = Math.Max(longest, length);
        }
        return new Dropped { Masks = masks, Weights = weights, Host = new T[longest] };
    });

    public override void BeginForward(StepViews<T> v, PassKind kind)
    {
        var ws = v.Workspace;
        bool on = kind == PassKind.Training && P > 0;
        if (!on)
        {
            if (ws.HookBuffers[Index] is Dropped off) off.On = false;
            return;
        }
        var dropped = Of(ws);
        dropped.On = true;
        T kept = Scalar<T>.From(1 / (1 - P)), zero = Scalar<T>.Zero;
        var rng = Layer.MaskRng;
        var groups = Layer.Spec.Groups;
        for (int g = 0; g < groups.Length; g++)
        {
            if (groups[g].Operand != GemmOperand.State) continue;
            var host = dropped.Host.AsSpan(0, (int)dropped.Masks[g].Length);
            for (int i = 0; i < host.Length; i++) host[i] = rng.NextDouble() < P ? zero : kept;
            dropped.Masks[g].CopyFromCPU(host);
            Layer.Device.Ops<T>().Multiply(Layer.Weights(groups[g]), dropped.Masks[g], dropped.Weights[g], accumulate: false);
        }
    }

    /// <summary>The weights group <paramref name="g"/> multiplies in this pass: the dropped copy for a recurrent group under
    /// weight-drop, else <paramref name="stored"/>.</summary>
    public ArrayView<T> Weights(int g, RnnWorkspace<T> ws, ArrayView<T> stored) =>
        ws.HookBuffers[Index] is Dropped { On: true } d && Layer.Spec.Groups[g].Operand == GemmOperand.State ? d.Weights[g] : stored;

    /// <summary>Adds the weight gradient of recurrent group <paramref name="g"/> for a pass that dropped its weights: the product
    /// dPᵀ·operand over all steps, times the mask. False when this pass did not drop (the layer adds the plain gradient).</summary>
    public bool AddWeightGradient(int g, RnnWorkspace<T> ws, IGemm<T> gemm, int n, int width, int rows, ArrayView<T> operand, ArrayView<T> weightGrads)
    {
        if (ws.HookBuffers[Index] is not Dropped { On: true } d || Layer.Spec.Groups[g].Operand != GemmOperand.State) return false;
        long length = d.Masks[g].Length;
        using var product = Tensor<T>.Rent(Layer.Device, false, checked((int)length));
        gemm.Run(true, false, n, width, rows, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.Zero, product.View, width);
        Layer.Device.Ops<T>().Multiply(product.View, d.Masks[g], weightGrads, accumulate: true);
        return true;
    }
}
