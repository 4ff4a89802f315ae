using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A parameter of a recurrent layer: its name from the generated table, its shape, and where it sits in the flat buffers.
/// One that is not <see cref="Learned"/> is a fixed matrix of the cell (a DFT): optimizers and checkpoints leave it alone.</summary>
/// <param name="Name">Its dotted name from the generated table.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Offset">Where it starts in the layer's flat buffers.</param>
/// <param name="Length">Its number of elements.</param>
/// <param name="Learned">False for a fixed matrix of the cell.</param>
public sealed record ParameterInfo(string Name, int[] Shape, long Offset, long Length, bool Learned = true);

/// <summary>A recurrent layer running a generated cell over sequences [T, B, In], in float or double, whatever the cell: the part
/// models are built from (<see cref="Rnn{TCell, T}"/> names the cell). Forward runs the input projections of all steps as one GEMM,
/// then per step the recurrent GEMMs and the cell's fused kernels; backward runs the fused backward kernels step by step in reverse
/// and the weight gradients as one GEMM per group at the end. All parameters live in one flat buffer, which the kernels index.
/// The input size may be left to the first call.</summary>
public partial class RnnLayer<T> : Part, IRecurrent<T> where T : unmanaged
{
    private readonly Func<CellProgram<T>> _loadProgram;
    private readonly T[] _hypers;
    private readonly int _seed;
    private readonly List<RnnWorkspace<T>> _freeWorkspaces = new();
    private readonly List<Parameter<T>> _initialState = new();
    private readonly Zoneout<T> _zoneout;
    private readonly StateAveraging<T> _averaging;
    private readonly WeightDrop<T> _weightDrop;
    private readonly Recording<T> _recording;
    private readonly ITimeLoop<T> _loop;
    private readonly PerStepLoop<T> _stepLoop; // what a stepper runs, whatever loop whole passes take
    private CellProgram<T>? _program;
    private IGemm<T>? _gemm;
    private MemoryBuffer1D<T, Stride1D.Dense>? _params, _grads;
    private PartialGradients<T>? _partialGrads;
    private ArrayView<T>[] _paramViews = Array.Empty<ArrayView<T>>(), _gradViews = Array.Empty<ArrayView<T>>();
    private Parameter<T>[] _learned = Array.Empty<Parameter<T>>();
    // The weights of the per-step products, as this pass uses them: multiplied by Wᵀ forward, by W backward.
    private StepWeights<T>[] _forwardWeights = Array.Empty<StepWeights<T>>(), _backwardWeights = Array.Empty<StepWeights<T>>();
    private RnnWorkspace<T>? _inferenceWorkspace;
    private RnnContext<T>? _last;
    private IReadOnlyList<ParameterInfo>? _layout;

    /// <summary>A layer of the cell <paramref name="spec"/> describes; a subclass (<see cref="Rnn{TCell, T}"/>) names the cell and how its kernels load.</summary>
    /// <param name="device">Where the layer's parameters live and it computes.</param>
    /// <param name="spec">The cell's spec (from the generator).</param>
    /// <param name="loadProgram">Loads the cell's kernels for the device (once per device).</param>
    /// <param name="inputSize">Features of the input; null to take them from the first call.</param>
    /// <param name="hiddenSize">The size of the cell's Hidden dimension.</param>
    /// <param name="dims">Sizes of the cell's own dimensions, by name.</param>
    /// <param name="seed">Seeds the initializers and the cell's dropout masks.</param>
    /// <param name="hypers">Hyperparameter values, by name, set before the parameters are initialized (some initializers read them).</param>
    /// <param name="learnInitialState">Learn the state each sequence starts from (parameters <c>initial.C</c>, …) instead of zeros.</param>
    protected RnnLayer(Device device, CellSpec spec, Func<CellProgram<T>> loadProgram, int? inputSize, int hiddenSize,
        IReadOnlyDictionary<string, int>? dims, int seed, IReadOnlyDictionary<string, double>? hypers, bool learnInitialState)
        : base(device ?? throw new ArgumentNullException(nameof(device)))
    {
        Spec = spec;
        _loadProgram = loadProgram;
        _seed = seed;
        LearnsInitialState = learnInitialState;
        // A dimension only inputs and memories have (In, the width of a second input, a memory's features) may be left to the first
        // call; a memory's positions are sized by each call.
        var inputDims = Spec.Inputs.Select(p => p.Dim).Concat((Spec.Memories ?? Array.Empty<MemorySpec>()).Select(m => m.Dim)).ToHashSet();
        Sizes = Spec.Dims.Select((d, i) => d switch
        {
            _ when Spec.IsSeqDim(i) => 0,
            "In" => inputSize ?? 0,
            "Hidden" => hiddenSize,
            _ => dims is not null && dims.TryGetValue(d, out var n) ? n
                // A dimension the equations index (λ[2]) defaults to the smallest size they allow.
                : Spec.MinSizes is { } min && min[i] > 0 ? min[i]
                : inputDims.Contains(i) ? 0
                : throw new ArgumentException($"{Spec.Name} has a dimension '{d}' with no size; pass dims: new Dictionary<string, int> {{ [\"{d}\"] = ... }}."),
        }).ToArray();
        for (int i = 0; i < Sizes.Length; i++)
        {
            if (Spec.IsSeqDim(i) || Sizes[i] == 0 && inputDims.Contains(i) && (Spec.Dims[i] != "In" || inputSize is null)) continue;
            if (Spec.MinSizes is { } min && Sizes[i] < min[i])
                throw new ArgumentOutOfRangeException(nameof(dims), $"{Spec.Name} reads element {min[i] - 1} of its {Spec.Dims[i]} vectors, so {Spec.Dims[i]} needs at least {min[i]} elements, not {Sizes[i]}.");
            if (Sizes[i] <= 0) throw new ArgumentOutOfRangeException(Spec.Dims[i] == "In" ? nameof(inputSize) : Spec.Dims[i] == "Hidden" ? nameof(hiddenSize) : nameof(dims),
                $"{Spec.Name}'s dimension {Spec.Dims[i]} must be positive, not {Sizes[i]}.");
        }
        _hypers = Spec.Hypers.Select(h => Scalar<T>.From(h.Default)).ToArray();
        // The hooks in the order they act: masks are drawn in this order (zoneout's, the cell's, weight-drop's), and after a step
        // zoneout blends before averaging reads the state.
        _zoneout = new Zoneout<T>(this, 0);
        _weightDrop = new WeightDrop<T>(this, 2);
        _averaging = new StateAveraging<T>(this, 3);
        _recording = new Recording<T>(this, 4);
        Hooks = new StepHook<T>[] { _zoneout, new CellDropout<T>(this, 1), _weightDrop, _averaging, _recording };
        _stepLoop = new PerStepLoop<T>(this);
        _loop = _stepLoop;
        if (hypers is not null) foreach (var (name, value) in hypers) SetHyper(name, value);
        MaskRng = new Rng((ulong)seed * 0x9E3779B97F4A7C15UL + 1);
        if (SizesKnown) Build();
    }

    /// <summary>Whether every dimension the parameters need has a size (a memory's positions are sized per call and need none).</summary>
    private bool SizesKnown => Enumerable.Range(0, Sizes.Length).All(i => Spec.IsSeqDim(i) || Sizes[i] > 0);

    /// <summary>The device the layer runs on.</summary>
    public new Device Device => base.Device!;
    /// <summary>What the generator read from the cell: dimensions, inputs, states, parameters, GEMM groups.</summary>
    public CellSpec Spec { get; }

    /// <summary>The size of each of the cell's dimensions, in <see cref="CellSpec.Dims"/> order (an input's dimension is 0 until the
    /// first call when it was not given; a memory's positions are 0: each call has its own).</summary>
    public int[] Sizes { get; }

    /// <summary>Whether the parameters exist (every input's size is known).</summary>
    public bool IsBuilt => _params is not null;

    /// <summary>Whether each sequence starts from a learned state rather than zeros (when no initial state is given).</summary>
    public bool LearnsInitialState { get; }

    /// <summary>The size of the first input.</summary>
    public int InputSize => Sizes[Spec.Inputs[0].Dim];
    /// <inheritdoc/>
    public int OutputSize => Sizes[Spec.States[Spec.OutputState].Dim];
    /// <inheritdoc/>
    public int StateCount => Spec.States.Length;
    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames => Spec.States.Select(s => s.Name).ToArray();

    /// <summary>Every parameter in layout order, the cell's fixed matrices included, with its place in the flat buffers.</summary>
    public IReadOnlyList<ParameterInfo> Layout => _layout ?? throw NotBuilt();

    /// <summary>Values in the flat buffer (fixed matrices included).</summary>
    public long LayoutLength => Layout.Sum(p => p.Length);

    /// <summary>All parameters, flat, in <see cref="Layout"/> order.</summary>
    public ArrayView<T> ParameterBuffer => ((ArrayView<T>)(_params ?? throw NotBuilt()).View).SubView(0, LayoutLength);
    /// <summary>All parameter gradients, flat, in <see cref="Layout"/> order.</summary>
    public ArrayView<T> GradientBuffer => ((ArrayView<T>)(_grads ?? throw NotBuilt()).View).SubView(0, LayoutLength);

    private InvalidOperationException NotBuilt() => new(
        $"This {Spec.Name} layer takes its input size from its first call, so it has no parameters yet; run it once or give inputSize.");

    /// <summary>Gives the features of each memory ([B, S, width], declaration order) before the first call, so that a layer whose
    /// input size is known builds its parameters now (to load a checkpoint into, say) instead of at its first call.</summary>
    public void TakeMemoryWidths(params int[] widths) => TakeInputSizes(Spec.Inputs.Select(p => Sizes[p.Dim]).ToArray(), widths);

    /// <summary>Takes the sizes of the inputs' dimensions from the first call's inputs [T, B, width] (and the memories' features from
    /// its memories [B, S, width]) and builds the parameters; later calls must agree.</summary>
    private void TakeInputSizes(IReadOnlyList<int> widths, IReadOnlyList<int>? memoryWidths = null)
    {
        var memories = Spec.Memories ?? Array.Empty<MemorySpec>();
        for (int k = 0; k < memories.Length && memoryWidths is not null && k < memoryWidths.Count; k++)
        {
            int dim = memories[k].Dim;
            if (Sizes[dim] == 0) Sizes[dim] = memoryWidths[k];
            else if (Sizes[dim] != memoryWidths[k])
                throw new ArgumentException($"{Spec.Name} expects memory {memories[k].Name} [B, S, {Sizes[dim]}] (batch, positions, {Spec.Dims[dim]}), but got width {memoryWidths[k]}.");
        }
        if (widths.Count != Spec.Inputs.Length)
            throw new ArgumentException($"{Spec.Name} reads {Spec.Inputs.Length} input(s) ({string.Join(", ", Spec.Inputs.Select(p => p.Name))}), but {widths.Count} were given.");
        for (int k = 0; k < widths.Count; k++)
        {
            int dim = Spec.Inputs[k].Dim;
            if (Sizes[dim] == 0) Sizes[dim] = widths[k];
            else if (Sizes[dim] != widths[k])
                throw new ArgumentException($"{Spec.Name} expects input {Spec.Inputs[k].Name} [T, B, {Sizes[dim]}] (steps, batch, {Spec.Dims[dim]}), but got width {widths[k]}.");
        }
        if (!IsBuilt && SizesKnown) Build();
    }

    /// <summary>Allocates and initializes the parameters once the input size is known.</summary>
    private void Build()
    {
        long offset = 0;
        var infos = new List<ParameterInfo>();
        foreach (var p in Spec.Params)
        {
            var shape = p.IsVector ? new[] { Sizes[p.Rows] } : new[] { Sizes[p.Rows], Sizes[p.Cols] };
            long length = shape.Aggregate(1L, (a, d) => a * d);
            infos.Add(new ParameterInfo(p.Name, shape, offset, length, !p.Frozen));
            offset += length;
        }
        _layout = infos;
        _params = Device.Allocate<T>(offset);
        _grads = Device.Allocate<T>(offset);
        _grads.MemSetToZero();
        _paramViews = infos.Select(i => (ArrayView<T>)_params.View.SubView(i.Offset, i.Length)).ToArray();
        _gradViews = infos.Select(i => (ArrayView<T>)_grads.View.SubView(i.Offset, i.Length)).ToArray();

        var rng = new Random(_seed);
        var values = new T[Math.Max(1, offset)];
        for (int p = 0; p < Spec.Params.Length; p++)
        {
            var info = infos[p];
            var spec = Spec.Params[p].InitHyper is var h and >= 0 ? Spec.Params[p] with { Init = Spec.Params[p].Init with { Value = (float)GetHyper(Spec.Hypers[h].Name) } } : Spec.Params[p];
            var init = Initializers.Create(spec, info.Name, info.Shape[0], info.Shape.Length > 1 ? info.Shape[1] : 0, rng);
            for (int i = 0; i < init.Length; i++) values[info.Offset + i] = Scalar<T>.From(init[i]);
        }
        _params.CopyFromCPU(values);
        _learned = infos.Select((info, i) => (info, i)).Where(x => x.info.Learned)
            .Select(x => AddParameter(new Parameter<T>(x.info.Name, Device, x.info.Shape, _paramViews[x.i], _gradViews[x.i]))).ToArray();
        if (LearnsInitialState)
            foreach (var s in Spec.States)
                _initialState.Add(AddParameter<T>("initial." + s.Name, new[] { Sizes[s.Dim] }, Init.Zeros, _seed));

        // On the CPU device, threads other than the caller add the gradients of vector parameters (biases, gains) into their own
        // copies of the gradient buffer (no atomics). Vectors are laid out after all weights.
        long vectorOffset = infos.Zip(Spec.Params).Where(p => p.Second.IsVector).Select(p => p.First.Offset).DefaultIfEmpty(offset).Min();
        if (Device.Workers is { Count: > 1 } workers)
            _partialGrads = new PartialGradients<T>(Device, workers, _grads.View, offset, vectorOffset);

        _program = _loadProgram();
        _gemm = Device.Gemm<T>();
        _forwardWeights = Spec.Groups.Select(_ => _gemm.StepWeights(transposed: true)).ToArray();
        _backwardWeights = Spec.Groups.Select(_ => _gemm.StepWeights(transposed: false)).ToArray();
    }

    /// <summary>The cell's generated kernels for this device (the time loops run them).</summary>
    internal CellProgram<T> Program => _program ?? throw NotBuilt();

    /// <summary>What the layer does around the cell's own step, in the order it acts (see <see cref="StepHook{T}"/>).</summary>
    internal IReadOnlyList<StepHook<T>> Hooks { get; }

    /// <summary>The generator of every mask the layer draws (the cell's dropout, zoneout, weight-drop).</summary>
    internal Rng MaskRng { get; }

    /// <summary>The time loop this layer runs.</summary>
    internal string TimeLoop => _loop.Name;

    /// <summary>A workspace for (steps, batch): the inference one is kept; training ones come from a free list and go back to it when
    /// the backward pass (or the result's owner) is done with them.</summary>
    private RnnWorkspace<T> TakeWorkspace(int steps, int batch, bool training, int[] sizes)
    {
        if (!training)
        {
            if (_inferenceWorkspace is { } w && w.Steps == steps && w.Batch == batch && w.Sizes.AsSpan().SequenceEqual(sizes)) return w;
            _inferenceWorkspace?.Dispose();
            return _inferenceWorkspace = new RnnWorkspace<T>(Device, Spec, sizes, steps, batch, training: false, Hooks.Count);
        }
        int i = _freeWorkspaces.FindIndex(w => w.Steps == steps && w.Batch == batch && w.Sizes.AsSpan().SequenceEqual(sizes));
        if (i >= 0)
        {
            var w = _freeWorkspaces[i];
            _freeWorkspaces.RemoveAt(i);
            return w;
        }
        WorkspacesMade++;
        return new RnnWorkspace<T>(Device, Spec, sizes, steps, batch, training: true, Hooks.Count);
    }

    /// <summary>Training workspaces made so far (the others were reused).</summary>
    internal int WorkspacesMade { get; private set; }

    internal void ReturnWorkspace(RnnWorkspace<T> ws)
    {
        if (_disposed)
        {
            ws.Dispose();
            return;
        }
        // The last few shapes are kept (the training and the last batch of an epoch, say); more would only hold memory. The oldest
        // goes: keeping the first shapes ever seen instead would, once the shapes change (a curriculum, a new batch size), allocate
        // and free a whole workspace every step from then on.
        if (_freeWorkspaces.Count == MaxFreeWorkspaces)
        {
            _freeWorkspaces[0].Dispose();
            _freeWorkspaces.RemoveAt(0);
        }
        _freeWorkspaces.Add(ws);
    }

    private bool _disposed;
    private const int MaxFreeWorkspaces = 4;

    /// <inheritdoc/>
    protected override void DisposeOwn()
    {
        _disposed = true;
        _inferenceWorkspace?.Dispose();
        foreach (var w in _freeWorkspaces) w.Dispose();
        _freeWorkspaces.Clear();
        _params?.Dispose();
        _grads?.Dispose();
        _partialGrads?.Dispose();
        foreach (var w in _forwardWeights.Concat(_backwardWeights)) w.Dispose();
    }
}
