using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// Attention over a [Memory]: scores (Dot), weighted sums (Context) and per-position products (Outer).
internal sealed partial class CellChecker
{
    /// <summary><c>Dot(m, q)</c>: the score m_s · q of every position, Σ_d m_sd q_d.</summary>
    private int Dot(CallExpr call)
    {
        int m = SeqArg(call, "memory", 0), q = VecArg(call, "query", index: 1);
        if (m < 0 || q < 0) return -1;
        Node nm = _g[m], nq = _g[q];
        if (nq.Kind != ShapeKind.Vec || nq.Dim != nm.Dim)
        {
            Report(Descriptors.BadMemory, call.Location, $"'Dot' scores {Describe(nm)} against {Describe(nq)}: the query needs the memory's features, {nm.Dim}; " +
                   $"project one of them (the memory with .Linear<{nq.Dim}>(), Luong's general score, or the query with Linear<{nm.Dim}>(...))");
            return -1;
        }
        return _g.SumOver(_g.Binary(Op.Mul, m, q), nm.Dim);
    }

    /// <summary><c>Context(a, m)</c>: Σ_s a_s m_s over the row's positions. The weights must be over the memory's positions and must
    /// read the memory (weights that do not would weigh every position alike, whatever it holds: almost surely a mistake).</summary>
    private int Context(CallExpr call)
    {
        int a = VecArg(call, "weights"), m = SeqArg(call, "memory", 1);
        if (a < 0 || m < 0) return -1;
        Node na = _g[a], nm = _g[m];
        if (na.Dim != nm.SeqDim)
        {
            Report(Descriptors.BadMemory, call.Location, $"'Context' weighs the positions of {Describe(nm)} with {Describe(na)}; the weights must be over its positions, " +
                   $"a Vec<{nm.SeqDim}> such as Softmax(Dot(memory, query))");
            return -1;
        }
        if (!ReadsMemory(a))
        {
            Report(Descriptors.ScoreReadsNoMemory, Positional(call, 0, "weights")!.Location, call.Name);
            return -1;
        }
        return _g.SumOver(_g.Binary(Op.Mul, a, m), nm.SeqDim);
    }

    /// <summary>Whether a value depends on a [Memory] (directly or through a memory product).</summary>
    private bool ReadsMemory(int node) => GraphBuilder.Closure(_g.Nodes, new[] { node })
        .Any(id => _g[id].Op == Op.Memory || _g[id].Op == Op.GemmOut && _g[id].Kind == ShapeKind.Seq);

    /// <summary><c>Outer(a, u)</c>: a_s · u at every position (a number per position times a vector of features).</summary>
    private int Outer(CallExpr call)
    {
        int a = VecArg(call, "a"), u = VecArg(call, "u", index: 1);
        if (a < 0 || u < 0) return -1;
        if (!_g.IsSeqDim(_g[a].Dim) || _g.IsSeqDim(_g[u].Dim))
        {
            Report(Descriptors.BadMemory, call.Location, $"'Outer' takes a vector over a memory's positions and a vector of features, not {Describe(_g[a])} and {Describe(_g[u])}");
            return -1;
        }
        return _g.Binary(Op.Mul, a, u);
    }

    /// <summary>A sequence argument (a [Memory] or a value computed from one); reports anything else.</summary>
    private int SeqArg(CallExpr call, string paramName, int index)
    {
        var arg = Positional(call, index, paramName);
        if (arg is null) { Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs a sequence argument '{paramName}'"); return -1; }
        int x = Eval(arg);
        if (x < 0) return -1;
        if (_g[x].Kind != ShapeKind.Seq)
        {
            Report(Descriptors.BadMemory, arg.Location, $"'{call.Name}' needs a sequence (a [Memory] or a value computed from one) as '{paramName}', not {Describe(_g[x])}");
            return -1;
        }
        return x;
    }
}
