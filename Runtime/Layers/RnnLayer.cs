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
    private readonly Rng _maskRng;
    private readonly List<RnnWorkspace<T>> _freeWorkspaces = new();
    private readonly List<Parameter<T>> _initialState = new();
    private readonly double[] _zoneout;
    private readonly double[] _averaging;
    private double _weightDrop;
    private CellProgram<T>? _program;
    private IGemm<T>? _gemm;
    private MemoryBuffer1D<T, Stride1D.Dense>? _params, _grads, _partialGrads;
    private ArrayView<T>[] _paramViews = Array.Empty<ArrayView<T>>(), _gradViews = Array.Empty<ArrayView<T>>();
    private Parameter<T>[] _learned = Array.Empty<Parameter<T>>();
    private nint[]? _gradShifts;
    private long _vectorOffset;
    private CpuGemm? _packedGemm;
    private CpuGemm.Packed[] _forwardPacks = Array.Empty<CpuGemm.Packed>(), _backwardPacks = Array.Empty<CpuGemm.Packed>();
    private RnnWorkspace<T>? _inferenceWorkspace;
    private RnnContext<T>? _last;
    private T[] _maskHost = Array.Empty<T>(); // reused host copy of one mask buffer
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
        _zoneout = new double[Spec.States.Length];
        _averaging = new double[Spec.States.Length];
        if (hypers is not null) foreach (var (name, value) in hypers) SetHyper(name, value);
        _maskRng = new Rng((ulong)seed * 0x9E3779B97F4A7C15UL + 1);
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
        // copies of the gradient buffer, summed after the backward pass: no atomics. Vectors are laid out after all weights.
        _vectorOffset = infos.Zip(Spec.Params).Where(p => p.Second.IsVector).Select(p => p.First.Offset).DefaultIfEmpty(offset).Min();
        if (Device.Workers is { Count: > 1 } workers)
        {
            _partialGrads = Device.Allocate<T>((workers.Count - 1) * Math.Max(1, offset));
            _partialGrads.MemSetToZero();
            unsafe
            {
                long size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
                long baseAddress = (long)((ArrayView<T>)_grads.View).LoadEffectiveAddressAsPtr();
                _gradShifts = new nint[workers.Count];
                for (int w = 1; w < workers.Count; w++)
                {
                    var partial = ((ArrayView<T>)_partialGrads.View).SubView((w - 1) * Math.Max(1, offset), Math.Max(1, offset));
                    _gradShifts[w] = (nint)(((long)partial.LoadEffectiveAddressAsPtr() - baseAddress) / size);
                }
            }
        }

        // On x86 CPUs with AVX-512 or AVX2 the per-step products run on weights packed once per sequence (see CpuGemm).
        if (Device.IsNativeCpu && typeof(T) == typeof(float) && CpuGemm.Supported)
            _packedGemm = new CpuGemm(Device.Workers);
        _forwardPacks = Spec.Groups.Select(_ => new CpuGemm.Packed()).ToArray();
        _backwardPacks = Spec.Groups.Select(_ => new CpuGemm.Packed()).ToArray();

        _program = _loadProgram();
        _gemm = Device.Gemm<T>();
    }

    private HashSet<string>? _recording;
    private readonly Dictionary<string, List<T[]>> _recorded = new();

    /// <summary>The cell's equations that can be recorded, in order: its <c>var</c> lines (those in helpers named by the call path).</summary>
    public IReadOnlyList<string> Equations => Spec.Probes?.Select(p => p.Name).ToArray() ?? Array.Empty<string>();

    /// <summary>Records <paramref name="equations"/> at every step of the inference passes that follow (a training pass records
    /// nothing), until <see cref="StopRecording"/>: <see cref="Recorded"/> gets one [B, d] array per step and equation. Recording runs
    /// forward kernels that also write the equations out; the plain ones, which training and inference use, stay as they are.</summary>
    public void Record(params string[] equations)
    {
        foreach (var name in equations)
            if (!Equations.Contains(name))
                throw new ArgumentException($"{Spec.Name} has no equation '{name}' to record; it has: {string.Join(", ", Equations.DefaultIfEmpty("none"))}.", nameof(equations));
        _recording = equations.ToHashSet();
        foreach (var name in equations) if (!_recorded.ContainsKey(name)) _recorded[name] = new List<T[]>();
    }

    /// <summary>Stops recording equation values (see <see cref="Record"/>); what was recorded stays in <see cref="Recorded"/>.</summary>
    public void StopRecording() => _recording = null;

    /// <summary>What was recorded, per equation: one [B, d] array (row-major) per step, in the order the steps ran.</summary>
    public IReadOnlyDictionary<string, List<T[]>> Recorded => _recorded;

    /// <summary>Empties <see cref="Recorded"/>.</summary>
    public void ClearRecorded() => _recorded.Clear();

    /// <summary>Zoneout (Krueger et al. 2016) on state <paramref name="state"/>: in training each element keeps its previous value with
    /// probability <paramref name="probability"/> (masks drawn per step, like the cell's own dropout), in inference it takes the
    /// expectation p·previous + (1 − p)·new. 0 turns it off.</summary>
    public void SetZoneout(string state, double probability)
    {
        int s = Array.FindIndex(Spec.States, st => st.Name == state);
        if (s < 0) throw new ArgumentException($"{Spec.Name} has no state '{state}'; it has: {string.Join(", ", Spec.States.Select(st => st.Name))}.", nameof(state));
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), $"A zoneout probability is in [0, 1), not {probability}.");
        if (probability > 0 && _averaging[s] > 0) throw new InvalidOperationException($"State {state} is averaged; a state takes zoneout or averaging, not both.");
        _zoneout[s] = probability;
    }

    /// <summary>Zoneout with <paramref name="probability"/> on every state of the cell.</summary>
    public void SetZoneout(double probability)
    {
        foreach (var s in Spec.States) SetZoneout(s.Name, probability);
    }

    /// <summary>State averaging (Seq2Seq_Upgrade_TensorFlow's <c>average_states</c>): the state handed to each next step is
    /// α · the mean of the states after every step so far + (1 − α) · the state after this one, in training and inference alike, and it
    /// is what the layer outputs. Differentiated like the rest (the mean reaches back to every earlier step). 0 turns it off; a state
    /// cannot have both zoneout and averaging.</summary>
    public void SetStateAveraging(string state, double alpha)
    {
        int s = Array.FindIndex(Spec.States, st => st.Name == state);
        if (s < 0) throw new ArgumentException($"{Spec.Name} has no state '{state}'; it has: {string.Join(", ", Spec.States.Select(st => st.Name))}.", nameof(state));
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), $"The influence of the mean is in [0, 1], not {alpha}.");
        if (alpha > 0 && _zoneout[s] > 0) throw new InvalidOperationException($"State {state} has zoneout; a state takes zoneout or averaging, not both.");
        _averaging[s] = alpha;
    }

    /// <summary>The state-averaging influence α of state <paramref name="state"/> (0: off).</summary>
    public double GetStateAveraging(string state) => _averaging[Array.FindIndex(Spec.States, st => st.Name == state) is var s and >= 0 ? s
        : throw new ArgumentException($"{Spec.Name} has no state '{state}'.", nameof(state))];

    /// <summary>The zoneout rate of state <paramref name="state"/> (0: off).</summary>
    public double GetZoneout(string state) => _zoneout[Array.FindIndex(Spec.States, st => st.Name == state) is var s and >= 0 ? s
        : throw new ArgumentException($"{Spec.Name} has no state '{state}'.", nameof(state))];

    /// <summary>Weight-drop (DropConnect on the recurrent weights, Merity et al. 2017): in training every weight that multiplies a
    /// state is zeroed with this probability and the rest scaled by 1/(1 − p), one mask per forward pass (per batch, not per step),
    /// and the weights are used as they are in inference. 0 turns it off.</summary>
    public double WeightDrop
    {
        get => _weightDrop;
        set => _weightDrop = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"A weight-drop probability is in [0, 1), not {value}.");
    }

    /// <summary>The current value of hyperparameter <paramref name="name"/>.</summary>
    public double GetHyper(string name) => Scalar<T>.ToDouble(_hypers[HyperIndex(name)]);
    /// <summary>Sets hyperparameter <paramref name="name"/> for the following steps, without rebuilding anything.</summary>
    public void SetHyper(string name, double value)
    {
        int index = HyperIndex(name);
        if (double.IsNaN(value)) throw new ArgumentOutOfRangeException(nameof(value), $"{Spec.Name}'s {name} must be a number, not NaN.");
        if (Spec.Masks is { } masks && masks.Any(m => m.RateHyper == index) && value is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(value), $"{Spec.Name}'s {name} is a dropout rate and must be in [0, 1), not {value}.");
        _hypers[index] = Scalar<T>.From(value);
    }

    private int HyperIndex(string name)
    {
        int i = Array.FindIndex(Spec.Hypers, h => h.Name == name);
        if (i < 0) throw new ArgumentException($"{Spec.Name} has no hyperparameter '{name}'; it has: {string.Join(", ", Spec.Hypers.Select(h => h.Name).DefaultIfEmpty("none"))}.");
        return i;
    }

    private int IndexOf(string name)
    {
        var layout = Layout;
        for (int i = 0; i < layout.Count; i++) if (layout[i].Name == name) return i;
        throw new ArgumentException($"{Spec.Name} has no parameter '{name}'; it has: {string.Join(", ", layout.Select(p => p.Name))}.");
    }

    /// <summary>A copy of parameter <paramref name="name"/>, row-major.</summary>
    public T[] GetParameter(string name) { int i = IndexOf(name); Device.Synchronize(); return _paramViews[i].GetAsArray(); }
    /// <summary>A copy of the gradient of parameter <paramref name="name"/>, row-major.</summary>
    public T[] GetGradient(string name) { int i = IndexOf(name); Device.Synchronize(); return _gradViews[i].GetAsArray(); }

    /// <summary>Overwrites parameter <paramref name="name"/>; <paramref name="values"/> must have exactly its number of elements.</summary>
    public void SetParameter(string name, T[] values)
    {
        int index = IndexOf(name);
        var info = Layout[index];
        if (!info.Learned) throw new InvalidOperationException($"Parameter '{name}' of {Spec.Name} is a fixed matrix of the cell (a DFT), not a learned one; it cannot be set.");
        if (values.Length != info.Length)
            throw new ArgumentException($"Parameter '{name}' is [{string.Join(", ", info.Shape)}] ({info.Length} values), but {values.Length} were given.");
        _paramViews[index].CopyFromCPU(values);
    }

    /// <summary>A copy of every parameter in <see cref="Layout"/> order, as one array.</summary>
    public T[] GetAllParameters() { var buffer = ParameterBuffer; Device.Synchronize(); return buffer.GetAsArray(); }
    /// <summary>A copy of every parameter gradient in <see cref="Layout"/> order, as one array.</summary>
    public T[] GetAllGradients() { var buffer = GradientBuffer; Device.Synchronize(); return buffer.GetAsArray(); }

    /// <summary>Sets every parameter from one flat array in <see cref="Layout"/> order; fixed matrices (not <c>Learned</c>) keep their values.</summary>
    public void SetAllParameters(T[] values)
    {
        if (values.Length != LayoutLength) throw new ArgumentException($"{Spec.Name} has {LayoutLength} parameter values, but {values.Length} were given.");
        // Fixed matrices (a DFT) keep their values: they are part of the cell, not of what is learned.
        var kept = Enumerable.Range(0, Layout.Count).Where(i => !Layout[i].Learned).Select(i => (Index: i, Values: _paramViews[i].GetAsArray())).ToList();
        ParameterBuffer.CopyFromCPU(values);
        foreach (var (index, fixedValues) in kept) _paramViews[index].CopyFromCPU(fixedValues);
    }

    /// <summary>Clears the gradients of the flat buffer and of a learned initial state.</summary>
    public override void ZeroGrad()
    {
        _grads?.MemSetToZero();
        foreach (var p in _initialState) p.ZeroGrad();
    }

    /// <summary>The weights group <paramref name="g"/> multiplies in this pass: the dropped copy for a recurrent group under weight-drop.</summary>
    private ArrayView<T> Weights(int g, RnnWorkspace<T> ws) =>
        ws.WeightsDropped && Spec.Groups[g].Operand == GemmOperand.State ? ws.Extra("dropped" + g, WeightLength(Spec.Groups[g])) : Weights(Spec.Groups[g]);

    private ArrayView<T> Weights(GemmGroupSpec g) => ((ArrayView<T>)_params!.View).SubView(Layout[g.FirstParam].Offset, WeightLength(g));
    private ArrayView<T> WeightGrads(GemmGroupSpec g) => ((ArrayView<T>)_grads!.View).SubView(Layout[g.FirstParam].Offset, WeightLength(g));
    private long WeightLength(GemmGroupSpec g) => Enumerable.Range(g.FirstParam, g.ParamCount).Sum(p => Layout[p].Length);

    /// <summary>Seeds the generator of the cell's dropout masks (models seed it from their own generator, so a resumed run draws
    /// the same masks as an uninterrupted one). Without a call, masks follow from the layer's seed.</summary>
    public void SeedMasks(ulong seed) => _maskRng.State = seed;

    private void CheckTensor(Tensor<T> t, string what)
    {
        if (t is null) throw new ArgumentNullException(what);
        if (!ReferenceEquals(t.Device, Device))
            throw new ArgumentException($"The {what} is on device '{t.Device.Name}', but the layer is on '{Device.Name}'; create it on the layer's device.");
    }

    /// <summary>A workspace for (steps, batch): the inference one is kept; training ones come from a free list and go back to it when
    /// the backward pass (or the result's owner) is done with them.</summary>
    private RnnWorkspace<T> TakeWorkspace(int steps, int batch, bool training, int[] sizes)
    {
        if (!training)
        {
            if (_inferenceWorkspace is { } w && w.Steps == steps && w.Batch == batch && w.Sizes.AsSpan().SequenceEqual(sizes)) return w;
            _inferenceWorkspace?.Dispose();
            return _inferenceWorkspace = new RnnWorkspace<T>(Device, Spec, sizes, steps, batch, training: false);
        }
        int i = _freeWorkspaces.FindIndex(w => w.Steps == steps && w.Batch == batch && w.Sizes.AsSpan().SequenceEqual(sizes));
        if (i >= 0)
        {
            var w = _freeWorkspaces[i];
            _freeWorkspaces.RemoveAt(i);
            return w;
        }
        return new RnnWorkspace<T>(Device, Spec, sizes, steps, batch, training: true);
    }

    internal void ReturnWorkspace(RnnWorkspace<T> ws)
    {
        if (_disposed) ws.Dispose();
        // A few shapes are kept (the training and the last batch of an epoch, say); more would only hold memory.
        else if (_freeWorkspaces.Count < 4) _freeWorkspaces.Add(ws);
        else ws.Dispose();
    }

    private bool _disposed;

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
        _packedGemm?.Dispose();
        foreach (var p in _forwardPacks.Concat(_backwardPacks)) p.Dispose();
    }
}
