using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// Products and learned vectors: Linear<D>(…), a memory's M.Linear<D>(), Bias<D>(), Weight<D>(), their initializers and parameter names.
internal sealed partial class CellChecker
{
    /// <summary><c>Linear&lt;D&gt;(x)</c> is W·x + b. With several operands, <c>Linear&lt;D&gt;(x, h)</c> is W·[x; h] + b (the concatenation
    /// papers write), kept as one product per operand so each can join its operand's GEMM group; the bias is shared.</summary>
    private int Linear(CallExpr call)
    {
        var outDim = TypeArg(call);
        var operands = call.Args.Where(a => a.Name is null || a.Name == "x").Select(a => a.Value).ToList();
        if (operands.Count == 0) { Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs a vector argument"); return -1; }
        var xs = new List<int>();
        foreach (var operand in operands)
        {
            int x = Eval(operand);
            if (x >= 0 && _g[x].Kind != ShapeKind.Vec) { Report(Descriptors.BadArgument, operand.Location, $"'{call.Name}' needs vector arguments, not a single number"); x = -1; }
            xs.Add(x);
        }
        if (outDim is null || xs.Any(x => x < 0)) return -1;
        foreach (var d in xs.Select(x => _g[x].Dim).Append(outDim).Where(_g.IsSeqDim).Distinct())
        {
            Report(Descriptors.BadMemory, call.Location, $"'{call.Name}' would need a weight sized by {d}, which counts a memory's positions and changes from row to row; " +
                   "reduce over the positions first (Context), or map the memory itself with M.Linear<D>()");
            return -1;
        }
        bool bias = Named(call, "bias") is not BoolExpr { Value: false };
        var explicitInit = InitArg(call, "init");
        var baseName = ExplicitName(call) ?? AutoName(operands.Count == 1 ? $"{_equation}.{OperandName(operands[0])}" : _equation + ".cat");
        int sum = -1;
        for (int k = 0; k < xs.Count; k++)
        {
            int x = xs[k];
            var init = explicitInit ?? (_g[x].Op == Op.StatePrev ? new InitSpec("Orthogonal", 1) : new InitSpec("UniformUnitScaling", 1));
            var weightName = operands.Count == 1 ? baseName + ".weight" : $"{baseName}.{OperandName(operands[k])}.weight";
            // A product of a value computed in the step cuts the step there; name that value after the operand it is.
            Label(x, OperandName(operands[k]), $"{operands[k] switch { NameExpr n => n.Name, _ => OperandName(operands[k]) }}: operand of {weightName}");
            var w = AddParam(new ParamInfo(weightName, ParamRole.Weight, outDim, _g[x].Dim, init), call.Location);
            if (init.Kind == "Identity" && outDim != _g[x].Dim)
                Report(Descriptors.InitShape, call.Location, weightName, outDim, _g[x].Dim);
            _linears.Add(new LinearInfo(w, x, outDim));
            int product = _g.Source(Op.GemmOut, ShapeKind.Vec, outDim, _linears.Count - 1);
            sum = sum < 0 ? product : _g.Binary(Op.Add, sum, product);
        }
        if (!bias) return sum;
        var b = AddParam(new ParamInfo(baseName + ".bias", ParamRole.Vector, outDim, "", InitArg(call, "biasInit") ?? new InitSpec("Constant", 0)), call.Location);
        return _g.Binary(Op.Add, sum, _g.Source(Op.Param, ShapeKind.Vec, outDim, b));
    }

    /// <summary><c>Bias&lt;D&gt;()</c> (zeros by default) or <c>Weight&lt;D&gt;()</c> (uniform unit scaling by default): a learned vector.</summary>
    private int Bias(CallExpr call, bool weight = false)
    {
        var dim = TypeArg(call);
        if (dim is null) return -1;
        if (_g.IsSeqDim(dim)) { Report(Descriptors.BadMemory, call.Location, $"A learned vector cannot be over {dim}: it counts a memory's positions, which change from row to row"); return -1; }
        var name = ExplicitName(call) ?? AutoName($"{_equation}.{(weight ? "weight" : "bias")}");
        var init = InitArg(call, "init") ?? (weight ? new InitSpec("UniformUnitScaling", 1) : new InitSpec("Constant", 0));
        var p = AddParam(new ParamInfo(name, ParamRole.Vector, dim, "", init), call.Location);
        return _g.Source(Op.Param, ShapeKind.Vec, dim, p);
    }

    /// <summary><c>M.Linear&lt;D&gt;()</c>: a learned map of every position of a memory, W·m_s + b, run once per sequence as one product.</summary>
    private int MemoryLinear(CallExpr call)
    {
        var owner = call.Name.Substring(0, call.Name.Length - ".Linear".Length);
        int memory = _cell.Memories.ToList().FindIndex(m => m.Name == owner);
        if (memory < 0 || !_env.TryGetValue(owner, out var m))
        {
            Report(Descriptors.BadMemory, call.Location, _env.ContainsKey(owner)
                ? $"'{owner}.Linear' maps a [Memory] only: products of values computed in the step are written Linear<D>({owner})"
                : $"'{owner}' is not a [Memory] of this cell; declare one as '[Memory] partial Seq<Src, Enc> {owner} {{ get; }}'");
            return -1;
        }
        if (call.Args.Any(a => a.Name is null))
        {
            Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' maps the memory itself and takes only named arguments (bias:, init:, biasInit:, name:)");
            return -1;
        }
        var outDim = TypeArg(call);
        if (outDim is null) return -1;
        if (_g.IsSeqDim(outDim)) { Report(Descriptors.BadMemory, call.Location, $"A product cannot produce {outDim}: it counts a memory's positions, which change from row to row"); return -1; }
        var baseName = ExplicitName(call) ?? AutoName($"{_equation}.{owner}");
        var init = InitArg(call, "init") ?? new InitSpec("UniformUnitScaling", 1);
        var w = AddParam(new ParamInfo(baseName + ".weight", ParamRole.Weight, outDim, _g[m].Dim, init), call.Location);
        if (init.Kind == "Identity" && outDim != _g[m].Dim) Report(Descriptors.InitShape, call.Location, baseName + ".weight", outDim, _g[m].Dim);
        _linears.Add(new LinearInfo(w, m, outDim));
        int product = _g.Intern(new Node(Op.GemmOut, ShapeKind.Seq, outDim, EquatableArray<int>.Empty, _linears.Count - 1, SeqDim: _g[m].SeqDim));
        if (Named(call, "bias") is BoolExpr { Value: false }) return product;
        var b = AddParam(new ParamInfo(baseName + ".bias", ParamRole.Vector, outDim, "", InitArg(call, "biasInit") ?? new InitSpec("Constant", 0)), call.Location);
        return _g.Binary(Op.Add, product, _g.Source(Op.Param, ShapeKind.Vec, outDim, b));
    }

    private InitSpec? InitArg(CallExpr call, string argName)
    {
        var arg = Named(call, argName);
        if (arg is null) return null;
        switch (arg)
        {
            case NameExpr { Name: "Init.Zeros" }: return new InitSpec("Constant", 0);
            case NameExpr { Name: "Init.Ones" }: return new InitSpec("Constant", 1);
            case CallExpr c when c.Name.StartsWith("Init.", StringComparison.Ordinal):
                var kind = c.Name.Substring("Init.".Length);
                if (kind is "Orthogonal" or "UniformUnitScaling" or "Identity" or "Normal" or "Constant" or "Uniform")
                {
                    double dflt = kind is "Constant" or "Normal" or "Uniform" ? double.NaN : 1;
                    var v = c.Args.Count > 0 ? c.Args[0].Value : null;
                    if (v is NumberExpr n) return new InitSpec(kind, n.Value);
                    if (v is NameExpr { Name: var hyperName } && IndexOfHyper(hyperName) is var h and >= 0) return new InitSpec(kind, _cell.Hypers[h].Default, h);
                    if (v is null && !double.IsNaN(dflt)) return new InitSpec(kind, dflt);
                }
                break;
        }
        Report(Descriptors.BadArgument, arg.Location,
            $"'{argName}:' takes Init.Orthogonal(scale), Init.UniformUnitScaling(factor), Init.Identity(scale), Init.Normal(std), Init.Uniform(limit), Init.Constant(value), Init.Zeros or Init.Ones with a number or a [Hyper] as argument");
        return null;
    }

    private string? ExplicitName(CallExpr call)
    {
        var arg = Named(call, "name");
        if (arg is null) return null;
        if (arg is StringExpr s && s.Value.Length > 0) return s.Value;
        Report(Descriptors.BadArgument, arg.Location, "'name:' takes a non-empty string literal");
        return null;
    }

    private string AutoName(string baseName)
    {
        if (!Taken(baseName)) return baseName;
        for (int k = 2; ; k++)
            if (!Taken(baseName + k)) return baseName + k;
    }

    private bool Taken(string name) => _paramNames.Any(n => n == name || n.StartsWith(name + ".", StringComparison.Ordinal));

    private int AddParam(ParamInfo p, SourceLocation loc)
    {
        if (!_paramNames.Add(p.Name)) Report(Descriptors.DuplicateName, loc, p.Name);
        _params.Add(p);
        _paramLocations.Add(loc);
        return _params.Count - 1;
    }

    private static string OperandName(Expr e) => e switch
    {
        NameExpr n => n.Name,
        NextValueExpr nv => nv.State + "next",
        BinaryExpr b => OperandName(b.Left) + OperandName(b.Right),
        UnaryExpr u => OperandName(u.Operand),
        CallExpr c when c.Args.Count > 0 => c.Name.ToLowerInvariant() + OperandName(c.Args[0].Value),
        _ => "",
    } is { Length: > 0 } s ? s : "in";

    private string? TypeArg(CallExpr call)
    {
        if (call.TypeArgs.Count == 1) { AddDim(call.TypeArgs[0]); return call.TypeArgs[0]; }
        Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs its output dimension as a type argument, e.g. {call.Name}<Hidden>(...)");
        return null;
    }
}
