using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>Backpropagates through the last training <see cref="Forward(Tensor{T}, IReadOnlyList{Tensor{T}}, bool, int[])"/>: <paramref name="outputGrad"/> is dL/dOutput [T, B, H],
    /// <paramref name="finalStateGrad"/> optionally dL/dFinalState. Adds the parameter gradients into the layer's gradient buffer.</summary>
    public RnnGradients<T> Backward(Tensor<T> outputGrad, IReadOnlyList<Tensor<T>>? finalStateGrad = null)
    {
        var context = _last is { Used: false } last ? last : throw new InvalidOperationException(
            "Backward needs a Forward with training: true first (and at most one Backward per Forward, before its result is disposed).");
        _last = null;
        var (dInputs, dInitial, dMemories) = Backward(context, outputGrad, finalStateGrad, null, Spec.Inputs.Select(_ => true).ToArray(), wantInitial: true, wantMemories: true);
        return new RnnGradients<T>(dInputs.Select(t => t!).ToArray(), dInitial.Select(t => t!).ToArray(), dMemories.Select(t => t!).ToArray());
    }

    /// <summary>The backward pass of one training forward (its <paramref name="context"/>). Null final-state gradients are zeros;
    /// <paramref name="sequenceGrad"/>, when given, holds gradients of states other than the output at every step [T, B, d] (null where
    /// none). Returns the input, initial-state and memory gradients that were asked for, as tensors from the pool.</summary>
    internal (Tensor<T>?[] Inputs, Tensor<T>?[] Initial, Tensor<T>?[] Memories) Backward(RnnContext<T> context, Tensor<T> outputGrad, IReadOnlyList<Tensor<T>?>? finalStateGrad,
        IReadOnlyList<Tensor<T>?>? sequenceGrad, bool[] wantInputs, bool wantInitial, bool wantMemories = false)
    {
        if (context.Used) throw new InvalidOperationException("This forward pass was backpropagated already (at most one Backward per Forward).");
        context.Used = true;
        var ws = context.Workspace;
        var views = context.Views;
        int steps = ws.Steps, batch = ws.Batch, outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        CheckGradients(ws, outputGrad, finalStateGrad, sequenceGrad);

        PrepareWeights(_backwardWeights, ws);
        for (int g = 0; g < Spec.Groups.Length; g++)
            if (!Spec.Groups[g].GradientAssigned) ws.GemmOutGrad[g].MemSetToZero();
        foreach (var b in ws.InputGrad) b.MemSetToZero();
        foreach (var b in ws.MemoryGrad) b.MemSetToZero();
        views.SetOutputGrad(outputGrad.View, outWidth);
        views.Flip = false;
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var next = views.NextStateGrad(s);
            if (context.Lengths is null && finalStateGrad?[s] is { } g) g.View.CopyTo(next);
            else next.MemSetToZero();
        }
        _loop.Backward(new BackwardPass<T>(context, _backwardWeights, finalStateGrad, sequenceGrad));

        // Weight gradients for all steps at once, and the input gradient through the input projections.
        int rows = steps * batch;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            int n = ws.GroupWidth[g];
            ArrayView<T> operand;
            int width;
            switch (group.Operand)
            {
                case GemmOperand.Input:
                    width = Sizes[Spec.Inputs[group.Index].Dim];
                    operand = context.Inputs[group.Index].View;
                    _gemm!.Run(false, false, rows, width, n, Scalar<T>.One, ws.GemmOutGrad[g], n, Weights(group), width, Scalar<T>.One, ws.InputGrad[group.Index], width);
                    break;
                case GemmOperand.State:
                    width = ws.StateWidth[group.Index];
                    operand = ws.States[group.Index].SubView(0, (long)rows * width);
                    break;
                case GemmOperand.Memory:
                {
                    // The memory's gradient through its product, summed over every step already: dM += dP · W over [B·S] rows.
                    var memory = Spec.Memories![group.Index];
                    width = ws.Sizes[memory.Dim];
                    operand = context.Memories[group.Index].View;
                    int positions = batch * ws.Sizes[memory.SeqDim];
                    _gemm!.Run(false, false, positions, width, n, Scalar<T>.One, ws.GemmOutGrad[g], n, Weights(group), width, Scalar<T>.One, ws.MemoryGrad[group.Index], width);
                    if (TakesNoGradient(group)) continue;
                    _gemm!.Run(true, false, n, width, positions, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.One, WeightGrads(group), width);
                    continue;
                }
                default:
                    width = ws.IntermediateWidth[group.Index];
                    operand = ws.Intermediates[group.Index];
                    break;
            }
            // Fixed matrices (a DFT) and frozen weights get no gradient.
            if (TakesNoGradient(group)) continue;
            if (_weightDrop.AddWeightGradient(g, ws, _gemm!, n, width, rows, operand, WeightGrads(group))) continue;
            _gemm!.Run(true, false, n, width, rows, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.One, WeightGrads(group), width);
        }

        _partialGrads?.Reduce();
        // Frozen parameters get no gradient, whatever the fused kernels added for them.
        foreach (var p in _learned) if (p.Frozen) p.ZeroGrad();

        var dInputs = new Tensor<T>?[Spec.Inputs.Length];
        for (int k = 0; k < dInputs.Length; k++)
        {
            if (!wantInputs[k]) continue;
            dInputs[k] = Tensor<T>.Rent(Device, false, steps, batch, Sizes[Spec.Inputs[k].Dim]);
            ws.InputGrad[k].CopyTo(dInputs[k]!.View);
        }
        var dMemories = new Tensor<T>?[ws.MemoryGrad.Length];
        for (int k = 0; k < dMemories.Length && wantMemories; k++)
        {
            dMemories[k] = Tensor<T>.Rent(Device, false, context.Memories[k].Shape);
            ws.MemoryGrad[k].CopyTo(dMemories[k]!.View);
        }
        views.Flip = !views.Flip; // the last swap moved dL/dS0 into the "next" buffers
        var dInitial = new Tensor<T>?[Spec.States.Length];
        if (wantInitial)
            for (int s = 0; s < dInitial.Length; s++)
            {
                dInitial[s] = Tensor<T>.Rent(Device, false, batch, ws.StateWidth[s]);
                views.StateGrad(s).CopyTo(dInitial[s]!.View);
            }
        context.Dispose();
        return (dInputs, dInitial, dMemories);
    }

    /// <summary>Whether every weight of a group is a fixed matrix or frozen.</summary>
    private bool TakesNoGradient(GemmGroupSpec group)
    {
        for (int p = group.FirstParam; p < group.FirstParam + group.ParamCount; p++)
            if (!Spec.Params[p].Frozen && !IsFrozen(p)) return false;
        return true;
    }

    private bool IsFrozen(int layoutIndex)
    {
        var name = Layout[layoutIndex].Name;
        foreach (var p in _learned) if (p.Name == name) return p.Frozen;
        return true;
    }
}
