using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Schedule;

/// <summary>Lays out one fused kernel. A kernel runs one thread group per batch row; each thread owns the elements
/// j = tid, tid + G, … of every loop, so an element computed in one phase is read back by the same thread in a later one.
/// A row reduction ends a phase: its partial sums are accumulated in the loop and combined across the group
/// before the next phase. Values used in a later phase go through a scratch row; everything else stays in registers.</summary>
/// <remarks>
/// Attention adds sequences (a memory's positions × features). A sequence is never stored: it is computed inside the inner loop of
/// the contraction that reads it (<c>Σ_d</c> in a loop over positions, <c>Σ_s</c> in a loop over features) or of the sink that writes
/// it (a memory's gradient, in a loop over features with an inner loop over positions). Inside that inner loop a vector of the
/// inner dimension is read at every element, so one computed in the step must come from a scratch row of an earlier phase, after a
/// barrier; vectors of the outer dimension are the loop's own locals.</remarks>
internal static class KernelLayout
{
    public static KernelPlan Plan(EquatableArray<Node> nodes, ISet<int> labeled, string name, int segment, bool isBackward, List<Sink> sinks)
    {
        var closure = GraphBuilder.Closure(nodes, sinks.Select(s => s.Node));
        bool IsComputedVec(int id) => nodes[id].Kind == ShapeKind.Vec && !nodes[id].IsSource;

        // What each contraction and sequence sink reads through the sequences it computes inline, with whether each value is over the
        // inner dimension (read across elements) or the outer one (the loop's own).
        var frontier = new Dictionary<int, List<(int Node, bool Inner)>>();
        foreach (var id in closure.Where(id => nodes[id].IsContraction))
        {
            var arg = nodes[nodes[id].Args[0]];
            frontier[id] = Frontier(nodes, nodes[id].Args[0], inner: nodes[id].Op == Op.FeatureSum ? arg.Dim : arg.SeqDim);
        }
        var sinkFrontier = sinks.Select(s => s.SeqDim.Length > 0 ? Frontier(nodes, s.Node, s.SeqDim) : null).ToList();

        var phase = new Dictionary<int, int>();
        int Needs(List<(int Node, bool Inner)> f) => f.Select(x => phase[x.Node] + (x.Inner && IsComputedVec(x.Node) ? 1 : 0)).DefaultIfEmpty(0).Max();
        foreach (var id in closure)
        {
            var n = nodes[id];
            phase[id] = n.IsSource ? 0
                : n.IsReduction ? phase[n.Args[0]] + 1
                : n.IsContraction ? Needs(frontier[id])
                : n.Args.Select(a => phase[a]).DefaultIfEmpty(0).Max();
        }
        var sinkPhase = sinks.Select((s, k) => sinkFrontier[k] is { } f ? Needs(f) : phase[s.Node]).ToArray();

        (int, string)? LoopOf(int id) => IsComputedVec(id) ? (phase[id], nodes[id].Dim) : null;

        // Then as late as possible: a vector value is computed in the phase of its first use, not the first phase it could be,
        // so a value read only after a reduction (GRU's u ⊙ h beside a softmax) is computed there instead of crossing phases
        // through a scratch row. Reductions and values that are sinks stay where they are.
        var users = closure.ToDictionary(id => id, _ => new List<int>());
        foreach (var id in closure) foreach (var a in nodes[id].Args) users[a].Add(id);
        var readers = closure.ToDictionary(id => id, _ => new List<(int Consumer, bool Inner, int Sink)>());
        foreach (var pair in frontier) foreach (var (f, inner) in pair.Value) readers[f].Add((pair.Key, inner, -1));
        for (int k = 0; k < sinks.Count; k++)
            if (sinkFrontier[k] is { } f) foreach (var (node, inner) in f) readers[node].Add((-1, inner, k));
        var sinkNodes = new HashSet<int>(sinks.Select(s => s.Node));
        for (int k = closure.Count - 1; k >= 0; k--)
        {
            int id = closure[k];
            if (!IsComputedVec(id) || sinkNodes.Contains(id)) continue;
            var latest = users[id].Where(u => nodes[u].Kind != ShapeKind.Seq).Select(u => nodes[u].IsReduction ? phase[u] - 1 : phase[u])
                .Concat(readers[id].Select(r => (r.Sink >= 0 ? sinkPhase[r.Sink] : phase[r.Consumer]) - (r.Inner ? 1 : 0))).ToList();
            if (latest.Count > 0) phase[id] = latest.Min();
        }

        // Where each node is used: (loop key) per use. A read across elements inside a contraction is keyed (phase, "~dim"), which is
        // no loop, so the value goes through scratch and is read there element by element.
        var uses = new Dictionary<int, List<(int Phase, string Dim)>>();
        void Use(int id, (int, string) loop)
        {
            if (!uses.TryGetValue(id, out var list)) uses[id] = list = new();
            list.Add(loop);
        }
        var loops = new HashSet<(int Phase, string Dim)>();
        var readInside = new HashSet<int>();
        var barriers = new HashSet<int>();
        void UseFrontier(List<(int Node, bool Inner)> f, (int Phase, string Dim) loop)
        {
            foreach (var (node, inner) in f)
            {
                if (!IsComputedVec(node)) continue;
                if (inner)
                {
                    Use(node, (loop.Phase, "~" + nodes[node].Dim));
                    barriers.Add(loop.Phase);
                }
                else
                {
                    Use(node, loop);
                    readInside.Add(node);
                }
            }
        }
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
                if (n.IsContraction) UseFrontier(frontier[id], loop);
                else foreach (var a in n.Args) Use(a, loop);
            }
        }
        for (int s = 0; s < sinks.Count; s++)
        {
            var loop = (sinkPhase[s], sinks[s].Dim);
            loops.Add(loop);
            if (sinkFrontier[s] is { } f) UseFrontier(f, loop);
            else Use(sinks[s].Node, loop);
        }

        var scratch = closure.Where(id => IsComputedVec(id) && uses.TryGetValue(id, out var u) && u.Any(l => l != LoopOf(id)!.Value)).ToList();
        // Labeled values (the user's equations) stay named locals, one per line; other single-use values fold into their user, except
        // contractions and values read inside a contraction's inner loop (computed once, not once per inner element).
        var inlined = closure.Where(id =>
            !nodes[id].IsSource && nodes[id].Kind == ShapeKind.Vec && !nodes[id].IsContraction && !readInside.Contains(id) && !labeled.Contains(id)
                && uses.TryGetValue(id, out var u) && u.Count == 1 && u[0] == LoopOf(id)!.Value
            || nodes[id].Kind == ShapeKind.Scalar).ToList();

        int phases = 1 + phase.Values.Concat(sinkPhase).DefaultIfEmpty(0).Max();
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
                    Enumerable.Range(0, sinks.Count).Where(s => (sinkPhase[s], sinks[s].Dim) == key).ToEquatableArray()));
            }
            phasePlans.Add(new PhasePlan(rows, loopPlans.ToEquatableArray(), barriers.Contains(p)));
        }
        return new KernelPlan(name, segment, isBackward, sinks.ToEquatableArray(), phasePlans.ToEquatableArray(), inlined.ToEquatableArray(), scratch.ToEquatableArray());
    }

    /// <summary>The values a sequence expression reads: it is walked through the sequences it computes, down to vectors, rows, scalars and
    /// sequence sources; each is marked inner when it is a vector over <paramref name="inner"/>.</summary>
    public static List<(int Node, bool Inner)> Frontier(IReadOnlyList<Node> nodes, int start, string inner)
    {
        var seen = new HashSet<int>();
        var result = new List<(int, bool)>();
        var stack = new Stack<int>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (!seen.Add(id)) continue;
            var n = nodes[id];
            if (n.Kind == ShapeKind.Seq && !n.IsSource) foreach (var a in n.Args) stack.Push(a);
            else result.Add((id, n.Kind == ShapeKind.Vec && n.Dim == inner));
        }
        return result.OrderBy(x => x.Item1).ToList();
    }
}
