namespace Recur;

/// <summary>How a recurrent layer walks over time. The layer (its layout) sets a pass up — checks, workspace, initial states, the
/// input and memory products of every step, the hooks' masks, this pass's weights — and hands the walk to its time loop; after it
/// the layer takes the outputs and, backward, the weight gradients of all steps at once. A new way of running a cell over time
/// (one kernel for the whole sequence, a parallel scan, weight-stationary workers) is a new implementation of this interface.</summary>
internal interface ITimeLoop<T> where T : unmanaged
{
    /// <summary>A short name for benchmarks and errors.</summary>
    string Name { get; }

    /// <summary>Runs every step of a forward pass: each step's products, the cell's kernels and the hooks, in order. An inference
    /// pass keeps two state slots, so the loop copies each step's output (and state sequences) out as it goes; with lengths, each
    /// row's final state is taken after its own last step.</summary>
    void Forward(ForwardPass<T> pass);

    /// <summary>Runs every step of a backward pass in reverse: the state gradients through the cell's backward kernels and the
    /// products that read states and intermediates. It leaves each group's output gradient for every step in the workspace
    /// (the layer turns those into weight and input gradients) and the initial states' gradients in the views.</summary>
    void Backward(BackwardPass<T> pass);
}
