using ILGPU;
using ILGPU.Runtime;
using System;

namespace Recur;

/// <summary>The masks of the cell's own <c>Dropout(x, rate)</c> calls: every step's drawn at the start of a training pass (0, or
/// 1/(1 − rate)) and read by the fused kernels, forward and backward; inference, stepping and rate 0 give ones.</summary>
internal sealed class CellDropout<T> : StepHook<T> where T : unmanaged
{
    private T[] _host = Array.Empty<T>(); // reused host copy of one mask buffer

    public CellDropout(RnnLayer<T> layer, int index) : base(layer, index) { }

    public override bool DrawsMasks => Layer.Spec.Masks is { Length: > 0 };

    public override void BeginForward(StepViews<T> v, PassKind kind)
    {
        if (Layer.Spec.Masks is not { Length: > 0 } masks) return;
        var ws = v.Workspace;
        var rng = Layer.MaskRng;
        for (int k = 0; k < masks.Length; k++)
        {
            // In [0, 1): SetHyper checks a rate hyperparameter, the generator a literal one.
            double rate = masks[k].RateHyper >= 0 ? Layer.GetHyper(Layer.Spec.Hypers[masks[k].RateHyper].Name) : masks[k].Rate;
            if (_host.Length != ws.Masks[k].Length) _host = new T[ws.Masks[k].Length];
            T one = Scalar<T>.One, kept = Scalar<T>.From(1 / (1 - rate)), zero = Scalar<T>.Zero;
            if (kind != PassKind.Training || rate == 0) Array.Fill(_host, one);
            else for (int i = 0; i < _host.Length; i++) _host[i] = rng.NextDouble() < rate ? zero : kept;
            ws.Masks[k].CopyFromCPU(_host);
        }
    }
}
