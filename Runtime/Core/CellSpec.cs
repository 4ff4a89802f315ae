using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>A cell as the runtime sees it, written by the generator. Dimensions are referred to by index into <see cref="Dims"/>;
/// parameters are listed in their layout order (each GEMM group's weights adjacent, then vectors). <see cref="MinSizes"/>, when present,
/// gives per dimension the smallest size the cell's equations allow (a dimension indexed as <c>v[3]</c> needs at least 4);
/// <see cref="Masks"/> are the cell's dropout masks (<c>Dropout(x, rate)</c>), drawn by the runtime each training step.</summary>
/// <param name="Name">The cell class's name.</param>
/// <param name="Dims">The dimension names (<c>In</c>, <c>Hidden</c>, user-declared ones) that the specs below refer to by index.</param>
/// <param name="Inputs">The cell's <c>[Input]</c> vectors, in declaration order.</param>
/// <param name="States">The cell's <c>[State]</c> vectors, in declaration order.</param>
/// <param name="Hypers">The cell's <c>[Hyper]</c> numbers with their defaults.</param>
/// <param name="Params">Every weight, bias and gain, in layout order.</param>
/// <param name="Groups">The weight products, grouped by the operand they multiply.</param>
/// <param name="Intermediates">Values computed inside a step that a later GEMM of the step reads.</param>
/// <param name="Segments">The number of fused kernels a step runs (one more than the GEMMs that cut it).</param>
/// <param name="ScratchSlots">Floats of scratch per batch row the fused kernels need.</param>
/// <param name="MinSizes">Per dimension, the smallest size the equations allow; null when every size is allowed.</param>
/// <param name="Masks">The dropout masks the equations draw; null when none.</param>
/// <param name="Probes">The equations that can be recorded at every step; null when none.</param>
/// <param name="Memories">The <c>[Memory]</c> sequences the cell attends over; null when none.</param>
public sealed record CellSpec(
    string Name,
    string[] Dims,
    PortSpec[] Inputs,
    PortSpec[] States,
    HyperSpec[] Hypers,
    ParamSpec[] Params,
    GemmGroupSpec[] Groups,
    IntermediateSpec[] Intermediates,
    int Segments,
    int ScratchSlots,
    int[]? MinSizes = null,
    MaskSpec[]? Masks = null,
    ProbeSpec[]? Probes = null,
    MemorySpec[]? Memories = null)
{
    /// <summary>The index of the state marked <c>[Output]</c>: what the layer returns at each step.</summary>
    public int OutputState => System.Array.FindIndex(States, s => s.IsOutput);

    /// <summary>Whether dimension <paramref name="dim"/> counts the positions of a memory (sized per call, with a length per row).</summary>
    public bool IsSeqDim(int dim) => Memories is { } m && System.Array.Exists(m, x => x.SeqDim == dim);

    /// <summary>The index of dimension <paramref name="name"/> in <see cref="Dims"/>, or -1.</summary>
    public int DimIndex(string name) => System.Array.IndexOf(Dims, name);
}

/// <summary>An input or state: name, dimension index, whether it is the layer's output.</summary>
/// <param name="Name">The property's name in the cell.</param>
/// <param name="Dim">Its dimension, an index into <see cref="CellSpec.Dims"/>.</param>
/// <param name="IsOutput">Whether it is the state marked <c>[Output]</c>.</param>
/// <param name="IsWeights">Whether it is a state over a memory's positions whose next value is a softmax: attention weights (the
/// generator knows it from the equations; decoding reads it for the coverage penalty).</param>
public sealed record PortSpec(string Name, int Dim, bool IsOutput, bool IsWeights = false);

/// <summary>A hyperparameter and its default value.</summary>
/// <param name="Name">The property's name in the cell.</param>
/// <param name="Default">Its value when the user sets none.</param>
public sealed record HyperSpec(string Name, double Default);

/// <summary>A parameter: a weight [Rows, Cols] or, with <see cref="Cols"/> = -1, a vector [Rows]. With <see cref="InitHyper"/> ≥ 0 the
/// initializer's argument is that hyperparameter's value when the layer is built (<c>Init.Identity(Scale)</c>).
/// A <see cref="Frozen"/> parameter is a fixed matrix (a DFT): applied like a weight, never learned, saved or given a gradient.</summary>
/// <param name="Name">Its dotted name, from where it appears in the equations (<c>i.X.weight</c>).</param>
/// <param name="Rows">Its rows (a vector's length).</param>
/// <param name="Cols">Its columns, or -1 for a vector.</param>
/// <param name="Init">Its initializer.</param>
/// <param name="InitHyper">The hyperparameter that gives the initializer's argument, or -1 for the initializer's own value.</param>
/// <param name="Frozen">Whether it is a fixed matrix, never learned.</param>
public sealed record ParamSpec(string Name, int Rows, int Cols, Init Init, int InitHyper = -1, bool Frozen = false)
{
    /// <summary>True for a vector parameter (a bias or gain: <see cref="Cols"/> is -1).</summary>
    public bool IsVector => Cols < 0;
}

/// <summary>What a GEMM group multiplies by its weights.</summary>
public enum GemmOperand
{
    /// <summary>An input of the step, so the product for every step is one GEMM over the sequence before the recurrence.</summary>
    Input,
    /// <summary>A state before the step: one GEMM per step.</summary>
    State,
    /// <summary>A value computed earlier in the same step: a GEMM between the step's segments.</summary>
    Intermediate,
    /// <summary>An attention memory: one GEMM per sequence, before the recurrence.</summary>
    Memory,
}

/// <summary>A [Memory] the cell reads whole at every step: its positions (dimension index <see cref="SeqDim"/>, a length per batch row)
/// and its features (<see cref="Dim"/>).</summary>
/// <param name="Name">The property's name in the cell.</param>
/// <param name="SeqDim">The dimension counting its positions, an index into <see cref="CellSpec.Dims"/>.</param>
/// <param name="Dim">The dimension of its features.</param>
public sealed record MemorySpec(string Name, int SeqDim, int Dim);

/// <summary>Weight products that share an operand, run as one GEMM over the stacked weights
/// <c>Params[FirstParam .. FirstParam + ParamCount)</c>; per step before <see cref="Segment"/> (input groups: once for all steps; memory
/// groups: once per sequence, [B, S, width]).
/// With <see cref="GradientAssigned"/> the backward kernels write the whole output gradient every step, so it is never cleared.</summary>
/// <param name="Operand">What the group multiplies.</param>
/// <param name="Index">The operand's index among the inputs, states, intermediates or memories.</param>
/// <param name="FirstParam">The index in <see cref="CellSpec.Params"/> of the group's first weight.</param>
/// <param name="ParamCount">How many weights the group stacks.</param>
/// <param name="Segment">The segment whose kernel reads the product.</param>
/// <param name="GradientAssigned">Whether the backward kernels write the whole output gradient every step.</param>
public sealed record GemmGroupSpec(GemmOperand Operand, int Index, int FirstParam, int ParamCount, int Segment, bool GradientAssigned = false);

/// <summary>A value computed in segment <see cref="Segment"/> that a later GEMM reads.</summary>
/// <param name="Dim">Its dimension, an index into <see cref="CellSpec.Dims"/>.</param>
/// <param name="Segment">The segment that computes it.</param>
public sealed record IntermediateSpec(int Dim, int Segment);

/// <summary>An equation of the cell that can be recorded at every step (a <c>var</c> line, in the step or in a helper call: its name is
/// qualified by the call path, <c>i.Gate.HyperNorm.zw</c>), and its dimension.</summary>
/// <param name="Name">The equation's name, qualified by its call path.</param>
/// <param name="Dim">Its dimension, an index into <see cref="CellSpec.Dims"/>.</param>
public sealed record ProbeSpec(string Name, int Dim);

/// <summary>A dropout mask over dimension <see cref="Dim"/>; its rate is hyperparameter <see cref="RateHyper"/> (≥ 0) or <see cref="Rate"/>.</summary>
/// <param name="Dim">The dimension the mask covers, an index into <see cref="CellSpec.Dims"/>.</param>
/// <param name="RateHyper">The hyperparameter that gives the rate, or -1.</param>
/// <param name="Rate">The rate written in the equation, used when <paramref name="RateHyper"/> is -1.</param>
public sealed record MaskSpec(int Dim, int RateHyper, double Rate);
