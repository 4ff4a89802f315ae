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
        CheckTensor(outputGrad, "output gradient");
        if (outputGrad.Shape.Length != 3 || outputGrad.Shape[0] != steps || outputGrad.Shape[1] != batch || outputGrad.Shape[2] != outWidth)
            throw new ArgumentException($"The output gradient must have the output's shape [{steps}, {batch}, {outWidth}], but got {outputGrad.ShapeText}.", nameof(outputGrad));
        if (finalStateGrad is not null && finalStateGrad.Count != Spec.States.Length)
            throw new ArgumentException($"{Spec.Name} has {Spec.States.Length} states, but {finalStateGrad.Count} final-state gradients were given.", nameof(finalStateGrad));
        for (int s = 0; s < Spec.States.Length; s++)
        {
            if (finalStateGrad?[s] is not { } g) continue;
            CheckTensor(g, $"final-state gradient {Spec.States[s].Name}");
            if (g.Shape.Length != 2 || g.Shape[0] != batch || g.Shape[1] != ws.StateWidth[s])
                throw new ArgumentException($"Final-state gradient {Spec.States[s].Name} must be [{batch}, {ws.StateWidth[s]}], but got {g.ShapeText}.", nameof(finalStateGrad));
        }

        for (int s = 0; s < Spec.States.Length; s++)
        {
            if (sequenceGrad?[s] is not { } g) continue;
            if (s == outState) throw new ArgumentException($"The gradient of {Spec.Name}'s output state comes as the output gradient, not as a state sequence.", nameof(sequenceGrad));
            CheckTensor(g, $"gradient of state sequence {Spec.States[s].Name}");
            if (g.Shape.Length != 3 || g.Shape[0] != steps || g.Shape[1] != batch || g.Shape[2] != ws.StateWidth[s])
                throw new ArgumentException($"The gradient of state sequence {Spec.States[s].Name} must be [{steps}, {batch}, {ws.StateWidth[s]}], but got {g.ShapeText}.", nameof(sequenceGrad));
        }

        PackWeights(ws, backward: true);
        for (int g = 0; g < Spec.Groups.Length; g++)
            if (!Spec.Groups[g].GradientAssigned) ws.GemmOutGrad[g].MemSetToZero();
        foreach (var b in ws.InputGrad) b.MemSetToZero();
        foreach (var b in ws.MemoryGrad) b.MemSetToZero();
        views.SetOutputGrad(outputGrad.View, outWidth);
        views.Flip = false;
        var lengths = context.Lengths;
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var next = views.NextStateGrad(s);
            if (lengths is null && finalStateGrad?[s] is { } g) g.View.CopyTo(next);
            else next.MemSetToZero();
        }

        var ops = Device.Ops<T>();
        for (int t = steps - 1; t >= 0; t--)
        {
            views.Step = t;
            // A state read at every step (by a layer above) takes that step's gradient: the state after step t.
            if (sequenceGrad is not null)
                for (int s = 0; s < Spec.States.Length; s++)
                    if (sequenceGrad[s] is { } g) ops.Axpy(1, ws.Slot(g.View, t, ws.StateWidth[s]), views.NextStateGrad(s));
            // A sequence that ends at step t takes its final state's gradient here: that state is the one after step t.
            if (lengths is not null && finalStateGrad is not null)
                for (int b = 0; b < batch; b++)
                {
                    if (lengths[b] != t + 1) continue;
                    for (int s = 0; s < Spec.States.Length; s++)
                        if (finalStateGrad[s] is { } g)
                        {
                            int w = ws.StateWidth[s];
                            ops.Axpy(1, g.View.SubView((long)b * w, w), views.NextStateGrad(s).SubView((long)b * w, w));
                        }
                }
            for (int s = 0; s < Spec.States.Length; s++) views.StateGrad(s).MemSetToZero();
            // Zoneout: the part of each state's gradient that kept the previous value goes straight to it; the kernel sees the rest.
            for (int s = 0; s < _zoneout.Length; s++)
                if (_zoneout[s] > 0)
                    ops.ZoneoutBackward(views.NextStateGrad(s), s == outState ? views.OutputGrad() : default,
                        ws.Slot(ZoneMask(ws, s), t, ws.StateWidth[s]), views.StateGrad(s));
            AverageStatesBackward(views, ws, t, outState);
            for (int k = Spec.Segments - 1; k >= 0; k--)
            {
                // Gradients of the operands this segment wrote, through the GEMMs that read them (all later segments are done).
                for (int i = 0; i < Spec.Intermediates.Length; i++)
                {
                    if (Spec.Intermediates[i].Segment != k) continue;
                    bool first = true;
                    for (int g = 0; g < Spec.Groups.Length; g++)
                    {
                        var group = Spec.Groups[g];
                        if (group.Operand != GemmOperand.Intermediate || group.Index != i) continue;
                        int width = ws.IntermediateWidth[i];
                        if (Packs(ws)) PackedProduct(views.GemmOutGrad(g), batch, ws.GroupWidth[g], _backwardPacks[g], views.IntermediateGrad(i), width, first ? 0f : 1f);
                        else _gemm!.Run(false, false, batch, width, ws.GroupWidth[g], Scalar<T>.One, views.GemmOutGrad(g), ws.GroupWidth[g],
                            Weights(g, ws), width, first ? Scalar<T>.Zero : Scalar<T>.One, views.IntermediateGrad(i), width);
                        first = false;
                    }
                }
                _program!.Backward(k, views);
            }
            // Recurrent products: dState += dP · W.
            for (int g = 0; g < Spec.Groups.Length; g++)
            {
                var group = Spec.Groups[g];
                if (group.Operand != GemmOperand.State) continue;
                int width = ws.StateWidth[group.Index];
                if (Packs(ws)) PackedProduct(views.GemmOutGrad(g), batch, ws.GroupWidth[g], _backwardPacks[g], views.StateGrad(group.Index), width, 1f);
                else _gemm!.Run(false, false, batch, width, ws.GroupWidth[g], Scalar<T>.One, views.GemmOutGrad(g), ws.GroupWidth[g],
                    Weights(g, ws), width, Scalar<T>.One, views.StateGrad(group.Index), width);
            }
            views.Flip = !views.Flip;
        }

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
                    if (Enumerable.Range(group.FirstParam, group.ParamCount).All(p => Spec.Params[p].Frozen || IsFrozen(p))) continue;
                    _gemm!.Run(true, false, n, width, positions, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.One, WeightGrads(group), width);
                    continue;
                }
                default:
                    width = ws.IntermediateWidth[group.Index];
                    operand = ws.Intermediates[group.Index];
                    break;
            }
            // Fixed matrices (a DFT) and frozen weights get no gradient.
            if (Enumerable.Range(group.FirstParam, group.ParamCount).All(p => Spec.Params[p].Frozen || IsFrozen(p))) continue;
            if (ws.WeightsDropped && group.Operand == GemmOperand.State)
            {
                // Dropped weights: the gradient reaches a weight through its mask.
                long length = WeightLength(group);
                using var dropped = Tensor<T>.Rent(Device, false, checked((int)length));
                _gemm!.Run(true, false, n, width, rows, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.Zero, dropped.View, width);
                ops.Multiply(dropped.View, ws.Extra("weightmask" + g, length), WeightGrads(group), accumulate: true);
                continue;
            }
            _gemm!.Run(true, false, n, width, rows, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.One, WeightGrads(group), width);
        }

        ReducePartialGradients();
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

    /// <summary>The backward of state averaging at step t. With G_t the gradient of the handed-on state after step t (the output's
    /// included), the state the cell computed receives (1 − α)·G_t + α·Σ_{u ≥ t} G_u / (u + 1): a reverse running sum R. The kernel adds
    /// the output gradient itself, so it is taken back out of what the kernel reads.</summary>
    private void AverageStatesBackward(StepViews<T> views, RnnWorkspace<T> ws, int t, int outState)
    {
        var ops = Device.Ops<T>();
        for (int s = 0; s < _averaging.Length; s++)
        {
            double alpha = _averaging[s];
            if (alpha == 0) continue;
            var r = ws.Extra("averageback" + s, (long)ws.Batch * ws.StateWidth[s]);
            if (t == ws.Steps - 1) r.MemSetToZero();
            var g = views.NextStateGrad(s);
            if (s == outState) ops.Axpy(1, views.OutputGrad(), g);
            ops.Axpy(1.0 / (t + 1), g, r);
            ops.Affine(g, 1 - alpha, 0, g);
            ops.Axpy(alpha, r, g);
            if (s == outState) ops.Axpy(-1, views.OutputGrad(), g);
        }
    }

    private bool IsFrozen(int layoutIndex)
    {
        var name = Layout[layoutIndex].Name;
        foreach (var p in _learned) if (p.Name == name) return p.Frozen;
        return true;
    }

    /// <summary>Adds the other threads' vector-parameter gradients into the gradient buffer and clears them.</summary>
    private unsafe void ReducePartialGradients()
    {
        if (_partialGrads is null || LayoutLength == _vectorOffset) return;
        Device.Synchronize();
        long total = LayoutLength, count = total - _vectorOffset;
        var grads = new Span<T>((T*)((ArrayView<T>)_grads!.View).SubView(_vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
        for (int w = 1; w < _gradShifts!.Length; w++)
        {
            var partial = new Span<T>((T*)((ArrayView<T>)_partialGrads.View).SubView((w - 1) * total + _vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
            if (typeof(T) == typeof(float))
                System.Numerics.Tensors.TensorPrimitives.Add(
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(grads), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(partial),
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(grads));
            else
                System.Numerics.Tensors.TensorPrimitives.Add(
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(grads), System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(partial),
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(grads));
            partial.Clear();
        }
    }
}
