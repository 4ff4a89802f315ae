using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>A cell as the runtime sees it, written by the generator. Dimensions are referred to by index into <see cref="Dims"/>;
/// parameters are listed in their layout order (each GEMM group's weights adjacent, then vectors). <see cref="MinSizes"/>, when present,
/// gives per dimension the smallest size the cell's equations allow (a dimension indexed as <c>v[3]</c> needs at least 4);
/// <see cref="Masks"/> are the cell's dropout masks (<c>Dropout(x, rate)</c>), drawn by the runtime each training step.</summary>
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
    public int OutputState => System.Array.FindIndex(States, s => s.IsOutput);

    /// <summary>Whether dimension <paramref name="dim"/> counts the positions of a memory (sized per call, with a length per row).</summary>
    public bool IsSeqDim(int dim) => Memories is { } m && System.Array.Exists(m, x => x.SeqDim == dim);

    public int DimIndex(string name) => System.Array.IndexOf(Dims, name);
}

/// <summary>An input or state: name, dimension index, whether it is the layer's output.</summary>
public sealed record PortSpec(string Name, int Dim, bool IsOutput);

/// <summary>A hyperparameter and its default value.</summary>
public sealed record HyperSpec(string Name, double Default);

/// <summary>A parameter: a weight [Rows, Cols] or, with <see cref="Cols"/> = -1, a vector [Rows]. With <see cref="InitHyper"/> ≥ 0 the
/// initializer's argument is that hyperparameter's value when the layer is built (<c>Init.Identity(Scale)</c>).
/// A <see cref="Frozen"/> parameter is a fixed matrix (a DFT): applied like a weight, never learned, saved or given a gradient.</summary>
public sealed record ParamSpec(string Name, int Rows, int Cols, Init Init, int InitHyper = -1, bool Frozen = false)
{
    public bool IsVector => Cols < 0;
}

public enum GemmOperand { Input, State, Intermediate, Memory }

/// <summary>A [Memory] the cell reads whole at every step: its positions (dimension index <see cref="SeqDim"/>, a length per batch row)
/// and its features (<see cref="Dim"/>).</summary>
public sealed record MemorySpec(string Name, int SeqDim, int Dim);

/// <summary>Weight products that share an operand, run as one GEMM over the stacked weights
/// <c>Params[FirstParam .. FirstParam + ParamCount)</c>; per step before <see cref="Segment"/> (input groups: once for all steps; memory
/// groups: once per sequence, [B, S, width]).
/// With <see cref="GradientAssigned"/> the backward kernels write the whole output gradient every step, so it is never cleared.</summary>
public sealed record GemmGroupSpec(GemmOperand Operand, int Index, int FirstParam, int ParamCount, int Segment, bool GradientAssigned = false);

/// <summary>A value computed in segment <see cref="Segment"/> that a later GEMM reads.</summary>
public sealed record IntermediateSpec(int Dim, int Segment);

/// <summary>An equation of the cell that can be recorded at every step (a <c>var</c> line, in the step or in a helper call: its name is
/// qualified by the call path, <c>i.Gate.HyperNorm.zw</c>), and its dimension.</summary>
public sealed record ProbeSpec(string Name, int Dim);

/// <summary>A dropout mask over dimension <see cref="Dim"/>; its rate is hyperparameter <see cref="RateHyper"/> (≥ 0) or <see cref="Rate"/>.</summary>
public sealed record MaskSpec(int Dim, int RateHyper, double Rate);
