namespace Recur;

/// <summary>What the generator implements for every <c>[RnnCell]</c>: the cell's spec and its compiled kernels.</summary>
public interface IRnnCell
{
    /// <summary>Parameter table, states, hyperparameters and schedule.</summary>
    static abstract CellSpec Spec { get; }

    /// <summary>Loads the cell's fused kernels for one device (ILGPU kernels, or native code on <see cref="Device.Cpu"/>);
    /// <typeparamref name="T"/> is float or double.</summary>
    static abstract CellProgram<T> CreateProgram<T>(Device device) where T : unmanaged;
}

/// <summary>A cell's fused kernels, loaded once per accelerator: one forward and one backward kernel per segment.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it; users never need to
public abstract class CellProgram<T> where T : unmanaged
{
    /// <summary>Runs segment <paramref name="segment"/> of the step that <paramref name="views"/> points at.</summary>
    public abstract void Forward(int segment, StepViews<T> views);

    /// <summary>Runs segment <paramref name="segment"/> like <see cref="Forward"/> and also writes the cell's equations into
    /// <see cref="StepViews{T}.Probe"/>, for recording.</summary>
    public virtual void ForwardProbed(int segment, StepViews<T> views) => Forward(segment, views);

    /// <summary>Runs the backward of segment <paramref name="segment"/>: gradients into GEMM outputs, states, parameters and inputs.</summary>
    public abstract void Backward(int segment, StepViews<T> views);
}
