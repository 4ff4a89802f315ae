using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Schedule;

/// <summary>The scheduling stage: groups the weight products of a differentiated cell into GEMMs and fuses everything between them.
/// Segment k's kernel computes every state update and GEMM operand of level k (<see cref="Derive.Derivation.Levels"/>), recomputing
/// what it needs from sources; its backward kernel writes the gradients its adjoint reaches.</summary>
internal static class Scheduler
{
    public static CellSchedule Schedule(CellDerivative derivative)
    {
        var cell = derivative.Graph;
        var levels = derivative.Levels;
        var intermediates = derivative.Intermediates;

        // Operands of products, grouped: one group per distinct operand.
        var groupKeys = new List<(OperandKind Kind, int Operand, string Dim)>();
        var groupLinears = new List<List<int>>();
        var groupSegment = new List<int>();
        for (int l = 0; l < cell.Linears.Count; l++)
        {
            var operand = cell.Nodes[cell.Linears[l].Operand];
            (OperandKind kind, int index) key = operand.Op switch
            {
                Op.Input => (OperandKind.Input, operand.Ref),
                Op.Memory => (OperandKind.Memory, operand.Ref),
                Op.StatePrev => (OperandKind.State, operand.Ref),
                _ => (OperandKind.Intermediate, IndexOf(intermediates, cell.Linears[l].Operand)),
            };
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

        var forward = new List<(string, int, bool, List<Sink>)>();
        var backward = new List<(string, int, bool, List<Sink>)>();
        var probed = new List<(string, int, bool, List<Sink>)>();
        for (int k = 0; k < derivative.Segments.Count; k++)
        {
            var sinks = cell.Updates.Where(u => levels[u.Node] == k)
                .Select(u => new Sink(SinkKind.WriteState, u.State, u.Node, cell.States[u.State].Dim)).ToList();
            for (int i = 0; i < intermediates.Count; i++)
                if (intermediates[i].Segment == k) sinks.Add(new Sink(SinkKind.WriteIntermediate, i, intermediates[i].Node, intermediates[i].Dim));
            forward.Add(($"Forward{k}", k, false, sinks));
            var probes = Enumerable.Range(0, cell.Probes.Count).Where(p => levels[cell.Probes[p].Node] == k)
                .Select(p => new Sink(SinkKind.WriteProbe, p, cell.Probes[p].Node, cell.Probes[p].Dim)).ToList();
            if (probes.Count > 0) probed.Add(($"Forward{k}Probed", k, false, sinks.Concat(probes).ToList()));

            var gradientSinks = new List<Sink>();
            foreach (var pair in derivative.Segments[k].Adjoints)
            {
                var source = cell.Nodes[pair.Node];
                var kind = source.Op switch
                {
                    Op.GemmOut => SinkKind.AddGemmGradient,
                    Op.StatePrev => SinkKind.AddStateGradient,
                    Op.Param => SinkKind.AddParamGradient,
                    Op.Input => SinkKind.AddInputGradient,
                    Op.Memory => SinkKind.AddMemoryGradient,
                    _ => (SinkKind?)null,
                };
                if (kind is { } sk) gradientSinks.Add(new Sink(sk, source.Ref, pair.Gradient, source.Dim, source.SeqDim));
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

        var nodes = cell.Nodes;
        var labeled = new HashSet<int>(cell.Labels.Select(l => l.Node));
        var plans = forward.Concat(backward).Select(f => KernelLayout.Plan(nodes, labeled, f.Item1, f.Item2, f.Item3, f.Item4)).ToList();
        var probedPlans = probed.Select(f => KernelLayout.Plan(nodes, labeled, f.Item1, f.Item2, f.Item3, f.Item4)).ToList();
        return new CellSchedule(cell, groups.ToEquatableArray(), intermediates, derivative.Segments.Count,
            plans.Where(p => !p.IsBackward).ToEquatableArray(), plans.Where(p => p.IsBackward).ToEquatableArray(),
            plans.Concat(probedPlans).Select(p => p.Scratch.Count).DefaultIfEmpty(0).Max(), probedPlans.ToEquatableArray());
    }

    private static int IndexOf(EquatableArray<Intermediate> intermediates, int node)
    {
        for (int i = 0; i < intermediates.Count; i++) if (intermediates[i].Node == node) return i;
        return -1;
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
