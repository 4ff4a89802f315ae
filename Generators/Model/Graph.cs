using System.Linq;

namespace Recur.Generators.Model;

/// <summary>The operations of a step graph. Sources are read from memory; the rest are computed.</summary>
internal enum Op
{
    // Sources
    Input,            // the step's input vector, Ref = input index
    StatePrev,        // a state's value before the step, Ref = state index
    Hyper,            // a hyperparameter (scalar), Ref = hyper index
    Const,            // a literal (scalar), Value
    DimSize,          // the size of dimension Dim (scalar)
    Param,            // a learned vector (broadcast over the batch), Ref = param index
    GemmOut,          // the output of a weight product, Ref = linear index
    Mask,             // a dropout mask of the step (0 or 1/(1 − rate) in training, 1 otherwise), Ref = mask index
    Memory,           // a [Memory] sequence (Seq), Ref = memory index
    Length,           // the number of positions of sequence dimension Dim in this batch row (Row)
    SeedState,        // backward: the gradient arriving at a state's next value, Ref = state index
    SeedIntermediate, // backward: the gradient arriving at a GEMM operand, Ref = intermediate index
    // Elementwise
    Neg, Sigmoid, Tanh, Relu, Step, Exp, Rsqrt, Sin, Cos, Sqrt,
    Add, Sub, Mul, Div, Min, Max,
    OneHot,           // the unit vector e_Value of dimension Dim (1 at element Value, 0 elsewhere); picks an element through RowSum
    // Row reductions over the vector's dimension, one value per batch row
    RowSum,
    RowMax,           // only as a shift that cancels (softmax): the differentiator gives it no derivative
    // Contractions of a sequence (Seq<S, D>) over the row's own positions
    FeatureSum,       // Σ_d x_sd: a Vec<S>
    PositionSum,      // Σ_s x_sd over s < length: a Vec<D>
}

/// <summary>What a node holds per batch row: a number, a vector over <see cref="Node.Dim"/>, or a sequence of vectors over positions
/// <see cref="Node.SeqDim"/> with features <see cref="Node.Dim"/>. Scalars are the same for every row.</summary>
internal enum ShapeKind { Scalar, Row, Vec, Seq }

/// <summary>One node of a step graph. Nodes are hash-consed by value, so equal subexpressions are one node,
/// and a node's arguments always have smaller ids than the node (the list is in topological order).</summary>
internal sealed record Node(Op Op, ShapeKind Kind, string Dim, EquatableArray<int> Args, int Ref = -1, double Value = 0, string SeqDim = "")
{
    public bool IsSource => Op <= Op.SeedIntermediate;
    public bool IsReduction => Op is Op.RowSum or Op.RowMax;
    public bool IsContraction => Op is Op.FeatureSum or Op.PositionSum;

    /// <summary>Whether the node's value changes along dimension <paramref name="dim"/>.</summary>
    public bool Spans(string dim) => dim.Length > 0 && (Kind == ShapeKind.Vec && Dim == dim || Kind == ShapeKind.Seq && (Dim == dim || SeqDim == dim));
}

internal enum ParamRole { Weight, Vector }

/// <summary>A parameter: a weight <c>[Rows, Cols]</c> or a vector <c>[Rows]</c>, dimensions by name. A <see cref="Frozen"/> one is a fixed
/// matrix (a DFT) that is applied like a weight but never learned.</summary>
internal sealed record ParamInfo(string Name, ParamRole Role, string Rows, string Cols, InitSpec Init, bool Frozen = false);

/// <summary>An initializer as written (<c>Init.Orthogonal(1)</c> → Orthogonal, 1). With <see cref="Hyper"/> ≥ 0 its argument is that
/// hyperparameter (<c>Init.Identity(Scale)</c>), read when the layer is built; <see cref="Value"/> is then the hyperparameter's default.</summary>
internal sealed record InitSpec(string Kind, double Value, int Hyper = -1);

/// <summary>A weight product <c>W·operand</c>: the weight parameter, the operand node and the output dimension.</summary>
internal sealed record LinearInfo(int Weight, int Operand, string OutDim);

/// <summary>A dropout mask: its dimension and its rate, a [Hyper] (<see cref="Hyper"/> ≥ 0) or the number <see cref="Rate"/>.</summary>
internal sealed record MaskInfo(string Dim, int Hyper, double Rate);

/// <summary>An input or state. <see cref="IsWeights"/>: a state over a memory's positions whose next value is a softmax (attention
/// weights: what decoding reads for coverage), known from the equations.</summary>
internal sealed record PortInfo(string Name, string Dim, bool IsOutput, bool IsWeights = false);

/// <summary>A [Memory]: its positions <see cref="SeqDim"/> (a length per batch row) and its features <see cref="Dim"/>.</summary>
internal sealed record MemoryInfo(string Name, string SeqDim, string Dim);

internal sealed record HyperInfo(string Name, double Default);

internal sealed record StateUpdate(int State, int Node);

/// <summary>An equation of the cell (a <c>var</c> line, in the step or in a helper call) that the runtime can record at every step:
/// its name (qualified by the helper call path, <c>i.Gate.HyperNorm.zw</c>), node and dimension.</summary>
internal sealed record ProbeInfo(string Name, int Node, string Dim);

/// <summary>A name for a node in generated code, with the DSL line it came from (for comments).</summary>
internal sealed record NodeLabel(int Node, string Name, string Source);

/// <summary>A checked cell: the forward step graph and everything it refers to.</summary>
internal sealed record CellGraph(
    string Namespace,
    string ClassName,
    string Modifiers,
    EquatableArray<string> Dims,
    EquatableArray<PortInfo> Inputs,
    EquatableArray<PortInfo> States,
    EquatableArray<HyperInfo> Hypers,
    EquatableArray<ParamInfo> Params,
    EquatableArray<LinearInfo> Linears,
    EquatableArray<Node> Nodes,
    EquatableArray<StateUpdate> Updates,
    EquatableArray<NodeLabel> Labels,
    EquatableArray<PartialProperty> PartialProperties,
    EquatableArray<int> MinSizes,
    EquatableArray<MaskInfo> Masks,
    EquatableArray<ProbeInfo> Probes,
    EquatableArray<MemoryInfo> Memories)
{
    /// <summary>Whether <paramref name="dim"/> counts the positions of a memory (its size varies per call, its length per row).</summary>
    public bool IsSeqDim(string dim) => Memories.Any(m => m.SeqDim == dim);
}
