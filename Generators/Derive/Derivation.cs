using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Derive;

/// <summary>The differentiation stage: from a checked cell to its derivative. The step is cut at weight products (segments, see
/// <see cref="Levels"/>); each segment's backward graph starts from the gradients arriving at what the segment writes (its state
/// updates and the operands of the next segment's products) and is built in the same graph, so the scheduler fuses it like the forward.</summary>
internal static class Derivation
{
    public static CellDerivative Derive(CellGraph cell)
    {
        var levels = Levels(cell);
        var intermediates = new List<Intermediate>();
        foreach (var linear in cell.Linears)
        {
            var operand = cell.Nodes[linear.Operand];
            if (operand.Op is Op.Input or Op.Memory or Op.StatePrev || intermediates.Any(x => x.Node == linear.Operand)) continue;
            intermediates.Add(new Intermediate(linear.Operand, operand.Dim, levels[linear.Operand]));
        }

        var builder = new GraphBuilder(cell.Nodes, cell.Memories.Select(m => m.SeqDim));
        var labels = cell.Labels.ToList();
        int segments = 1 + cell.Updates.Select(u => levels[u.Node]).Concat(intermediates.Select(i => i.Segment)).DefaultIfEmpty(0).Max();
        var adjoints = new List<SegmentAdjoint>();
        for (int k = 0; k < segments; k++)
        {
            var seeds = new List<Seed>();
            foreach (var u in cell.Updates.Where(u => levels[u.Node] == k))
                seeds.Add(new Seed(u.Node, builder.Source(Op.SeedState, ShapeKind.Vec, cell.States[u.State].Dim, u.State)));
            for (int i = 0; i < intermediates.Count; i++)
                if (intermediates[i].Segment == k)
                    seeds.Add(new Seed(intermediates[i].Node, builder.Source(Op.SeedIntermediate, ShapeKind.Vec, intermediates[i].Dim, i)));

            var adjoint = Differentiator.Derive(builder, seeds.Select(s => (s.Node, s.Source)));
            foreach (var pair in adjoint.OrderBy(p => p.Key))
            {
                var label = labels.FirstOrDefault(l => l.Node == pair.Key);
                if (label is not null && !builder[pair.Value].IsSource && labels.All(l => l.Node != pair.Value))
                    labels.Add(new NodeLabel(pair.Value, "d" + label.Name, "gradient of " + label.Name));
            }
            adjoints.Add(new SegmentAdjoint(seeds.ToEquatableArray(),
                adjoint.OrderBy(p => p.Key).Select(p => new Adjoint(p.Key, p.Value)).ToEquatableArray()));
        }
        return new CellDerivative(cell with { Nodes = builder.Nodes.ToEquatableArray(), Labels = labels.ToEquatableArray() },
            levels.ToEquatableArray(), intermediates.ToEquatableArray(), adjoints.ToEquatableArray());
    }

    /// <summary>The segment each forward node can first be computed in. A product's level is 0 when it reads the input, a memory or a
    /// previous state (its GEMM runs before the step's first kernel), and one more than its operand's level otherwise (JZS1's W(r⊙h)
    /// reads a value of level 0, so it is level 1).</summary>
    public static int[] Levels(CellGraph cell)
    {
        var level = new int[cell.Nodes.Count];
        for (int id = 0; id < cell.Nodes.Count; id++)
        {
            var n = cell.Nodes[id];
            if (n.Op == Op.GemmOut)
            {
                var operand = cell.Nodes[cell.Linears[n.Ref].Operand];
                level[id] = operand.Op is Op.Input or Op.StatePrev or Op.Memory ? 0 : level[cell.Linears[n.Ref].Operand] + 1;
            }
            else level[id] = n.Args.Select(a => level[a]).DefaultIfEmpty(0).Max();
        }
        return level;
    }
}
