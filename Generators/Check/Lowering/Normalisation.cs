using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// Normalisation: Softmax and LayerNorm, lowered to primitives the differentiator and scheduler already know.
internal sealed partial class CellChecker
{
    // The nodes that are softmaxes: a state over a memory's positions updated to one holds attention weights.
    private readonly HashSet<int> _softmaxes = new();

    /// <summary>Softmax over the vector's dimension, shifted by the row maximum so e^x never overflows.
    /// The shift cancels in the result, so it needs no derivative and RowMax is given none.</summary>
    private int Softmax(CallExpr call)
    {
        int x = VecArg(call, "x");
        if (x < 0) return -1;
        int e = _g.Unary(Op.Exp, _g.Binary(Op.Sub, x, _g.RowMax(x)));
        int y = _g.Binary(Op.Div, e, _g.RowSum(e, _g[x].Dim));
        _softmaxes.Add(y);
        return y;
    }

    /// <summary>Layer normalization lowered to primitives, so the differentiator and scheduler need no special case:
    /// y = (x − mean(x)) · rsqrt(mean((x − mean)²) + eps) · gain + shift.</summary>
    private int LayerNorm(CallExpr call)
    {
        int x = VecArg(call, "x");
        if (x < 0) return -1;
        double eps = 1e-5;
        if (Named(call, "eps") is { } epsArg)
        {
            if (epsArg is NumberExpr { Value: > 0 } n) eps = n.Value;
            else { Report(Descriptors.BadArgument, epsArg.Location, "LayerNorm's eps must be a positive number"); return -1; }
        }
        string dim = _g[x].Dim;
        if (_g.IsSeqDim(dim)) { Report(Descriptors.BadMemory, call.Location, $"LayerNorm's gain and shift cannot be over {dim}: it counts a memory's positions, which change from row to row"); return -1; }
        var name = ExplicitName(call) ?? AutoName($"{_equation}.norm");
        int gain = _g.Source(Op.Param, ShapeKind.Vec, dim, AddParam(new ParamInfo(name + ".gain", ParamRole.Vector, dim, "", new InitSpec("Constant", 1)), call.Location));
        int shift = _g.Source(Op.Param, ShapeKind.Vec, dim, AddParam(new ParamInfo(name + ".shift", ParamRole.Vector, dim, "", new InitSpec("Constant", 0)), call.Location));
        int size = _g.DimSize(dim);
        int mean = _g.Binary(Op.Div, _g.RowSum(x, dim), size);
        int centered = _g.Binary(Op.Sub, x, mean);
        int variance = _g.Binary(Op.Div, _g.RowSum(_g.Binary(Op.Mul, centered, centered), dim), size);
        int rstd = _g.Unary(Op.Rsqrt, _g.Binary(Op.Add, variance, _g.Const(eps)));
        return _g.Binary(Op.Add, _g.Binary(Op.Mul, _g.Binary(Op.Mul, centered, rstd), gain), shift);
    }
}
