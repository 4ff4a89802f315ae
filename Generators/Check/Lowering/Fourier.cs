using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// The unitary DFT and its inverse, as fixed products.
internal sealed partial class CellChecker
{
    /// <summary>A part of the unitary DFT of re + i·im, as fixed (frozen) products: with C = cos(2πjk/N)/√N and S = sin(2πjk/N)/√N,
    /// DFT: re' = C re + S im, im' = −S re + C im; inverse: re' = C re − S im, im' = S re + C im.</summary>
    private int Fourier(CallExpr call, bool inverse, bool realPart)
    {
        int re = VecArg(call, "re"), im = AnyArg(call, 1, "im");
        if (re < 0 || im < 0) return -1;
        if (_g[im].Kind != ShapeKind.Vec || _g[im].Dim != _g[re].Dim)
        {
            Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' takes the real and imaginary parts as two vectors of one dimension");
            return -1;
        }
        bool permute = Named(call, "permute") is BoolExpr { Value: true };
        string dim = _g[re].Dim, kind = permute ? "PermutedDft" : "Dft";
        if (_g.IsSeqDim(dim)) { Report(Descriptors.BadMemory, call.Location, $"'{call.Name}' would need a matrix sized by {dim}, which counts a memory's positions and changes from row to row"); return -1; }
        var baseName = ExplicitName(call) ?? AutoName($"{_equation}.{call.Name.ToLowerInvariant()}");
        // (matrix kind, sign) applied to re and to im
        var (onRe, onIm) = (inverse, realPart) switch
        {
            (false, true) => (("Cos", 1.0), ("Sin", 1.0)),
            (false, false) => (("Sin", -1.0), ("Cos", 1.0)),
            (true, true) => (("Cos", 1.0), ("Sin", -1.0)),
            _ => (("Sin", 1.0), ("Cos", 1.0)),
        };
        int Product(int x, (string Matrix, double Sign) m, string part)
        {
            var w = AddParam(new ParamInfo($"{baseName}.{part}", ParamRole.Weight, dim, dim, new InitSpec(kind + m.Matrix, m.Sign), Frozen: true), call.Location);
            _linears.Add(new LinearInfo(w, x, dim));
            return _g.Source(Op.GemmOut, ShapeKind.Vec, dim, _linears.Count - 1);
        }
        return _g.Binary(Op.Add, Product(re, onRe, "re"), Product(im, onIm, "im"));
    }
}
