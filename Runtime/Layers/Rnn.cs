using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>A parameter of a layer: its name from the generated table, its shape, and where it sits in the flat buffers.
/// One that is not <see cref="Learned"/> is a fixed matrix of the cell (a DFT): optimizers and checkpoints leave it alone.</summary>
public sealed record ParameterInfo(string Name, int[] Shape, long Offset, long Length, bool Learned = true);

/// <summary>The outputs of a forward pass: the output state at every step [T, B, H] and every state after the last step [B, d].</summary>
public sealed class RnnResult<T> : IDisposable where T : unmanaged
{
    internal RnnResult(Tensor<T> output, Tensor<T>[] finalState) { Output = output; FinalState = finalState; }
    public Tensor<T> Output { get; }
    public Tensor<T>[] FinalState { get; }
    public void Dispose()
    {
        Output.Dispose();
        foreach (var s in FinalState) s.Dispose();
    }
}

/// <summary>The gradients a backward pass returns: with respect to the input sequence and to every initial state.
/// Parameter gradients accumulate in the layer (<see cref="Rnn{TCell, T}.GetGradient"/>) until <see cref="Rnn{TCell, T}.ZeroGrad"/>.</summary>
public sealed class RnnGradients<T> : IDisposable where T : unmanaged
{
    internal RnnGradients(Tensor<T> input, Tensor<T>[] initialState) { Input = input; InitialState = initialState; }
    public Tensor<T> Input { get; }
    public Tensor<T>[] InitialState { get; }
    public void Dispose()
    {
        Input.Dispose();
        foreach (var s in InitialState) s.Dispose();
    }
}

/// <summary>A recurrent layer running cell <typeparamref name="TCell"/> over sequences [T, B, In], in float or double.
/// Forward runs the input projections of all steps as one GEMM, then per step the recurrent GEMMs and the cell's fused kernels;
/// backward runs the fused backward kernels step by step in reverse and the weight gradients as one GEMM per group at the end.</summary>
public class Rnn<TCell, T> : IDisposable where TCell : IRnnCell where T : unmanaged
{
    private readonly CellProgram<T> _program;
    private readonly IGemm<T> _gemm;
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _params, _grads;
    private readonly ArrayView<T>[] _paramViews, _gradViews;
    private readonly T[] _hypers;
    private readonly MemoryBuffer1D<T, Stride1D.Dense>? _partialGrads;
    private readonly nint[]? _gradShifts;
    private readonly long _vectorOffset;
    private readonly PackedGemm? _packedGemm;
    private readonly PackedGemm.Packed[] _forwardPacks, _backwardPacks;
    private RnnWorkspace<T>? _workspace;
    private StepViews<T>? _views;
    private Tensor<T>? _lastInput;
    private bool _backwardReady;
    private readonly Rng _maskRng;
    private T[] _maskHost = Array.Empty<T>(); // reused host copy of one mask buffer

    /// <param name="dims">Sizes of the cell's own dimensions, by name.</param>
    /// <param name="hypers">Hyperparameter values, by name, set before the parameters are initialized (some initializers read them).</param>
    public Rnn(Device device, int inputSize, int hiddenSize, IReadOnlyDictionary<string, int>? dims = null, int seed = 0, IReadOnlyDictionary<string, double>? hypers = null)
    {
        Device = device ?? throw new ArgumentNullException(nameof(device));
        Spec = TCell.Spec;
        Sizes = Spec.Dims.Select((d, i) => d switch
        {
            "In" => inputSize,
            "Hidden" => hiddenSize,
            _ => dims is not null && dims.TryGetValue(d, out var n) ? n
                // A dimension the equations index (λ[2]) defaults to the smallest size they allow.
                : Spec.MinSizes is { } min && min[i] > 0 ? min[i]
                : throw new ArgumentException($"{Spec.Name} has a dimension '{d}' with no size; pass dims: new Dictionary<string, int> {{ [\"{d}\"] = ... }}."),
        }).ToArray();
        for (int i = 0; i < Sizes.Length; i++)
            if (Spec.MinSizes is { } min && Sizes[i] < min[i])
                throw new ArgumentOutOfRangeException(nameof(dims), $"{Spec.Name} reads element {min[i] - 1} of its {Spec.Dims[i]} vectors, so {Spec.Dims[i]} needs at least {min[i]} elements, not {Sizes[i]}.");
            else if (Sizes[i] <= 0) throw new ArgumentOutOfRangeException(Spec.Dims[i] == "In" ? nameof(inputSize) : Spec.Dims[i] == "Hidden" ? nameof(hiddenSize) : nameof(dims),
                $"{Spec.Name}'s dimension {Spec.Dims[i]} must be positive, not {Sizes[i]}.");

        long offset = 0;
        var infos = new List<ParameterInfo>();
        foreach (var p in Spec.Params)
        {
            var shape = p.IsVector ? new[] { Sizes[p.Rows] } : new[] { Sizes[p.Rows], Sizes[p.Cols] };
            long length = shape.Aggregate(1L, (a, d) => a * d);
            infos.Add(new ParameterInfo(p.Name, shape, offset, length, !p.Frozen));
            offset += length;
        }
        Parameters = infos;
        ParameterCount = offset;
        _params = device.Accelerator.Allocate1D<T>(Math.Max(1, offset));
        _grads = device.Accelerator.Allocate1D<T>(Math.Max(1, offset));
        _grads.MemSetToZero();
        _paramViews = infos.Select(i => (ArrayView<T>)_params.View.SubView(i.Offset, i.Length)).ToArray();
        _gradViews = infos.Select(i => (ArrayView<T>)_grads.View.SubView(i.Offset, i.Length)).ToArray();
        _hypers = Spec.Hypers.Select(h => Scalar<T>.From(h.Default)).ToArray();
        if (hypers is not null) foreach (var (name, value) in hypers) SetHyper(name, value);

        var rng = new Random(seed);
        _maskRng = new Rng((ulong)seed * 0x9E3779B97F4A7C15UL + 1);
        var values = new T[Math.Max(1, offset)];
        for (int p = 0; p < Spec.Params.Length; p++)
        {
            var info = infos[p];
            var spec = Spec.Params[p].InitHyper is var h and >= 0 ? Spec.Params[p] with { Init = Spec.Params[p].Init with { Value = (float)GetHyper(Spec.Hypers[h].Name) } } : Spec.Params[p];
            var init = Initializers.Create(spec, info.Name, info.Shape[0], info.Shape.Length > 1 ? info.Shape[1] : 0, rng);
            for (int i = 0; i < init.Length; i++) values[info.Offset + i] = Scalar<T>.From(init[i]);
        }
        _params.CopyFromCPU(values);

        // On the CPU device, threads other than the caller add the gradients of vector parameters (biases, gains) into their own
        // copies of the gradient buffer, summed after the backward pass: no atomics. Vectors are laid out after all weights.
        _vectorOffset = infos.Zip(Spec.Params).Where(p => p.Second.IsVector).Select(p => p.First.Offset).DefaultIfEmpty(offset).Min();
        if (device.Workers is { Count: > 1 } workers)
        {
            _partialGrads = device.Accelerator.Allocate1D<T>((workers.Count - 1) * Math.Max(1, offset));
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

        // On AVX-512 CPUs the per-step products run on weights packed once per sequence (see PackedGemm).
        if (device.IsNativeCpu && typeof(T) == typeof(float) && PackedGemm.Supported)
            _packedGemm = new PackedGemm(device.Workers);
        _forwardPacks = Spec.Groups.Select(_ => new PackedGemm.Packed()).ToArray();
        _backwardPacks = Spec.Groups.Select(_ => new PackedGemm.Packed()).ToArray();

        _program = device.Program<TCell, T>();
        _gemm = device.Gemm<T>();
    }

    public Device Device { get; }
    public CellSpec Spec { get; }

    /// <summary>The size of each of the cell's dimensions, in <see cref="CellSpec.Dims"/> order.</summary>
    public int[] Sizes { get; }
    public int InputSize => Sizes[Spec.Inputs[0].Dim];
    public int OutputSize => Sizes[Spec.States[Spec.OutputState].Dim];
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    public long ParameterCount { get; }

    /// <summary>All parameters, flat, in <see cref="Parameters"/> order (for optimizers).</summary>
    public ArrayView<T> ParameterBuffer => ((ArrayView<T>)_params.View).SubView(0, ParameterCount);
    /// <summary>All parameter gradients, flat, in <see cref="Parameters"/> order.</summary>
    public ArrayView<T> GradientBuffer => ((ArrayView<T>)_grads.View).SubView(0, ParameterCount);

    public double GetHyper(string name) => Scalar<T>.ToDouble(_hypers[HyperIndex(name)]);
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
        for (int i = 0; i < Parameters.Count; i++) if (Parameters[i].Name == name) return i;
        throw new ArgumentException($"{Spec.Name} has no parameter '{name}'; it has: {string.Join(", ", Parameters.Select(p => p.Name))}.");
    }

    public T[] GetParameter(string name) { Device.Synchronize(); return _paramViews[IndexOf(name)].GetAsArray(); }
    public T[] GetGradient(string name) { Device.Synchronize(); return _gradViews[IndexOf(name)].GetAsArray(); }

    public void SetParameter(string name, T[] values)
    {
        int index = IndexOf(name);
        var info = Parameters[index];
        if (!info.Learned) throw new InvalidOperationException($"Parameter '{name}' of {Spec.Name} is a fixed matrix of the cell (a DFT), not a learned one; it cannot be set.");
        if (values.Length != info.Length)
            throw new ArgumentException($"Parameter '{name}' is [{string.Join(", ", info.Shape)}] ({info.Length} values), but {values.Length} were given.");
        _paramViews[index].CopyFromCPU(values);
    }

    public T[] GetAllParameters() { Device.Synchronize(); return ParameterBuffer.GetAsArray(); }
    public T[] GetAllGradients() { Device.Synchronize(); return GradientBuffer.GetAsArray(); }

    /// <summary>Sets every parameter from one flat array in <see cref="Parameters"/> order; fixed matrices (not <c>Learned</c>) keep their values.</summary>
    public void SetAllParameters(T[] values)
    {
        if (values.Length != ParameterCount) throw new ArgumentException($"{Spec.Name} has {ParameterCount} parameter values, but {values.Length} were given.");
        // Fixed matrices (a DFT) keep their values: they are part of the cell, not of what is learned.
        var kept = Enumerable.Range(0, Parameters.Count).Where(i => !Parameters[i].Learned).Select(i => (Index: i, Values: _paramViews[i].GetAsArray())).ToList();
        ParameterBuffer.CopyFromCPU(values);
        foreach (var (index, fixedValues) in kept) _paramViews[index].CopyFromCPU(fixedValues);
    }

    public void ZeroGrad() => _grads.MemSetToZero();

    private ArrayView<T> Weights(GemmGroupSpec g) => ((ArrayView<T>)_params.View).SubView(Parameters[g.FirstParam].Offset, WeightLength(g));
    private ArrayView<T> WeightGrads(GemmGroupSpec g) => ((ArrayView<T>)_grads.View).SubView(Parameters[g.FirstParam].Offset, WeightLength(g));
    private long WeightLength(GemmGroupSpec g) => Enumerable.Range(g.FirstParam, g.ParamCount).Sum(p => Parameters[p].Length);

    /// <summary>Runs the layer over <paramref name="input"/> [T, B, In] from <paramref name="initialState"/> (one [B, d] tensor per state,
    /// or zeros). With <paramref name="training"/> the activations of every step are kept for <see cref="Backward"/>;
    /// without, only the current step's (inference).</summary>
    public RnnResult<T> Forward(Tensor<T> input, IReadOnlyList<Tensor<T>>? initialState = null, bool training = true)
    {
        CheckTensor(input, "input");
        if (input.Shape.Length != 3 || input.Shape[2] != InputSize)
            throw new ArgumentException($"{Spec.Name} expects input [T, B, {InputSize}] (steps, batch, {Spec.Dims[Spec.Inputs[0].Dim]}), but got {input.ShapeText}.", nameof(input));
        int steps = input.Shape[0], batch = input.Shape[1];
        if (initialState is not null)
        {
            if (initialState.Count != Spec.States.Length)
                throw new ArgumentException($"{Spec.Name} has {Spec.States.Length} states ({string.Join(", ", Spec.States.Select(s => s.Name))}), but {initialState.Count} initial states were given.", nameof(initialState));
            for (int s = 0; s < initialState.Count; s++)
            {
                CheckTensor(initialState[s], $"initial state {Spec.States[s].Name}");
                int width = Sizes[Spec.States[s].Dim];
                if (initialState[s].Shape.Length != 2 || initialState[s].Shape[0] != batch || initialState[s].Shape[1] != width)
                    throw new ArgumentException($"Initial state {Spec.States[s].Name} must be [{batch}, {width}] (batch, {Spec.Dims[Spec.States[s].Dim]}), but got {initialState[s].ShapeText}.", nameof(initialState));
            }
        }

        var ws = Workspace(steps, batch, training, input);
        var views = _views!;
        FillMasks(ws, training);
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var slot0 = ws.Slot(ws.States[s], 0, ws.StateWidth[s]);
            if (initialState is null) slot0.MemSetToZero();
            else initialState[s].View.CopyTo(slot0);
        }

        // Input projections for all steps: one GEMM per input group.
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand != GemmOperand.Input) continue;
            int width = Sizes[Spec.Inputs[group.Index].Dim];
            _gemm.Run(false, true, steps * batch, ws.GroupWidth[g], width, Scalar<T>.One, input.View, width, Weights(group), width, Scalar<T>.Zero, ws.GemmOut[g], ws.GroupWidth[g]);
        }

        PackWeights(ws, backward: false);
        int outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        var output = new Tensor<T>(Device, steps, batch, outWidth);
        for (int t = 0; t < steps; t++)
        {
            views.Step = t;
            RunGroups(views, ws, segment: 0, includeState: true);
            for (int k = 0; k < Spec.Segments; k++)
            {
                _program.Forward(k, views);
                RunGroups(views, ws, segment: k + 1, includeState: false);
            }
            if (!training) views.NextState(outState).CopyTo(ws.Slot(output.View, t, outWidth));
        }
        if (training) ws.States[outState].SubView((long)batch * outWidth, (long)steps * batch * outWidth).CopyTo(output.View);

        var final = new Tensor<T>[Spec.States.Length];
        views.Step = steps - 1;
        for (int s = 0; s < final.Length; s++)
        {
            final[s] = new Tensor<T>(Device, batch, ws.StateWidth[s]);
            views.NextState(s).CopyTo(final[s].View);
        }
        _lastInput = training ? input : null;
        _backwardReady = training;
        return new RnnResult<T>(output, final);
    }

    /// <summary>Seeds the generator of the cell's dropout masks (models seed it from their own generator, so a resumed run draws
    /// the same masks as an uninterrupted one). Without a call, masks follow from the layer's seed.</summary>
    public void SeedMasks(ulong seed) => _maskRng.State = seed;

    /// <summary>Draws every step's dropout masks for a training pass (0, or 1/(1 − rate)); inference and rate 0 give ones.</summary>
    private void FillMasks(RnnWorkspace<T> ws, bool training)
    {
        if (Spec.Masks is not { Length: > 0 } masks) return;
        for (int k = 0; k < masks.Length; k++)
        {
            // In [0, 1): SetHyper checks a rate hyperparameter, the generator a literal one.
            double rate = masks[k].RateHyper >= 0 ? GetHyper(Spec.Hypers[masks[k].RateHyper].Name) : masks[k].Rate;
            if (_maskHost.Length != ws.Masks[k].Length) _maskHost = new T[ws.Masks[k].Length];
            var values = _maskHost;
            T one = Scalar<T>.One, kept = Scalar<T>.From(1 / (1 - rate)), zero = Scalar<T>.Zero;
            if (!training || rate == 0) Array.Fill(values, one);
            else for (int i = 0; i < values.Length; i++) values[i] = _maskRng.NextDouble() < rate ? zero : kept;
            ws.Masks[k].CopyFromCPU(values);
        }
    }

    /// <summary>The per-step GEMMs that feed segment <paramref name="segment"/>: recurrent products (state operands) and products of intermediates.</summary>
    private void RunGroups(StepViews<T> views, RnnWorkspace<T> ws, int segment, bool includeState)
    {
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Segment != segment || group.Operand == GemmOperand.Input) continue;
            if (group.Operand == GemmOperand.State && !includeState) continue;
            var (operand, width) = group.Operand == GemmOperand.State
                ? (views.State(group.Index), ws.StateWidth[group.Index])
                : (views.Intermediate(group.Index), ws.IntermediateWidth[group.Index]);
            if (_packedGemm is not null) PackedProduct(operand, ws.Batch, width, _forwardPacks[g], views.GemmOut(g), ws.GroupWidth[g], 0f);
            else _gemm.Run(false, true, ws.Batch, ws.GroupWidth[g], width, Scalar<T>.One, operand, width, Weights(group), width, Scalar<T>.Zero, views.GemmOut(g), ws.GroupWidth[g]);
        }
    }

    /// <summary>Backpropagates through the last training <see cref="Forward"/>: <paramref name="outputGrad"/> is dL/dOutput [T, B, H],
    /// <paramref name="finalStateGrad"/> optionally dL/dFinalState. Adds the parameter gradients into the layer's gradient buffer.</summary>
    public RnnGradients<T> Backward(Tensor<T> outputGrad, IReadOnlyList<Tensor<T>>? finalStateGrad = null)
    {
        if (!_backwardReady || _workspace is null || _lastInput is null)
            throw new InvalidOperationException($"Backward needs a Forward with training: true first (and at most one Backward per Forward).");
        var ws = _workspace;
        var views = _views!;
        int steps = ws.Steps, batch = ws.Batch, outState = Spec.OutputState, outWidth = ws.StateWidth[outState];
        CheckTensor(outputGrad, "output gradient");
        if (outputGrad.Shape.Length != 3 || outputGrad.Shape[0] != steps || outputGrad.Shape[1] != batch || outputGrad.Shape[2] != outWidth)
            throw new ArgumentException($"The output gradient must have the output's shape [{steps}, {batch}, {outWidth}], but got {outputGrad.ShapeText}.", nameof(outputGrad));
        if (finalStateGrad is not null && finalStateGrad.Count != Spec.States.Length)
            throw new ArgumentException($"{Spec.Name} has {Spec.States.Length} states, but {finalStateGrad.Count} final-state gradients were given.", nameof(finalStateGrad));

        PackWeights(ws, backward: true);
        for (int g = 0; g < Spec.Groups.Length; g++)
            if (!Spec.Groups[g].GradientAssigned) ws.GemmOutGrad[g].MemSetToZero();
        foreach (var b in ws.InputGrad) b.MemSetToZero();
        views.SetOutputGrad(outputGrad.View, outWidth);
        views.Flip = false;
        for (int s = 0; s < Spec.States.Length; s++)
        {
            var next = views.NextStateGrad(s);
            if (finalStateGrad is null) { next.MemSetToZero(); continue; }
            var g = finalStateGrad[s];
            CheckTensor(g, $"final-state gradient {Spec.States[s].Name}");
            if (g.Shape.Length != 2 || g.Shape[0] != batch || g.Shape[1] != ws.StateWidth[s])
                throw new ArgumentException($"Final-state gradient {Spec.States[s].Name} must be [{batch}, {ws.StateWidth[s]}], but got {g.ShapeText}.", nameof(finalStateGrad));
            g.View.CopyTo(next);
        }

        for (int t = steps - 1; t >= 0; t--)
        {
            views.Step = t;
            for (int s = 0; s < Spec.States.Length; s++) views.StateGrad(s).MemSetToZero();
            for (int k = Spec.Segments - 1; k >= 0; k--)
            {
                // Gradients of the operands this segment wrote, through the GEMMs that read them (all later segments are done).
                for (int i = 0; i < Spec.Intermediates.Length; i++)
                {
                    if (Spec.Intermediates[i].Segment != k) continue;
                    bool first = true;
                    for (int g = 0; g < Spec.Groups.Length; g++)
                    {
                        var group = Spec.Groups[g];
                        if (group.Operand != GemmOperand.Intermediate || group.Index != i) continue;
                        int width = ws.IntermediateWidth[i];
                        if (_packedGemm is not null) PackedProduct(views.GemmOutGrad(g), batch, ws.GroupWidth[g], _backwardPacks[g], views.IntermediateGrad(i), width, first ? 0f : 1f);
                        else _gemm.Run(false, false, batch, width, ws.GroupWidth[g], Scalar<T>.One, views.GemmOutGrad(g), ws.GroupWidth[g],
                            Weights(group), width, first ? Scalar<T>.Zero : Scalar<T>.One, views.IntermediateGrad(i), width);
                        first = false;
                    }
                }
                _program.Backward(k, views);
            }
            // Recurrent products: dState += dP · W.
            for (int g = 0; g < Spec.Groups.Length; g++)
            {
                var group = Spec.Groups[g];
                if (group.Operand != GemmOperand.State) continue;
                int width = ws.StateWidth[group.Index];
                if (_packedGemm is not null) PackedProduct(views.GemmOutGrad(g), batch, ws.GroupWidth[g], _backwardPacks[g], views.StateGrad(group.Index), width, 1f);
                else _gemm.Run(false, false, batch, width, ws.GroupWidth[g], Scalar<T>.One, views.GemmOutGrad(g), ws.GroupWidth[g],
                    Weights(group), width, Scalar<T>.One, views.StateGrad(group.Index), width);
            }
            views.Flip = !views.Flip;
        }

        // Weight gradients for all steps at once, and the input gradient through the input projections.
        int rows = steps * batch;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            int n = ws.GroupWidth[g];
            ArrayView<T> operand;
            int width;
            switch (group.Operand)
            {
                case GemmOperand.Input:
                    width = Sizes[Spec.Inputs[group.Index].Dim];
                    operand = _lastInput.View;
                    _gemm.Run(false, false, rows, width, n, Scalar<T>.One, ws.GemmOutGrad[g], n, Weights(group), width, Scalar<T>.One, ws.InputGrad[group.Index], width);
                    break;
                case GemmOperand.State:
                    width = ws.StateWidth[group.Index];
                    operand = ws.States[group.Index].SubView(0, (long)rows * width);
                    break;
                default:
                    width = ws.IntermediateWidth[group.Index];
                    operand = ws.Intermediates[group.Index];
                    break;
            }
            // Fixed matrices (a DFT) get no gradient.
            if (Enumerable.Range(group.FirstParam, group.ParamCount).All(p => Spec.Params[p].Frozen)) continue;
            _gemm.Run(true, false, n, width, rows, Scalar<T>.One, ws.GemmOutGrad[g], n, operand, width, Scalar<T>.One, WeightGrads(group), width);
        }

        ReducePartialGradients();

        var dInput = new Tensor<T>(Device, steps, batch, InputSize);
        ws.InputGrad[0].CopyTo(dInput.View);
        views.Flip = !views.Flip; // the last swap moved dL/dS0 into the "next" buffers
        var dInitial = new Tensor<T>[Spec.States.Length];
        for (int s = 0; s < dInitial.Length; s++)
        {
            dInitial[s] = new Tensor<T>(Device, batch, ws.StateWidth[s]);
            views.StateGrad(s).CopyTo(dInitial[s].View);
        }
        _backwardReady = false;
        return new RnnGradients<T>(dInput, dInitial);
    }

    /// <summary>Packs the weights of the per-step products once for the whole sequence: Wᵀ for forward (output = operand·Wᵀ),
    /// W for backward (dOperand = dOutput·W).</summary>
    private unsafe void PackWeights(RnnWorkspace<T> ws, bool backward)
    {
        if (_packedGemm is null) return;
        for (int g = 0; g < Spec.Groups.Length; g++)
        {
            var group = Spec.Groups[g];
            if (group.Operand == GemmOperand.Input) continue;
            int width = group.Operand == GemmOperand.State ? ws.StateWidth[group.Index] : ws.IntermediateWidth[group.Index];
            var w = (float*)Weights(group).LoadEffectiveAddressAsPtr();
            if (backward) PackedGemm.Pack(_backwardPacks[g], w, ws.GroupWidth[g], width, width, transposed: false);
            else PackedGemm.Pack(_forwardPacks[g], w, width, ws.GroupWidth[g], width, transposed: true);
        }
    }

    private unsafe void PackedProduct(ArrayView<T> a, int m, int lda, PackedGemm.Packed b, ArrayView<T> c, int ldc, float beta) =>
        _packedGemm!.Multiply((float*)a.LoadEffectiveAddressAsPtr(), m, lda, b, (float*)c.LoadEffectiveAddressAsPtr(), ldc, beta);

    /// <summary>Adds the other threads' vector-parameter gradients into the gradient buffer and clears them.</summary>
    private unsafe void ReducePartialGradients()
    {
        if (_partialGrads is null || ParameterCount == _vectorOffset) return;
        Device.Synchronize();
        long count = ParameterCount - _vectorOffset;
        var grads = new Span<T>((T*)((ArrayView<T>)_grads.View).SubView(_vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
        for (int w = 1; w < _gradShifts!.Length; w++)
        {
            var partial = new Span<T>((T*)((ArrayView<T>)_partialGrads.View).SubView((w - 1) * ParameterCount + _vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
            if (typeof(T) == typeof(float))
                System.Numerics.Tensors.TensorPrimitives.Add(
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(grads), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(partial),
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(grads));
            else
                System.Numerics.Tensors.TensorPrimitives.Add(
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(grads), System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(partial),
                    System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(grads));
            partial.Clear();
        }
    }

    private RnnWorkspace<T> Workspace(int steps, int batch, bool training, Tensor<T> input)
    {
        if (_workspace is null || _workspace.Steps != steps || _workspace.Batch != batch || _workspace.Training != training)
        {
            _workspace?.Dispose();
            _workspace = new RnnWorkspace<T>(Device.Accelerator, Spec, Sizes, steps, batch, training);
        }
        // Rows per thread: below this a step's pointwise work is too small to be worth waking another thread.
        int widest = Sizes.Max();
        int rowsPerWorker = Math.Max(1, Device.MinElementsPerThread / widest);
        _views = new StepViews<T>(_workspace, Sizes, _hypers, _paramViews, _gradViews, new[] { input.View }, Device.GroupSize,
            Device.Workers, _gradShifts, rowsPerWorker);
        return _workspace;
    }

    private void CheckTensor(Tensor<T> t, string what)
    {
        if (t is null) throw new ArgumentNullException(what);
        if (!ReferenceEquals(t.Device, Device))
            throw new ArgumentException($"The {what} is on device '{t.Device.Name}', but the layer is on '{Device.Name}'; create it on the layer's device.");
    }

    public void Dispose()
    {
        _workspace?.Dispose();
        _params.Dispose();
        _grads.Dispose();
        _partialGrads?.Dispose();
        _packedGemm?.Dispose();
        foreach (var p in _forwardPacks.Concat(_backwardPacks)) p.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A float32 recurrent layer running cell <typeparamref name="TCell"/>.</summary>
public class Rnn<TCell> : Rnn<TCell, float>, IRnnLayer where TCell : IRnnCell
{
    public Rnn(Device device, int inputSize, int hiddenSize, IReadOnlyDictionary<string, int>? dims = null, int seed = 0, IReadOnlyDictionary<string, double>? hypers = null)
        : base(device, inputSize, hiddenSize, dims, seed, hypers) { }
}
