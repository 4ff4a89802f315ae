using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Check;
using Recur.Generators.Derive;
using Recur.Generators.Model;

namespace Recur.Generators.Schedule;

/// <summary>Cuts the step graph at weight products and fuses everything between cuts.
/// A product's level is 0 when it reads the input or a previous state (its GEMM runs before the step's first kernel),
/// and one more than its operand's level otherwise (JZS1's W(r⊙h) reads a value of level 0, so it is level 1).
/// Segment k's kernel computes every state update and GEMM operand of level k, recomputing what it needs from sources.</summary>
internal static class Scheduler
{
    public static CellSchedule Schedule(CellGraph cell)
    {
        var levels = Levels(cell);

        // Operands of products, grouped: one group per distinct operand.
        var intermediates = new List<Intermediate>();
        var groupKeys = new List<(OperandKind Kind, int Operand, string Dim)>();
        var groupLinears = new List<List<int>>();
        var groupSegment = new List<int>();
        for (int l = 0; l < cell.Linears.Count; l++)
        {
            var operand = cell.Nodes[cell.Linears[l].Operand];
            (OperandKind kind, int index) key;
            if (operand.Op == Op.Input) key = (OperandKind.Input, operand.Ref);
            else if (operand.Op == Op.Memory) key = (OperandKind.Memory, operand.Ref);
            else if (operand.Op == Op.StatePrev) key = (OperandKind.State, operand.Ref);
            else
            {
                int i = intermediates.FindIndex(x => x.Node == cell.Linears[l].Operand);
                if (i < 0) { intermediates.Add(new Intermediate(cell.Linears[l].Operand, operand.Dim, levels[cell.Linears[l].Operand])); i = intermediates.Count - 1; }
                key = (OperandKind.Intermediate, i);
            }
            int g = groupKeys.FindIndex(k => k.Kind == key.kind && k.Operand == key.index);
            if (g < 0)
            {
                groupKeys.Add((key.kind, key.index, operand.Dim));
                groupLinears.Add(new List<int>());
                groupSegment.Add(key.kind == OperandKind.Intermediate ? intermediates[key.index].Segment + 1 : 0);
                g = groupKeys.Count - 1;
            }
            groupLinears[g].Add(l);
        }
        var groups = groupKeys.Select((k, g) => new GemmGroup(k.Kind, k.Operand, k.Dim, groupLinears[g].ToEquatableArray(), groupSegment[g])).ToList();

        cell = LayOutParams(cell, groups);
        var builder = new GraphBuilder(cell.Nodes, cell.Memories.Select(m => m.SeqDim));
        var labels = cell.Labels.ToList();

        int segments = 1 + cell.Updates.Select(u => levels[u.Node]).Concat(intermediates.Select(i => i.Segment)).DefaultIfEmpty(0).Max();
        var forward = new List<(string, int, bool, List<Sink>)>();
        var backward = new List<(string, int, bool, List<Sink>)>();
        var probed = new List<(string, int, bool, List<Sink>)>();
        for (int k = 0; k < segments; k++)
        {
            var sinks = new List<Sink>();
            var seeds = new List<(int, int)>();
            foreach (var u in cell.Updates.Where(u => levels[u.Node] == k))
            {
                var state = cell.States[u.State];
                sinks.Add(new Sink(SinkKind.WriteState, u.State, u.Node, state.Dim));
                seeds.Add((u.Node, builder.Source(Op.SeedState, ShapeKind.Vec, state.Dim, u.State)));
            }
            for (int i = 0; i < intermediates.Count; i++)
            {
                if (intermediates[i].Segment != k) continue;
                sinks.Add(new Sink(SinkKind.WriteIntermediate, i, intermediates[i].Node, intermediates[i].Dim));
                seeds.Add((intermediates[i].Node, builder.Source(Op.SeedIntermediate, ShapeKind.Vec, intermediates[i].Dim, i)));
            }
            forward.Add(($"Forward{k}", k, false, sinks));
            var probes = Enumerable.Range(0, cell.Probes.Count).Where(p => levels[cell.Probes[p].Node] == k)
                .Select(p => new Sink(SinkKind.WriteProbe, p, cell.Probes[p].Node, cell.Probes[p].Dim)).ToList();
            if (probes.Count > 0) probed.Add(($"Forward{k}Probed", k, false, sinks.Concat(probes).ToList()));

            var adjoint = Differentiator.Derive(builder, seeds);
            var gradientSinks = new List<Sink>();
            foreach (var pair in adjoint.OrderBy(p => p.Key))
            {
                var source = builder[pair.Key];
                var kind = source.Op switch
                {
                    Op.GemmOut => SinkKind.AddGemmGradient,
                    Op.StatePrev => SinkKind.AddStateGradient,
                    Op.Param => SinkKind.AddParamGradient,
                    Op.Input => SinkKind.AddInputGradient,
                    Op.Memory => SinkKind.AddMemoryGradient,
                    _ => (SinkKind?)null,
                };
                if (kind is { } sk) gradientSinks.Add(new Sink(sk, source.Ref, pair.Value, source.Dim, source.SeqDim));
                var label = labels.FirstOrDefault(l => l.Node == pair.Key);
                if (label is not null && !builder[pair.Value].IsSource && labels.All(l => l.Node != pair.Value))
                    labels.Add(new NodeLabel(pair.Value, "d" + label.Name, "gradient of " + label.Name));
            }
            backward.Add(($"Backward{k}", k, true, gradientSinks));
        }

        // A product whose output gradient comes from one backward kernel only is assigned there, not accumulated;
        // a group whose products are all assigned needs no clearing of its gradient buffer. A memory product's gradient is one buffer
        // for the whole sequence, which every step adds to.
        var writers = backward.SelectMany(b => b.Item4).Where(s => s.Kind == SinkKind.AddGemmGradient)
            .GroupBy(s => s.Ref).ToDictionary(g => g.Key, g => g.First().SeqDim.Length > 0 ? int.MaxValue : g.Count());
        foreach (var b in backward)
            for (int i = 0; i < b.Item4.Count; i++)
                if (b.Item4[i].Kind == SinkKind.AddGemmGradient && writers[b.Item4[i].Ref] == 1)
                    b.Item4[i] = b.Item4[i] with { Kind = SinkKind.WriteGemmGradient };
        groups = groups.Select(g => g with { GradientAssigned = g.Linears.All(l => writers.TryGetValue(l, out var n) && n == 1) }).ToList();

        var nodes = builder.Nodes.ToEquatableArray();
        var labeled = new HashSet<int>(labels.Select(l => l.Node));
        var plans = forward.Concat(backward).Select(f => KernelLayout.Plan(nodes, labeled, f.Item1, f.Item2, f.Item3, f.Item4)).ToList();
        var probedPlans = probed.Select(f => KernelLayout.Plan(nodes, labeled, f.Item1, f.Item2, f.Item3, f.Item4)).ToList();
        cell = cell with { Nodes = nodes, Labels = labels.ToEquatableArray() };
        return new CellSchedule(cell, groups.ToEquatableArray(), intermediates.ToEquatableArray(), segments,
            plans.Where(p => !p.IsBackward).ToEquatableArray(), plans.Where(p => p.IsBackward).ToEquatableArray(),
            plans.Concat(probedPlans).Select(p => p.Scratch.Count).DefaultIfEmpty(0).Max(), probedPlans.ToEquatableArray());
    }

    /// <summary>The segment each node can first be computed in.</summary>
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

    /// <summary>Orders parameters so each group's weights are adjacent (stacked [ΣOut, In] for one GEMM), vectors after.</summary>
    private static CellGraph LayOutParams(CellGraph cell, List<GemmGroup> groups)
    {
        var order = groups.SelectMany(g => g.Linears.Select(l => cell.Linears[l].Weight)).ToList();
        order.AddRange(Enumerable.Range(0, cell.Params.Count).Where(p => !order.Contains(p)));
        var newIndex = new int[order.Count];
        for (int i = 0; i < order.Count; i++) newIndex[order[i]] = i;
        return cell with
        {
            Params = order.Select(p => cell.Params[p]).ToEquatableArray(),
            Linears = cell.Linears.Select(l => l with { Weight = newIndex[l.Weight] }).ToEquatableArray(),
            Nodes = cell.Nodes.Select(n => n.Op == Op.Param ? n with { Ref = newIndex[n.Ref] } : n).ToEquatableArray(),
        };
    }
}
