using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>The buffers of one time step, as the generated launchers ask for them. Views are [B, width] row blocks.</summary>
public sealed class StepViews<T> where T : unmanaged
{
    private readonly RnnWorkspace<T> _ws;
    private readonly int[] _sizes;
    private readonly T[] _hypers;
    private readonly ArrayView<T>[] _params, _grads;
    private readonly ArrayView<T>[] _inputs;
    private ArrayView<T> _outputGrad;
    private int _outputWidth;

    internal StepViews(RnnWorkspace<T> ws, int[] sizes, T[] hypers, ArrayView<T>[] parameters, ArrayView<T>[] gradients,
        ArrayView<T>[] inputs, int groupSize)
    {
        _ws = ws;
        _sizes = sizes;
        _hypers = hypers;
        _params = parameters;
        _grads = gradients;
        _inputs = inputs;
        Config = new KernelConfig(ws.Batch, groupSize);
    }

    /// <summary>The launch shape of fused kernels: one group per batch row.</summary>
    public KernelConfig Config { get; }

    /// <summary>The step the views point at.</summary>
    public int Step { get; internal set; }

    /// <summary>Nonzero during backward: the state-gradient buffers swap each step.</summary>
    internal bool Flip { get; set; }

    internal void SetOutputGrad(ArrayView<T> outputGrad, int width)
    {
        _outputGrad = outputGrad;
        _outputWidth = width;
    }

    private int InputWidth(int i) => (int)(_inputs[i].Length / ((long)_ws.Steps * _ws.Batch));

    public int Size(int dim) => _sizes[dim];
    public T Hyper(int index) => _hypers[index];
    public ArrayView<T> Param(int index) => _params[index];
    public ArrayView<T> ParamGrad(int index) => _grads[index];
    public ArrayView<T> Input(int i) => _ws.Slot(_inputs[i], Step, InputWidth(i));
    public ArrayView<T> InputGrad(int i) => _ws.Slot(_ws.InputGrad[i], Step, InputWidth(i));
    public ArrayView<T> State(int s) => _ws.Slot(_ws.States[s], _ws.StateSlot(Step), _ws.StateWidth[s]);
    public ArrayView<T> NextState(int s) => _ws.Slot(_ws.States[s], _ws.StateSlot(Step + 1), _ws.StateWidth[s]);
    public ArrayView<T> GemmOut(int g) => _ws.Slot(_ws.GemmOut[g], _ws.GemmOut[g].Length > (long)_ws.Batch * _ws.GroupWidth[g] ? Step : 0, _ws.GroupWidth[g]);
    public ArrayView<T> GemmOutGrad(int g) => _ws.Slot(_ws.GemmOutGrad[g], Step, _ws.GroupWidth[g]);
    public ArrayView<T> Intermediate(int i) => _ws.Slot(_ws.Intermediates[i], _ws.StepSlot(Step), _ws.IntermediateWidth[i]);
    public ArrayView<T> IntermediateGrad(int i) => _ws.IntermediateGrad[i];
    public ArrayView<T> StateGrad(int s) => Flip ? _ws.StateGradB[s] : _ws.StateGradA[s];
    public ArrayView<T> NextStateGrad(int s) => Flip ? _ws.StateGradA[s] : _ws.StateGradB[s];
    public ArrayView<T> OutputGrad() => _ws.Slot(_outputGrad, Step, _outputWidth);
    public ArrayView<T> Scratch(int k) => _ws.Scratch[k];
}
