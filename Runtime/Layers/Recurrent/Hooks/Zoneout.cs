using System;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Zoneout (Krueger et al. 2016) on any state: in training each element keeps its previous value with probability p
/// (masks drawn per step, all of a pass's at its start), in inference the state is the expectation p·previous + (1 − p)·new.
/// Backward splits each state's gradient: the part that kept the previous value goes straight to it, the kernel sees the rest.</summary>
internal sealed class Zoneout<T> : StepHook<T> where T : unmanaged
{
    private readonly double[] _p;

    public Zoneout(RnnLayer<T> layer, int index) : base(layer, index) => _p = new double[layer.Spec.States.Length];

    /// <summary>The probability of keeping the previous value, per state (0: off).</summary>
    public double this[int state] { get => _p[state]; set => _p[state] = value; }

    public override bool DrawsMasks => Array.Exists(_p, p => p > 0);

    /// <summary>Per state, 1 where an element keeps its previous value, every step [T, B, d]; and the host array they are drawn in.</summary>
    private sealed record Masks(ArrayView<T>[] Keep, T[] Host);

    private Masks Of(RnnWorkspace<T> ws) => Buffers(ws, w =>
    {
        var keep = new ArrayView<T>[_p.Length];
        for (int s = 0; s < keep.Length; s++) keep[s] = w.Allocate((long)w.Steps * w.Batch * w.StateWidth[s]);
        int widest = 0;
        foreach (var width in w.StateWidth) widest = Math.Max(widest, width);
        return new Masks(keep, new T[(long)w.Steps * w.Batch * widest]);
    });

    public override void BeginForward(StepViews<T> v, PassKind kind)
    {
        if (kind != PassKind.Training || !DrawsMasks) return;
        var masks = Of(v.Workspace);
        var rng = Layer.MaskRng;
        for (int s = 0; s < _p.Length; s++)
        {
            if (_p[s] == 0) continue;
            var host = masks.Host.AsSpan(0, (int)masks.Keep[s].Length);
            for (int i = 0; i < host.Length; i++) host[i] = rng.NextDouble() < _p[s] ? Scalar<T>.One : Scalar<T>.Zero;
            masks.Keep[s].CopyFromCPU(host);
        }
    }

    public override void AfterStep(StepViews<T> v, int t, PassKind kind)
    {
        if (!DrawsMasks) return;
        var ws = v.Workspace;
        for (int s = 0; s < _p.Length; s++)
        {
            if (_p[s] == 0) continue;
            var keep = kind == PassKind.Training ? ws.Slot(Of(ws).Keep[s], v.Step, ws.StateWidth[s]) : default;
            Layer.Device.Ops<T>().ZoneoutForward(v.State(s), v.NextState(s), keep, _p[s]);
        }
    }

    public override void BeforeStepBackward(StepViews<T> v)
    {
        if (!DrawsMasks) return;
        var ws = v.Workspace;
        for (int s = 0; s < _p.Length; s++)
            if (_p[s] > 0)
                Layer.Device.Ops<T>().ZoneoutBackward(v.NextStateGrad(s), s == Layer.Spec.OutputState ? v.OutputGrad() : default,
                    ws.Slot(Of(ws).Keep[s], v.Step, ws.StateWidth[s]), v.StateGrad(s));
    }
}
