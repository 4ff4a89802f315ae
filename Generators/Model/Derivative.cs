namespace Recur.Generators.Model;

/// <summary>The gradient arriving at one output of a segment: <see cref="Node"/> is the forward value (a state's next value or a
/// product's operand), <see cref="Seed"/> the source node that carries its gradient into the backward kernel.</summary>
internal sealed record Seed(int Node, int Source);

/// <summary>One entry of a segment's adjoint: the backward node holding the gradient of forward node <see cref="Node"/>.</summary>
internal sealed record Adjoint(int Node, int Gradient);

/// <summary>A segment's backward graph: the seeds it starts from and the adjoint of every node they reach, sources included, by node.</summary>
internal sealed record SegmentAdjoint(EquatableArray<Seed> Seeds, EquatableArray<Adjoint> Adjoints);

/// <summary>A differentiated cell: its graph with the backward nodes appended (and labels for the gradients of named values), the
/// segment each forward node is first computed in, the step's intermediates (values inside the step that products read) and one
/// adjoint per segment. A plain value: equal cells give equal derivatives.</summary>
internal sealed record CellDerivative(
    CellGraph Graph,
    EquatableArray<int> Levels,
    EquatableArray<Intermediate> Intermediates,
    EquatableArray<SegmentAdjoint> Segments);
