using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Check;
using Recur.Generators.Model;

namespace Recur.Generators.Schedule;

/// <summary>Lays out one fused kernel. A kernel runs one thread group per batch row; each thread owns the elements
/// j = tid, tid + G, … of every loop, so an element computed in one phase is read back by the same thread in a later one.
/// A row reduction ends a phase: its partial sums are accumulated in the loop and combined across the group
/// before the next phase. Values used in a later phase go through a scratch row; everything else stays in registers.</summary>
internal static class KernelLayout
{
    public static KernelPlan Plan(EquatableArray<Node> nodes, ISet<int> labeled, string name, int segment, bool isBackward, List<Sink> sinks)
    {
        var closure = GraphBuilder.Closure(nodes, sinks.Select(s => s.Node));
        var phase = new Dictionary<int, int>();
        foreach (var id in closure)
        {
            var n = nodes[id];
            phase[id] = n.IsSource ? 0
                : n.IsReduction ? phase[n.Args[0]] + 1
                : n.Args.Select(a => phase[a]).DefaultIfEmpty(0).Max();
        }

        bool IsComputedVec(int id) => nodes[id].Kind == ShapeKind.Vec && !nodes[id].IsSource;
        (int, string)? LoopOf(int id) => IsComputedVec(id) ? (phase[id], nodes[id].Dim) : null;

        // Then as late as possible: a vector value is computed in the phase of its first use, not the first phase it could be,
        // so a value read only after a reduction (GRU's u ⊙ h beside a softmax) is computed there instead of crossing phases
        // through a scratch row. Reductions and values that are sinks stay where they are.
        var users = closure.ToDictionary(id => id, _ => new List<int>());
        foreach (var id in closure) foreach (var a in nodes[id].Args) users[a].Add(id);
        var sinkNodes = new HashSet<int>(sinks.Select(s => s.Node));
        for (int k = closure.Count - 1; k >= 0; k--)
        {
            int id = closure[k];
            if (!IsComputedVec(id) || sinkNodes.Contains(id) || users[id].Count == 0) continue;
            phase[id] = users[id].Min(u => nodes[u].IsReduction ? phase[u] - 1 : phase[u]);
        }

        // Where each node is used: (loop key) per use.
        var uses = new Dictionary<int, List<(int Phase, string Dim)>>();
        void Use(int id, (int, string) loop)
        {
            if (!uses.TryGetValue(id, out var list)) uses[id] = list = new();
            list.Add(loop);
        }
        var loops = new HashSet<(int Phase, string Dim)>();
        foreach (var id in closure)
        {
            var n = nodes[id];
            if (n.IsReduction)
            {
                var loop = (phase[id] - 1, nodes[n.Args[0]].Dim);
                loops.Add(loop);
                Use(n.Args[0], loop);
            }
            else if (LoopOf(id) is { } loop)
            {
                loops.Add(loop);
                foreach (var a in n.Args) Use(a, loop);
            }
        }
        for (int s = 0; s < sinks.Count; s++)
        {
            var loop = (phase[sinks[s].Node], sinks[s].Dim);
            loops.Add(loop);
            Use(sinks[s].Node, loop);
        }

        var scratch = closure.Where(id => IsComputedVec(id) && uses.TryGetValue(id, out var u) && u.Any(l => l != LoopOf(id)!.Value)).ToList();
        // Labeled values (the user's equations) stay named locals, one per line; other single-use values fold into their user.
        var inlined = closure.Where(id =>
            !nodes[id].IsSource && nodes[id].Kind == ShapeKind.Vec && !labeled.Contains(id) && uses.TryGetValue(id, out var u) && u.Count == 1 && u[0] == LoopOf(id)!.Value
            || nodes[id].Kind == ShapeKind.Scalar).ToList();

        int phases = 1 + phase.Values.DefaultIfEmpty(0).Max();
        var dimOrder = closure.Select(id => nodes[id].Dim).Concat(sinks.Select(s => s.Dim)).Where(d => d.Length > 0).Distinct().ToList();
        var phasePlans = new List<PhasePlan>();
        for (int p = 0; p < phases; p++)
        {
            var rows = closure.Where(id => nodes[id].Kind == ShapeKind.Row && phase[id] == p).ToEquatableArray();
            var loopPlans = new List<LoopPlan>();
            foreach (var dim in dimOrder)
            {
                var key = (p, dim);
                if (!loops.Contains(key)) continue;
                loopPlans.Add(new LoopPlan(
                    dim,
                    closure.Where(id => LoopOf(id) == key).ToEquatableArray(),
                    scratch.Where(id => LoopOf(id) != key && uses[id].Contains(key)).ToEquatableArray(),
                    scratch.Where(id => LoopOf(id) == key).ToEquatableArray(),
                    closure.Where(id => nodes[id].IsReduction && (phase[id] - 1, nodes[nodes[id].Args[0]].Dim) == key).ToEquatableArray(),
                    Enumerable.Range(0, sinks.Count).Where(s => (phase[sinks[s].Node], sinks[s].Dim) == key).ToEquatableArray()));
            }
            phasePlans.Add(new PhasePlan(rows, loopPlans.ToEquatableArray()));
        }
        return new KernelPlan(name, segment, isBackward, sinks.ToEquatableArray(), phasePlans.ToEquatableArray(), inlined.ToEquatableArray(), scratch.ToEquatableArray());
    }
}
