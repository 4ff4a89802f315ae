using System;
using System.Collections.Generic;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>State averaging (Seq2Seq_Upgrade_TensorFlow's <c>average_states</c>): the state handed to each next step is α · the
/// mean of the states after every step so far + (1 − α) · the state after this one. Forward keeps a running sum per state; backward
/// a reverse running sum of the gradients, since the mean reaches back to every earlier step.</summary>
internal sealed class StateAveraging<T> : StepHook<T> where T : unmanaged
{
    private readonly double[] _alpha;

    public StateAveraging(RnnLayer<T> layer, int index) : base(layer, index) => _alpha = new double[layer.Spec.States.Length];

    /// <summary>The influence α of the mean, per state (0: off).</summary>
    public double this[int state] { get => _alpha[state]; set => _alpha[state] = value; }

    private bool IsOn => Array.Exists(_alpha, a => a > 0);

    /// <summary>Per state [B, d]: the running sum of the states so far (forward) and of the gradients divided by their step (backward).</summary>
    private sealed record Sums(ArrayView<T>[] Forward, ArrayView<T>[] Backward);

    private Sums Of(RnnWorkspace<T> ws) => Buffers(ws, w =>
    {
        var forward = new ArrayView<T>[_alpha.Length];
        var backward = new ArrayView<T>[_alpha.Length];
        for (int s = 0; s < _alpha.Length; s++)
        {
            forward[s] = w.Allocate((long)w.Batch * w.StateWidth[s]);
            if (w.Training) backward[s] = w.Allocate((long)w.Batch * w.StateWidth[s]);
        }
        return new Sums(forward, backward);
    });

    /// <summary>Adds the state to its running sum, then hands on α · sum / (t + 1) + (1 − α) · state; the sums start with step 0.</summary>
    public override void AfterStep(StepViews<T> v, int t, PassKind kind)
    {
        if (!IsOn) return;
        var ops = Layer.Device.Ops<T>();
        var sums = Of(v.Workspace);
        for (int s = 0; s < _alpha.Length; s++)
        {
            double alpha = _alpha[s];
            if (alpha == 0) continue;
            var sum = sums.Forward[s];
            if (t == 0) sum.MemSetToZero();
            var next = v.NextState(s);
            ops.Axpy(1, next, sum);
            ops.Affine(next, 1 - alpha, 0, next);
            ops.Axpy(alpha / (t + 1), sum, next);
        }
    }

    /// <summary>With G_t the gradient of the handed-on state after step t (the output's included), the state the cell computed
    /// receives (1 − α)·G_t + α·Σ_{u ≥ t} G_u / (u + 1): a reverse running sum R. The kernel adds the output gradient itself, so it
    /// is taken back out of what the kernel reads.</summary>
    public override void BeforeStepBackward(StepViews<T> v)
    {
        if (!IsOn) return;
        var ops = Layer.Device.Ops<T>();
        var sums = Of(v.Workspace);
        int t = v.Step, outState = Layer.Spec.OutputState;
        for (int s = 0; s < _alpha.Length; s++)
        {
            double alpha = _alpha[s];
            if (alpha == 0) continue;
            var r = sums.Backward[s];
            if (t == v.Workspace.Steps - 1) r.MemSetToZero();
            var g = v.NextStateGrad(s);
            if (s == outState) ops.Axpy(1, v.OutputGrad(), g);
            ops.Axpy(1.0 / (t + 1), g, r);
            ops.Affine(g, 1 - alpha, 0, g);
            ops.Axpy(alpha, r, g);
            if (s == outState) ops.Axpy(-1, v.OutputGrad(), g);
        }
    }

    /// <summary>A stepper reorders the running sums with its rows.</summary>
    public override void AddRowState(RnnWorkspace<T> ws, List<(ArrayView<T> View, int Width)> rows)
    {
        for (int s = 0; s < _alpha.Length; s++)
            if (_alpha[s] > 0) rows.Add((Of(ws).Forward[s], ws.StateWidth[s]));
    }
}
