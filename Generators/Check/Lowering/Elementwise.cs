using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// Elementwise operations: activations, Min/Max/Clip, sums over a vector and its elements.
internal sealed partial class CellChecker
{
    private int MinMax(CallExpr call, Op op)
    {
        int a = AnyArg(call, 0, "a"), b = AnyArg(call, 1, "b");
        return SameDim(call, a, b) < 0 ? -1 : _g.Binary(op, a, b);
    }

    /// <summary><c>Clip(x, lo, hi)</c> = min(max(x, lo), hi): the gradient passes where x is inside [lo, hi].</summary>
    private int Clip(CallExpr call)
    {
        int x = VecArg(call, "x"), lo = AnyArg(call, 1, "lo"), hi = AnyArg(call, 2, "hi");
        if (x < 0 || SameDim(call, x, lo) < 0 || SameDim(call, x, hi) < 0) return -1;
        return _g.Binary(Op.Min, _g.Binary(Op.Max, x, lo), hi);
    }

    /// <summary><c>Sum(x)</c>: the sum of a vector's elements, a number per batch row.</summary>
    private int Sum(CallExpr call)
    {
        int x = VecArg(call, "x", sequences: true);
        return x < 0 ? -1 : _g.SumOver(x, _g[x].Dim);
    }

    private int Elementwise(CallExpr call, Op op, bool sequences = false)
    {
        int x = VecArg(call, "x", sequences);
        return x < 0 ? -1 : _g.Unary(op, x);
    }

    /// <summary><c>v[i]</c> is the sum of v ⊙ e_i: a row value, differentiated like any other sum.
    /// The vector's dimension must have more than i elements; the runtime checks that when it sizes the dimension.</summary>
    private int Index(IndexExpr ix)
    {
        int x = Eval(ix.Target);
        if (x < 0) return -1;
        var dim = _g[x].Dim;
        if (_g[x].Kind != ShapeKind.Vec) { Report(Descriptors.BadArgument, ix.Location, "Only a vector can be indexed"); return -1; }
        if (_g.IsSeqDim(dim)) { Report(Descriptors.BadMemory, ix.Location, $"A vector over {dim} (a memory's positions) cannot be indexed: a row may have fewer positions"); return -1; }
        _minSizes[dim] = Math.Max(_minSizes.TryGetValue(dim, out var m) ? m : 0, ix.Index + 1);
        return _g.RowSum(_g.Binary(Op.Mul, x, _g.OneHot(dim, ix.Index)), dim);
    }
}
