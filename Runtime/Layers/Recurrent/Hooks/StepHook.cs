using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>What a forward pass is for: training keeps every step for the backward pass and draws masks, inference keeps one step,
/// stepping runs one step per call (a stepper).</summary>
internal enum PassKind { Training, Inference, Stepping }

/// <summary>Something a recurrent layer does around the cell's own step, whatever the time loop: zoneout, state averaging,
/// weight-drop, the cell's dropout masks, recording. Each is a forward/backward pair; the layer calls every hook at each of these
/// points, in the order of its list, and a hook that is off does nothing. What a hook keeps per workspace (masks, sums) it makes on
/// its first pass over that workspace and keeps in <see cref="RnnWorkspace{T}.HookBuffers"/> at its <see cref="Index"/>: no step or
/// pass allocates.</summary>
internal abstract class StepHook<T> where T : unmanaged
{
    protected StepHook(RnnLayer<T> layer, int index)
    {
        Layer = layer;
        Index = index;
    }

    protected RnnLayer<T> Layer { get; }

    /// <summary>Where this hook's buffers sit in a workspace.</summary>
    public int Index { get; }

    /// <summary>Whether a training pass draws random numbers for this hook (so the layer seeds its generator from the tape).</summary>
    public virtual bool DrawsMasks => false;

    /// <summary>Before a forward pass's first step.</summary>
    public virtual void BeginForward(StepViews<T> v, PassKind kind) { }

    /// <summary>After step <paramref name="t"/>'s kernels (the <paramref name="t"/>-th step of the sequence, whatever slot the views
    /// point at): may change the step's new states in place.</summary>
    public virtual void AfterStep(StepViews<T> v, int t, PassKind kind) { }

    /// <summary>After a forward pass's last step.</summary>
    public virtual void EndForward(StepViews<T> v, PassKind kind) { }

    /// <summary>Backward, at step <c>v.Step</c> before the cell's backward kernels: may move gradient between the state after the
    /// step (<c>NextStateGrad</c>) and the one before it (<c>StateGrad</c>).</summary>
    public virtual void BeforeStepBackward(StepViews<T> v) { }

    /// <summary>Buffers with one row per batch row that a stepper must reorder with its rows (beam search).</summary>
    public virtual void AddRowState(RnnWorkspace<T> ws, List<(ArrayView<T> View, int Width)> rows) { }

    /// <summary>This hook's buffers in <paramref name="ws"/>, made by <paramref name="make"/> the first time.</summary>
    protected TBuffers Buffers<TBuffers>(RnnWorkspace<T> ws, System.Func<RnnWorkspace<T>, TBuffers> make) where TBuffers : class =>
        (TBuffers)(ws.HookBuffers[Index] ??= make(ws));
}
