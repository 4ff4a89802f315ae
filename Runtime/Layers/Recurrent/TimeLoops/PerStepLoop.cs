using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>The time loop every cell can run: one step after another, each step's recurrent products (and products of values the
/// step computes) as GEMMs on the device, then the cell's fused kernels segment by segment, then the hooks. Backward mirrors it in
/// reverse. The step body (<see cref="Step"/>) is the one a stepper runs too.</summary>
internal sealed class PerStepLoop<T> : ITimeLoop<T> where T : unmanaged
{
    private readonly RnnLayer<T> _layer;

    public PerStepLoop(RnnLayer<T> layer) => _layer = layer;

    public string Name => "per-step";

    public void Forward(ForwardPass<T> pass)
    {
        var (ws, v, spec) = (pass.Workspace, pass.Views, _layer.Spec);
        int outState = spec.OutputState;
        for (int t = 0; t < ws.Steps; t++)
        {
            v.Step = t;
            Step(v, pass.Weights, t, pass.Kind);
            if (pass.Kind != PassKind.Training)
            {
                v.NextState(outState).CopyTo(ws.Slot(pass.Output.View, t, ws.StateWidth[outState]));
                if (pass.Sequences is { } sequences)
                    for (int s = 0; s < sequences.Length; s++)
                        if (sequences[s] is { } seq) v.NextState(s).CopyTo(ws.Slot(seq.View, t, ws.StateWidth[s]));
            }
            if (pass.Lengths is { } lengths) TakeFinalRows(v, lengths, t, pass.Final);
        }
    }

    /// <summary>One step at <c>v.Step</c> (the sequence's step <paramref name="t"/>): the products that feed segment 0 (those of the
    /// states), then each segment's kernel followed by the products of what it computed, then the hooks.</summary>
    public void Step(StepViews<T> v, StepWeights<T>[] weights, int t, PassKind kind)
    {
        var program = _layer.Program;
        Products(v, weights, segment: 0, includeState: true);
        for (int k = 0; k < _layer.Spec.Segments; k++)
        {
            if (v.Probes is null) program.Forward(k, v);
            else program.ForwardProbed(k, v);
            Products(v, weights, segment: k + 1, includeState: false);
        }
        foreach (var hook in _layer.Hooks) hook.AfterStep(v, t, kind);
    }

    /// <summary>The per-step GEMMs that feed segment <paramref name="segment"/>: recurrent products (state operands) and products of
    /// intermediates.</summary>
    private void Products(StepViews<T> v, StepWeights<T>[] weights, int segment, bool includeState)
    {
        var groups = _layer.Spec.Groups;
        var ws = v.Workspace;
        for (int g = 0; g < groups.Length; g++)
        {
            var group = groups[g];
            if (group.Segment != segment || group.Operand is GemmOperand.Input or GemmOperand.Memory) continue;
            if (group.Operand == GemmOperand.State && !includeState) continue;
            var operand = group.Operand == GemmOperand.State ? v.State(group.Index) : v.Intermediate(group.Index);
            weights[g].Multiply(operand, ws.Batch, v.GemmOut(g), Scalar<T>.Zero);
        }
    }

    /// <summary>Copies the states of the sequences that end at step <paramref name="t"/> into the final state.</summary>
    private static void TakeFinalRows(StepViews<T> v, int[] lengths, int t, Tensor<T>[] final)
    {
        var ws = v.Workspace;
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] != t + 1) continue;
            for (int s = 0; s < final.Length; s++)
            {
                int w = ws.StateWidth[s];
                v.NextState(s).SubView((long)b * w, w).CopyTo(final[s].View.SubView((long)b * w, w));
            }
        }
    }

    public void Backward(BackwardPass<T> pass)
    {
        var context = pass.Context;
        var (ws, v, spec) = (context.Workspace, context.Views, _layer.Spec);
        var ops = _layer.Device.Ops<T>();
        var (lengths, finalGrad, sequenceGrad) = (context.Lengths, pass.FinalStateGrad, pass.SequenceGrad);
        int batch = ws.Batch;
        for (int t = ws.Steps - 1; t >= 0; t--)
        {
            v.Step = t;
            // A state read at every step (by a layer above) takes that step's gradient: the state after step t.
            if (sequenceGrad is not null)
                for (int s = 0; s < spec.States.Length; s++)
                    if (sequenceGrad[s] is { } g) ops.Axpy(1, ws.Slot(g.View, t, ws.StateWidth[s]), v.NextStateGrad(s));
            // A sequence that ends at step t takes its final state's gradient here: that state is the one after step t.
            if (lengths is not null && finalGrad is not null)
                for (int b = 0; b < batch; b++)
                {
                    if (lengths[b] != t + 1) continue;
                    for (int s = 0; s < spec.States.Length; s++)
                        if (finalGrad[s] is { } g)
                        {
                            int w = ws.StateWidth[s];
                            ops.Axpy(1, g.View.SubView((long)b * w, w), v.NextStateGrad(s).SubView((long)b * w, w));
                        }
                }
            for (int s = 0; s < spec.States.Length; s++) v.StateGrad(s).MemSetToZero();
            foreach (var hook in _layer.Hooks) hook.BeforeStepBackward(v);
            for (int k = spec.Segments - 1; k >= 0; k--)
            {
                IntermediateGradients(v, pass.Weights, k);
                _layer.Program.Backward(k, v);
            }
            // Recurrent products: dState += dP · W.
            for (int g = 0; g < spec.Groups.Length; g++)
            {
                var group = spec.Groups[g];
                if (group.Operand == GemmOperand.State) pass.Weights[g].Multiply(v.GemmOutGrad(g), batch, v.StateGrad(group.Index), Scalar<T>.One);
            }
            v.Flip = !v.Flip;
        }
    }

    /// <summary>Gradients of the values segment <paramref name="k"/> wrote, through the GEMMs that read them (every later segment's
    /// backward has run).</summary>
    private void IntermediateGradients(StepViews<T> v, StepWeights<T>[] weights, int k)
    {
        var spec = _layer.Spec;
        for (int i = 0; i < spec.Intermediates.Length; i++)
        {
            if (spec.Intermediates[i].Segment != k) continue;
            bool first = true;
            for (int g = 0; g < spec.Groups.Length; g++)
            {
                var group = spec.Groups[g];
                if (group.Operand != GemmOperand.Intermediate || group.Index != i) continue;
                weights[g].Multiply(v.GemmOutGrad(g), v.Workspace.Batch, v.IntermediateGrad(i), first ? Scalar<T>.Zero : Scalar<T>.One);
                first = false;
            }
        }
    }
}
