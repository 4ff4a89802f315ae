using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// Dropout inside the step, with masks the runtime draws.
internal sealed partial class CellChecker
{
    /// <summary><c>Dropout(x, rate)</c>: x times a mask the runtime draws per step in training (0 with probability rate, else 1/(1 − rate))
    /// and keeps for the backward pass; 1 in inference. The rate is a [Hyper] or a number in [0, 1).</summary>
    private int Dropout(CallExpr call)
    {
        int x = VecArg(call, "x");
        var rate = Positional(call, 1, "rate");
        if (x < 0) return -1;
        MaskInfo mask;
        if (rate is NumberExpr { Value: >= 0 and < 1 } n) mask = new MaskInfo(_g[x].Dim, -1, n.Value);
        else if (rate is NameExpr name && IndexOfHyper(name.Name) is var h and >= 0) mask = new MaskInfo(_g[x].Dim, h, 0);
        else
        {
            Report(Descriptors.BadArgument, rate?.Location ?? call.Location, "'Dropout' takes its rate as a number in [0, 1) or a [Hyper] property");
            return -1;
        }
        _masks.Add(mask);
        return _g.Binary(Op.Mul, x, _g.Source(Op.Mask, ShapeKind.Vec, mask.Dim, _masks.Count - 1));
    }
}
