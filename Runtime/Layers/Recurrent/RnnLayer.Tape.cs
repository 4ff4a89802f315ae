using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

public partial class RnnLayer<T>
{
    /// <summary>The layer as one tape operation: the whole sequence runs fused, and on a training tape the backward pass through
    /// time is recorded as one entry (its activations stay in the layer's workspace until then). The input and a given initial state
    /// are copied to the layer's device if they are elsewhere. Without an initial state the layer starts from zeros, or from its
    /// learned state. With <paramref name="stateSequences"/> the result also holds every state at every step.</summary>
    public RecurrentOutput<T> Forward(Var<T> input, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null, bool stateSequences = false)
    {
        if (Spec.Inputs.Length > 1)
            throw new ArgumentException($"{Spec.Name} reads {Spec.Inputs.Length} inputs ({string.Join(", ", Spec.Inputs.Select(p => p.Name))}); give them all: Forward(new[] {{ … }}, state).", nameof(input));
        return Forward(new[] { input }, initialState, lengths, stateSequences);
    }

    /// <summary>The layer over one sequence per [Input] of its cell (in declaration order), as one tape operation. A cell with
    /// [Memory] properties (attention) reads one <see cref="SequenceMemory{T}"/> each, and the memories receive their gradients.</summary>
    public RecurrentOutput<T> Forward(IReadOnlyList<Var<T>> inputs, IReadOnlyList<Var<T>>? initialState, int[]? lengths = null, bool stateSequences = false,
        IReadOnlyList<SequenceMemory<T>>? memories = null)
    {
        if (inputs.Count == 0) throw new ArgumentException("Give the layer its input.", nameof(inputs));
        var tape = inputs[0].Tape;
        var xs = inputs.Select(x => Ops.To(x, Device)).ToArray();
        foreach (var x in xs)
            if (x.Shape.Length != 3) throw new ArgumentException($"{Spec.Name} runs over sequences [T, B, features], not {x.Value.ShapeText}.", nameof(inputs));
        var ms = memories?.Select(m => Ops.To(m.Values, Device)).ToArray();
        if (!IsBuilt) TakeInputSizes(xs.Select(x => x.Features).ToArray(), ms?.Where(m => m.Shape.Length == 3).Select(m => m.Shape[2]).ToArray());
        int batch = xs[0].Shape[1];
        var init = initialState?.Select(s => Ops.To(s, Device)).ToArray();
        if (init is null && LearnsInitialState) init = _initialState.Select(p => Ops.BroadcastRows(tape.Parameter(p), batch)).ToArray();

        bool training = tape.Training;
        // The cell's own masks (and zoneout's and weight-drop's) come from the tape's generator, so a resumed run draws what an
        // uninterrupted one would.
        if (training && DrawsMasks) SeedMasks(tape.Rng.NextUInt64());
        bool requiresGrad = training && (xs.Any(x => x.RequiresGrad) || init?.Any(s => s.RequiresGrad) == true || ms?.Any(m => m.RequiresGrad) == true || _learned.Any(p => !p.Frozen));
        // A training pass keeps every step's activations for the backward pass, and draws the cell's dropout masks for every step:
        // so does a frozen layer's, which needs no backward pass but still drops out.
        bool dropsOut = training && DrawsMasks;
        var result = Run(xs.Select(x => x.Value).ToArray(), init?.Select(s => s.Value).ToArray(), requiresGrad || dropsOut, lengths, stateSequences,
            ms?.Select(m => m.Value).ToArray(), memories?.Select(m => m.Lengths).ToArray());
        var output = tape.Result(result.Output, requiresGrad);
        var final = result.FinalState.Select(f => tape.Result(f, requiresGrad)).ToArray();
        var sequences = result.StateSequences?.Select(s => s is null ? null : tape.Result(s, requiresGrad)).ToArray();
        var states = sequences?.Select((s, k) => s ?? output).ToArray();
        if (result.Context is not { } context) return new RecurrentOutput<T>(output, final, states);
        if (!requiresGrad)
        {
            context.Dispose();
            return new RecurrentOutput<T>(output, final, states);
        }

        tape.Record(() =>
        {
            var dOut = output.Grad ?? Tensor<T>.Rent(Device, true, output.Shape);
            var (dInputs, dInitial, dMemories) = Backward(context, dOut, final.Select(f => f.Grad).ToArray(), sequences?.Select(s => s?.Grad).ToArray(),
                xs.Select(x => x.RequiresGrad).ToArray(), wantInitial: init?.Any(s => s.RequiresGrad) == true, wantMemories: ms?.Any(m => m.RequiresGrad) == true);
            for (int k = 0; k < dMemories.Length; k++)
                if (dMemories[k] is { } g)
                {
                    if (ms![k].RequiresGrad) ms[k].AddGrad(g, adopt: true);
                    else g.Dispose();
                }
            if (output.Grad is null) dOut.Dispose();
            for (int k = 0; k < dInputs.Length; k++)
                if (dInputs[k] is { } g) xs[k].AddGrad(g, adopt: true);
            for (int s = 0; s < dInitial.Length; s++)
                if (dInitial[s] is { } g)
                {
                    if (init![s].RequiresGrad) init[s].AddGrad(g, adopt: true);
                    else g.Dispose();
                }
        }, final.Prepend(output).Concat(sequences?.Where(s => s is not null).Select(s => s!) ?? Enumerable.Empty<Var<T>>()).Cast<ITracked>().ToArray(), context);
        return new RecurrentOutput<T>(output, final, states);
    }

    /// <summary>The output sequence, from zeros (or the learned initial state).</summary>
    public Var<T> Forward(Var<T> x) => Forward(x, null).Output;
}

/// <summary>A sequence a layer attends over (a [Memory] of its cell): <paramref name="Values"/> [B, S, E], batch-major (each row's
/// positions together; <see cref="Ops.BatchMajor{T}"/> turns an encoder's [S, B, E] output around), and each row's number of positions
/// (null: every row has all S). Positions past a row's length are padding that attention never reads.</summary>
/// <param name="Values">The sequence [B, S, E].</param>
/// <param name="Lengths">Each row's number of positions; null when every row has all S.</param>
public sealed record SequenceMemory<T>(Var<T> Values, int[]? Lengths = null) where T : unmanaged;
