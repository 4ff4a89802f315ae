using System;

namespace Recur;

/// <summary>What one training forward keeps for its backward pass: the workspace with every step's activations, the views over it,
/// the inputs, and the sequence lengths (null: all full). Disposing it hands the workspace back to the layer.</summary>
internal sealed class RnnContext<T> : IDisposable where T : unmanaged
{
    private readonly RnnLayer<T> _layer;
    private bool _returned;

    public RnnContext(RnnLayer<T> layer, RnnWorkspace<T> workspace, StepViews<T> views, Tensor<T>[] inputs, int[]? lengths, Tensor<T>[] memories)
    {
        _layer = layer;
        Workspace = workspace;
        Views = views;
        Inputs = inputs;
        Lengths = lengths;
        Memories = memories;
    }

    public RnnWorkspace<T> Workspace { get; }
    public StepViews<T> Views { get; }
    public Tensor<T>[] Inputs { get; }
    public int[]? Lengths { get; }
    /// <summary>The memories the cell attended over [B, S, E] (their products' gradients need them).</summary>
    public Tensor<T>[] Memories { get; }
    public bool Used { get; set; }

    public void Dispose()
    {
        if (_returned) return;
        _returned = true;
        Used = true;
        _layer.ReturnWorkspace(Workspace);
    }
}
