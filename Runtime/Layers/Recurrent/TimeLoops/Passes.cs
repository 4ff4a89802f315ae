using System.Collections.Generic;

namespace Recur;

/// <summary>A forward pass as the layer hands it to its time loop: the workspace and views set up for it, its kind, each row's
/// length (null: all full) and where the outputs go (the loop writes them step by step only where the workspace keeps two slots).</summary>
internal sealed record ForwardPass<T>(RnnWorkspace<T> Workspace, StepViews<T> Views, StepWeights<T>[] Weights, PassKind Kind, int[]? Lengths,
    Tensor<T> Output, Tensor<T>[] Final, Tensor<T>?[]? Sequences) where T : unmanaged;

/// <summary>A backward pass as the layer hands it to its time loop: the forward's context, the gradients that come in (null final
/// states are zeros; <paramref name="SequenceGrad"/> holds gradients of non-output states at every step, null where none) and the
/// weights of the per-step products, prepared for backward.</summary>
internal sealed record BackwardPass<T>(RnnContext<T> Context, StepWeights<T>[] Weights, IReadOnlyList<Tensor<T>?>? FinalStateGrad,
    IReadOnlyList<Tensor<T>?>? SequenceGrad) where T : unmanaged;
