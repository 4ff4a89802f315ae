using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>The layer as one tape operation: the whole sequence runs fused, and on a training tape the backward pass through
    /// time is recorded as one entry (its activations stay in the layer's workspace until then). The input and a given initial state
    /// are copied to the layer's device if they are elsewhere. Without an initial state the layer starts from zeros, or from its
    /// learned state.</summary>
    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null)
    {
        var tape = input.Tape;
        input = Ops.To(input, Device);
        if (input.Shape.Length != 3) throw new ArgumentException($"{Spec.Name} runs over sequences [T, B, features], not {input.Value.ShapeText}.", nameof(input));
        if (!IsBuilt) { Sizes[Spec.Inputs[0].Dim] = input.Features; Build(); }
        int batch = input.Shape[1];
        var init = initialState?.Select(s => Ops.To(s, Device)).ToArray();
        if (init is null && LearnsInitialState) init = _initialState.Select(p => Ops.BroadcastRows(tape.Parameter(p), batch)).ToArray();

        bool training = tape.Training;
        // The cell's own masks come from the tape's generator, so a resumed run draws what an uninterrupted one would.
        if (training && Spec.Masks is { Length: > 0 }) SeedMasks(tape.Rng.NextUInt64());
        bool requiresGrad = training && (input.RequiresGrad || init?.Any(s => s.RequiresGrad) == true || _learned.Any(p => !p.Frozen));
        // A training pass keeps every step's activations for the backward pass, and draws the cell's dropout masks for every step:
        // so does a frozen layer's, which needs no backward pass but still drops out.
        bool dropsOut = training && Spec.Masks is { Length: > 0 };
        var result = Run(input.Value, init?.Select(s => s.Value).ToArray(), requiresGrad || dropsOut, lengths);
        var output = tape.Result(result.Output, requiresGrad);
        var final = result.FinalState.Select(f => tape.Result(f, requiresGrad)).ToArray();
        if (result.Context is not { } context) return new RecurrentOutput<T>(output, final);
        if (!requiresGrad)
        {
            context.Dispose();
            return new RecurrentOutput<T>(output, final);
        }

        tape.Record(() =>
        {
            var dOut = output.Grad ?? Tensor<T>.Rent(Device, true, output.Shape);
            var (dInput, dInitial) = Backward(context, dOut, final.Select(f => f.Grad).ToArray(),
                wantInput: input.RequiresGrad, wantInitial: init?.Any(s => s.RequiresGrad) == true);
            if (output.Grad is null) dOut.Dispose();
            if (dInput is not null) input.AddGrad(dInput, adopt: true);
            for (int s = 0; s < dInitial.Length; s++)
                if (dInitial[s] is { } g)
                {
                    if (init![s].RequiresGrad) init[s].AddGrad(g, adopt: true);
                    else g.Dispose();
                }
        }, final.Prepend(output).Cast<ITracked>().ToArray(), context);
        return new RecurrentOutput<T>(output, final);
    }

    /// <summary>The output sequence, from zeros (or the learned initial state).</summary>
    public Var<T> Forward(Var<T> x) => Forward(x, null).Output;
}
