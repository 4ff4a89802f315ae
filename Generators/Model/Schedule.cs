namespace Recur.Generators.Model;

internal enum OperandKind { Input, State, Intermediate, Memory }

/// <summary>Weight products that read the same operand, computed as one GEMM with their weights stacked
/// (the weights are laid out contiguously, so the stacked matrix is one block of the parameter buffer).
/// Input groups run once for all time steps before the loop, memory groups once per sequence (output [B, S, width]); the others once
/// per step, before <see cref="Segment"/>.</summary>
/// <remarks>
/// <see cref="GradientAssigned"/>: every product's output gradient is written whole by exactly one backward kernel each step,
/// so the gradient buffer needs no clearing and is assigned rather than accumulated.</remarks>
internal sealed record GemmGroup(OperandKind Kind, int Operand, string OperandDim, EquatableArray<int> Linears, int Segment, bool GradientAssigned = false);

/// <summary>A value computed inside a step that a weight product reads (JZS1's r⊙h): written by segment <see cref="Segment"/>.</summary>
internal sealed record Intermediate(int Node, string Dim, int Segment);

internal enum SinkKind { WriteState, WriteIntermediate, WriteGemmGradient, AddGemmGradient, AddStateGradient, AddParamGradient, AddInputGradient, WriteProbe, AddMemoryGradient }

/// <summary>What a kernel writes: a node's value into a buffer (Ref names the state, intermediate, linear, parameter, input, probe or
/// memory). A sink with a <see cref="SeqDim"/> writes a whole sequence [positions, Dim] (a memory's gradient, or a memory product's).</summary>
internal sealed record Sink(SinkKind Kind, int Ref, int Node, string Dim, string SeqDim = "");

/// <summary>One loop over a dimension inside a phase: nodes computed there, values kept in scratch for later phases,
/// row sums accumulated, and the sinks it writes.</summary>
internal sealed record LoopPlan(string Dim, EquatableArray<int> Nodes, EquatableArray<int> Reloads, EquatableArray<int> Stores,
    EquatableArray<int> Accumulates, EquatableArray<int> Sinks);

/// <summary>A phase: per-row values available from its start (after the group reductions of the previous phase), then loops.
/// With <see cref="Barrier"/> its loops read elements of scratch rows that other threads of the group wrote (a contraction over
/// another dimension), so the group synchronizes first.</summary>
internal sealed record PhasePlan(EquatableArray<int> RowNodes, EquatableArray<LoopPlan> Loops, bool Barrier = false);

/// <summary>A fused kernel: one thread group per batch row, phases separated by row reductions.</summary>
internal sealed record KernelPlan(string Name, int Segment, bool IsBackward, EquatableArray<Sink> Sinks, EquatableArray<PhasePlan> Phases,
    EquatableArray<int> Inlined, EquatableArray<int> Scratch);

/// <summary>The whole schedule of a cell: its graph (forward and backward nodes), GEMM groups and fused kernels. <see cref="Probed"/>
/// are forward kernels that also write the cell's equations (its probes) for the runtime to record; the plain forward kernels, which
/// training and inference run, are not touched by them.</summary>
internal sealed record CellSchedule(
    CellGraph Graph,
    EquatableArray<GemmGroup> Groups,
    EquatableArray<Intermediate> Intermediates,
    int Segments,
    EquatableArray<KernelPlan> Forward,
    EquatableArray<KernelPlan> Backward,
    int ScratchSlots,
    EquatableArray<KernelPlan> Probed)
{
    public int GroupOf(int linear)
    {
        for (int g = 0; g < Groups.Count; g++)
            foreach (var l in Groups[g].Linears) if (l == linear) return g;
        return -1;
    }
}
