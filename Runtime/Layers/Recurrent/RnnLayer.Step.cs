using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>Starts running the layer one step at a time in inference (decoding): the memories' products run once here, and every
    /// <see cref="RnnStepper{T}.Step(Tensor{T})"/> after runs the step's products and the cell's fused inference kernels on buffers made here, so
    /// stepping allocates nothing. <paramref name="initialState"/>: one [B, d] tensor per state (null: zeros, or the learned state).</summary>
    public RnnStepper<T> Start(int batch, IReadOnlyList<Tensor<T>>? initialState = null, IReadOnlyList<Tensor<T>>? memories = null, IReadOnlyList<int[]?>? memoryLengths = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"A batch has at least one row, not {batch}.");
        var memoryRows = CheckMemories(memories, memoryLengths, batch);
        if (!IsBuilt) TakeInputSizes(Spec.Inputs.Select(p => Sizes[p.Dim]).ToArray(), memories?.Select(m => m.Shape[2]).ToArray());
        if (!IsBuilt) throw NotBuilt();
        var sizes = CallSizes(memories);
        CheckInitialState(initialState, batch, sizes);

        var ws = new RnnWorkspace<T>(Device, Spec, sizes, steps: 1, batch, training: false, Hooks.Count);
        var views = Views(ws, Spec.Inputs.Select(_ => default(ArrayView<T>)).ToArray(), memories, memoryRows);
        foreach (var hook in Hooks) hook.BeginForward(views, PassKind.Stepping);
        var ops = Device.Ops<T>();
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var slot0 = ws.Slot(ws.States[s], 0, ws.StateWidth[s]);
            if (initialState is not null) initialState[s].View.CopyTo(slot0);
            else if (LearnsInitialState) ops.AddRowVector(slot0, batch, ws.StateWidth[s], _initialState[s].Value);
        }
        MemoryProducts(ws, memories);
        // The stepper's own prepared weights: a training pass of the layer between its steps prepares the layer's, not these.
        var weights = Spec.Groups.Select(_ => _gemm!.StepWeights(transposed: true)).ToArray();
        PrepareWeights(weights, ws);
        return new RnnStepper<T>(this, ws, views, weights);
    }

    /// <summary>One inference step of a stepper: the inputs' products, then the step body every pass runs (the products of the
    /// states, the cell's kernels, the hooks); then the new state becomes the one the next step reads.</summary>
    internal void StepOnce(RnnWorkspace<T> ws, StepViews<T> views, StepWeights<T>[] weights, ArrayView<T>[] inputs, int stepNumber)
    {
        views.SetInputs(inputs);
        views.Step = 0;
        InputProducts(ws, inputs, ws.Batch);
        _stepLoop.Step(views, weights, stepNumber, PassKind.Stepping);
        for (int s = 0; s < Spec.States.Length; s++) views.NextState(s).CopyTo(views.State(s));
    }

    /// <summary>Buffers with a row per batch row that a stepper reorders with its rows: the states' and the hooks' (averaging's sums).</summary>
    internal List<(ArrayView<T> View, int Width)> RowState(RnnWorkspace<T> ws, StepViews<T> views)
    {
        var rows = new List<(ArrayView<T> View, int Width)>();
        for (int s = 0; s < Spec.States.Length; s++) rows.Add((views.State(s), ws.StateWidth[s]));
        foreach (var hook in Hooks) hook.AddRowState(ws, rows);
        return rows;
    }
}
