using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>The buffers of one time step, as the generated launchers ask for them. Views are [B, width] row blocks.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it; users never need to
public sealed unsafe class StepViews<T> where T : unmanaged
{
    private readonly RnnWorkspace<T> _ws;
    private readonly int[] _sizes;
    private readonly T[] _hypers;
    private readonly ArrayView<T>[] _params, _grads;
    private ArrayView<T>[] _inputs;
    private ArrayView<T>[] _memories = Array.Empty<ArrayView<T>>();
    private ArrayView<T> _outputGrad;
    private int _outputWidth;

    private readonly CpuWorkers? _workers;
    private readonly nint[] _gradShifts;
    private readonly int _rowsPerWorker;

    internal StepViews(RnnWorkspace<T> ws, int[] sizes, T[] hypers, ArrayView<T>[] parameters, ArrayView<T>[] gradients,
        ArrayView<T>[] inputs, int groupSize, CpuWorkers? workers = null, nint[]? gradShifts = null, int rowsPerWorker = 1)
    {
        _workers = workers;
        _gradShifts = gradShifts ?? new nint[1];
        _rowsPerWorker = Math.Max(1, rowsPerWorker);
        _ws = ws;
        _sizes = sizes;
        _hypers = hypers;
        _params = parameters;
        _grads = gradients;
        _inputs = inputs;
        Config = new KernelConfig(ws.Batch, groupSize);
        SplitConfig = SplitShape(ws.Batch, sizes, groupSize);
    }

    /// <summary>The workspace the views point into.</summary>
    internal RnnWorkspace<T> Workspace => _ws;

    /// <summary>The launch shape of fused kernels that reduce over a row: one group per batch row.</summary>
    public KernelConfig Config { get; }

    /// <summary>The launch shape of fused kernels whose elements are independent: per batch row as many groups as cover its widest
    /// dimension (at most 64), so a small batch still fills a GPU's multiprocessors. Groups here are a quarter of the row kernels'
    /// (at least 16 threads): on ILGPU's CPU accelerator that splits even test-sized rows, so CI runs the path CUDA takes.</summary>
    public KernelConfig SplitConfig { get; }

    private static KernelConfig SplitShape(int batch, int[] sizes, int groupSize)
    {
        int group = Math.Max(16, groupSize / 4), widest = Math.Max(1, sizes.Max());
        int groups = Math.Clamp((widest + group - 1) / group, 1, 64);
        return new KernelConfig(new Index2D(batch, groups), new Index2D(group, 1));
    }

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

    /// <summary>The size of dimension <paramref name="dim"/> (in <see cref="CellSpec.Dims"/> order).</summary>
    public int Size(int dim) => _sizes[dim];
    /// <summary>The value of hyperparameter <paramref name="index"/>.</summary>
    public T Hyper(int index) => _hypers[index];
    /// <summary>Parameter <paramref name="index"/>, row-major.</summary>
    public ArrayView<T> Param(int index) => _params[index];
    /// <summary>The gradient of parameter <paramref name="index"/>.</summary>
    public ArrayView<T> ParamGrad(int index) => _grads[index];
    /// <summary>Input <paramref name="i"/> at this step [B, d].</summary>
    public ArrayView<T> Input(int i) => _ws.Slot(_inputs[i], Step, InputWidth(i));
    /// <summary>The gradient of input <paramref name="i"/> at this step [B, d].</summary>
    public ArrayView<T> InputGrad(int i) => _ws.Slot(_ws.InputGrad[i], Step, InputWidth(i));
    /// <summary>State <paramref name="s"/> before this step [B, d].</summary>
    public ArrayView<T> State(int s) => _ws.Slot(_ws.States[s], _ws.StateSlot(Step), _ws.StateWidth[s]);
    /// <summary>State <paramref name="s"/> after this step [B, d].</summary>
    public ArrayView<T> NextState(int s) => _ws.Slot(_ws.States[s], _ws.StateSlot(Step + 1), _ws.StateWidth[s]);
    /// <summary>The output of GEMM group <paramref name="g"/> for this step (the whole sequence's for a group over a memory).</summary>
    public ArrayView<T> GemmOut(int g) => _ws.IsMemoryGroup[g] ? _ws.GemmOut[g] : _ws.Slot(_ws.GemmOut[g], _ws.GemmSlot(g, Step), _ws.GroupWidth[g]);
    /// <summary>The gradient of GEMM group <paramref name="g"/>'s output for this step.</summary>
    public ArrayView<T> GemmOutGrad(int g) => _ws.IsMemoryGroup[g] ? _ws.GemmOutGrad[g] : _ws.Slot(_ws.GemmOutGrad[g], Step, _ws.GroupWidth[g]);

    /// <summary>Memory k, whole [B, S, E] (the same at every step).</summary>
    public ArrayView<T> Memory(int k) => _memories[k];
    /// <summary>The gradient of memory k [B, S, E], which every step adds to.</summary>
    public ArrayView<T> MemoryGrad(int k) => _ws.MemoryGrad[k];
    /// <summary>Each batch row's number of positions of dimension <paramref name="dim"/> (a memory's positions) [B].</summary>
    public ArrayView<int> Lengths(int dim) => _ws.Lengths[dim];

    internal void SetMemories(ArrayView<T>[] memories) => _memories = memories;
    /// <summary>The inputs a stepper's next step reads ([B, width] each).</summary>
    internal void SetInputs(ArrayView<T>[] inputs) => _inputs = inputs;
    /// <summary>Intermediate <paramref name="i"/> at this step: a value the forward keeps for the backward.</summary>
    public ArrayView<T> Intermediate(int i) => _ws.Slot(_ws.Intermediates[i], _ws.StepSlot(Step), _ws.IntermediateWidth[i]);
    /// <summary>The gradient of intermediate <paramref name="i"/>.</summary>
    public ArrayView<T> IntermediateGrad(int i) => _ws.IntermediateGrad[i];
    /// <summary>The gradient of state <paramref name="s"/> before this step, which the backward writes.</summary>
    public ArrayView<T> StateGrad(int s) => Flip ? _ws.StateGradB[s] : _ws.StateGradA[s];
    /// <summary>The gradient of state <paramref name="s"/> after this step, which the backward reads.</summary>
    public ArrayView<T> NextStateGrad(int s) => Flip ? _ws.StateGradA[s] : _ws.StateGradB[s];
    /// <summary>The gradient of the layer's output at this step [B, d].</summary>
    public ArrayView<T> OutputGrad() => _ws.Slot(_outputGrad, Step, _outputWidth);
    /// <summary>Scratch buffer <paramref name="k"/>, shared by the segments of one step.</summary>
    public ArrayView<T> Scratch(int k) => _ws.Scratch[k];
    /// <summary>Dropout mask <paramref name="k"/> at this step (0 or 1/(1 − rate)).</summary>
    public ArrayView<T> Mask(int k) => _ws.Slot(_ws.Masks[k], _ws.StepSlot(Step), _ws.MaskWidth[k]);

    /// <summary>Where probe k (equation k of the cell) is written at this step, while recording: [B, d] of a [T, B, d] buffer.</summary>
    public ArrayView<T> Probe(int k) => Probes is { } p ? _ws.Slot(p[k], Step, (int)(p[k].Length / ((long)_ws.Steps * _ws.Batch))) : default;

    /// <summary>The recording buffers, one [T, B, d] per probe of the cell (null when not recording).</summary>
    internal ArrayView<T>[]? Probes { get; set; }

    /// <summary>The host address of a view (CPU device only: its buffers are host memory).</summary>
    public T* Ptr(ArrayView<T> view) => (T*)view.LoadEffectiveAddressAsPtr();
    /// <summary>The host address of a view of lengths (CPU device only).</summary>
    public int* Ptr(ArrayView<int> view) => (int*)view.LoadEffectiveAddressAsPtr();

    /// <summary>Runs a native CPU kernel over the batch rows, split over the device's threads when the batch is large enough;
    /// each thread adds its parameter gradients into its own buffer (shifted by <c>gradShift</c>), summed after the backward pass.</summary>
    public void ForRows<TArgs>(TArgs* args, delegate*<in TArgs, int, int, nint, void> kernel) where TArgs : unmanaged
    {
        int rows = _ws.Batch;
        int chunks = _workers is null ? 1 : Math.Min(Math.Min(_workers.Count, _gradShifts.Length), rows / _rowsPerWorker);
        if (chunks <= 1)
        {
            kernel(in *args, 0, rows, 0);
            return;
        }
        fixed (nint* shifts = _gradShifts)
        {
            var job = new RowJob<TArgs> { Args = args, Kernel = kernel, Rows = rows, Chunks = chunks, Shifts = shifts };
            _workers!.Run(chunks, &RowJob<TArgs>.Execute, &job);
        }
    }

    private struct RowJob<TArgs> where TArgs : unmanaged
    {
        public TArgs* Args;
        public delegate*<in TArgs, int, int, nint, void> Kernel;
        public int Rows, Chunks;
        public nint* Shifts;

        public static void Execute(void* state, int chunk)
        {
            var job = (RowJob<TArgs>*)state;
            job->Kernel(in *job->Args, job->Rows * chunk / job->Chunks, job->Rows * (chunk + 1) / job->Chunks, job->Shifts[chunk]);
        }
    }
}
