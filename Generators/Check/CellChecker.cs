using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

/// <summary>Checks a parsed cell and lowers its equations to a step graph. Every user mistake becomes a diagnostic
/// at the offending span; the graph is returned only when there are no errors.</summary>
internal sealed class CellChecker
{
    private readonly CellDeclaration _cell;
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly GraphBuilder _g = new();
    private readonly Dictionary<string, int> _env = new();
    private readonly Dictionary<string, int> _nextValues = new();
    // Dimensions indexed as v[i]: the smallest size they may be given.
    private readonly Dictionary<string, int> _minSizes = new();
    private readonly List<MaskInfo> _masks = new();
    // What a helper's body sees besides its parameters: the cell's inputs, states and hyperparameters.
    private readonly Dictionary<string, int> _members = new();
    private readonly List<string> _inlining = new();
    // States whose Next(...) was written but whose value had an error (already reported): not "never updated" as well.
    private readonly HashSet<string> _attemptedUpdates = new();
    // Equations whose value had an error (already reported): later uses of their names stay quiet instead of "unknown name".
    private readonly HashSet<string> _failed = new();
    private readonly List<string> _dims = new();
    private readonly List<ParamInfo> _params = new();
    private readonly List<LinearInfo> _linears = new();
    private readonly List<NodeLabel> _labels = new();
    private readonly List<ProbeInfo> _probes = new();
    private readonly HashSet<string> _paramNames = new();
    private readonly List<SourceLocation> _paramLocations = new();
    private string _equation = "";

    private CellChecker(CellDeclaration cell) => _cell = cell;

    public static (CellGraph? Graph, EquatableArray<DiagnosticInfo> Diagnostics) Check(CellDeclaration cell)
    {
        var checker = new CellChecker(cell);
        var graph = checker.Run();
        return (checker.HasErrors ? null : graph, checker._diagnostics.ToEquatableArray());
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor d, SourceLocation loc, params string[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(d, loc, args));

    private bool HasErrors => _diagnostics.Any(d => Descriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);

    private CellGraph? Run()
    {
        var c = _cell;
        if (!c.IsPartial) { Report(Descriptors.NotPartial, c.Location, c.ClassName); return null; }
        if (c.IsNested) Report(Descriptors.BadClassShape, c.Location, c.ClassName, "is nested in another type");
        if (c.IsGeneric) Report(Descriptors.BadClassShape, c.Location, c.ClassName, "is generic");
        if (c.HasBaseType) Report(Descriptors.BadClassShape, c.Location, c.ClassName, "has a base class");
        if (!c.HasStep) { Report(Descriptors.MissingStep, c.Location, c.ClassName); return null; }
        if (c.Inputs.Count == 0) Report(Descriptors.NoInput, c.Location, c.ClassName, c.Inputs.Count.ToString());
        int outputs = c.States.Count(s => s.IsOutput);
        if (outputs != 1) Report(Descriptors.OutputCount, c.Location, c.ClassName, outputs.ToString());

        foreach (var m in c.Memories)
        {
            if (!m.IsSeq) { Report(Descriptors.BadMemory, m.Location, $"[Memory] '{m.Name}' must have type Seq<S, D>: positions S (a length per batch row) and features D, e.g. Seq<Src, Enc>"); continue; }
            if (m.SeqDim == m.Dim) { Report(Descriptors.BadMemory, m.Location, $"[Memory] '{m.Name}' counts its positions and its features with one dimension, {m.Dim}; give the positions their own, e.g. Seq<Src, {m.Dim}>"); continue; }
            AddDim(m.SeqDim);
            AddDim(m.Dim);
            _g.AddSeqDim(m.SeqDim);
        }
        foreach (var m in c.Memories.Where(m => m.IsSeq))
            if (c.Memories.Any(o => o.IsSeq && o.Dim == m.SeqDim))
                Report(Descriptors.BadMemory, m.Location, $"{m.SeqDim} counts the positions of '{m.Name}', so it cannot also be the features of a memory");
        foreach (var p in c.Inputs.Concat(c.States))
        {
            if (!p.IsVec) { Report(Descriptors.NotAVector, p.Location, p.Name); continue; }
            if (_g.IsSeqDim(p.Dim) && c.Inputs.Contains(p))
            {
                Report(Descriptors.BadMemory, p.Location, $"Input '{p.Name}' is over {p.Dim}, the positions of a memory, whose number changes from row to row; an input needs a fixed size");
                continue;
            }
            AddDim(p.Dim);
        }
        for (int i = 0; i < c.Inputs.Count; i++) Declare(c.Inputs[i].Name, _g.Source(Op.Input, ShapeKind.Vec, c.Inputs[i].Dim, i), c.Inputs[i].Location);
        for (int i = 0; i < c.States.Count; i++) Declare(c.States[i].Name, _g.Source(Op.StatePrev, ShapeKind.Vec, c.States[i].Dim, i), c.States[i].Location);
        for (int i = 0; i < c.Memories.Count; i++)
        {
            var m = c.Memories[i];
            if (m.IsSeq && m.SeqDim != m.Dim)
                Declare(m.Name, _g.Intern(new Node(Op.Memory, ShapeKind.Seq, m.Dim, EquatableArray<int>.Empty, i, SeqDim: m.SeqDim)), m.Location);
        }
        for (int i = 0; i < c.Hypers.Count; i++)
        {
            var h = c.Hypers[i];
            if (h.Type is not ("float" or "double" or "int")) Report(Descriptors.BadHyper, h.Location, h.Name, h.Type);
            else if (h.UnreadableDefault is { } at)
                Report(Descriptors.BadArgument, at, $"The default of [Hyper] '{h.Name}' must be a number literal (or float.PositiveInfinity), so the runtime knows it");
            Declare(h.Name, _g.Source(Op.Hyper, ShapeKind.Scalar, "", i), h.Location);
        }

        foreach (var pair in _env) _members[pair.Key] = pair.Value;

        var updates = new List<StateUpdate>();
        foreach (var statement in c.Statements)
        {
            switch (statement)
            {
                case LetStatement let:
                    _equation = let.Name;
                    int value = Eval(let.Value);
                    if (value < 0) { _failed.Add(let.Name); break; }
                    Declare(let.Name, value, let.Location);
                    Label(value, let.Name, let.Text);
                    Probe(value, let.Name);
                    break;
                case NextStatement next:
                    _equation = next.State;
                    int stateIndex = IndexOfState(next.State);
                    if (stateIndex < 0) { Report(Descriptors.UnknownName, next.StateLocation, next.State); break; }
                    if (!_attemptedUpdates.Add(next.State)) { Report(Descriptors.StateUpdatedTwice, next.Location, next.State); break; }
                    int v = Eval(next.Value);
                    if (v < 0) break;
                    var state = c.States[stateIndex];
                    var node = _g[v];
                    if (node.Kind == ShapeKind.Vec && node.Dim != state.Dim)
                    {
                        Report(Descriptors.DimensionMismatch, next.Value.Location, next.Text, state.Dim, node.Dim);
                        break;
                    }
                    if (node.Kind != ShapeKind.Vec)
                    {
                        Report(Descriptors.BadArgument, next.Value.Location, $"The next value of state '{next.State}' must be a Vec<{state.Dim}>, not {Describe(node)}");
                        break;
                    }
                    _nextValues[next.State] = v;
                    updates.Add(new StateUpdate(stateIndex, v));
                    Label(v, next.State + "_next", next.Text);
                    break;
                default:
                    Report(Descriptors.UnsupportedStatement, statement.Location, statement.Text);
                    break;
            }
        }

        foreach (var s in c.States)
            if (!_attemptedUpdates.Contains(s.Name)) Report(Descriptors.StateNeverUpdated, s.Location, s.Name);

        // Only for a cell that is otherwise right: after an error, what reaches the states is not known.
        if (!HasErrors) ReportUnusedParams(updates);

        return new CellGraph(
            c.Namespace, c.ClassName, c.Modifiers,
            _dims.ToEquatableArray(),
            c.Inputs.Select(p => new PortInfo(p.Name, p.Dim, false)).ToEquatableArray(),
            c.States.Select(p => new PortInfo(p.Name, p.Dim, p.IsOutput)).ToEquatableArray(),
            c.Hypers.Select(h => new HyperInfo(h.Name, h.Default)).ToEquatableArray(),
            _params.ToEquatableArray(), _linears.ToEquatableArray(), _g.Nodes.ToEquatableArray(),
            updates.OrderBy(u => u.State).ToEquatableArray(), _labels.ToEquatableArray(), c.PartialProperties,
            _dims.Select(d => _minSizes.TryGetValue(d, out var m) ? m : 0).ToEquatableArray(),
            _masks.ToEquatableArray(),
            _probes.ToEquatableArray(),
            c.Memories.Select(m => new MemoryInfo(m.Name, m.SeqDim, m.Dim)).ToEquatableArray());
    }

    private void ReportUnusedParams(List<StateUpdate> updates)
    {
        // A product's operand is reached through the product (GemmOut nodes are sources, so follow their operands by hand).
        var roots = updates.Select(u => u.Node).ToList();
        var reached = new HashSet<int>();
        while (roots.Count > 0)
        {
            var fresh = GraphBuilder.Closure(_g.Nodes, roots).Where(reached.Add).ToList();
            roots = fresh.Where(id => _g[id].Op == Op.GemmOut).Select(id => _linears[_g[id].Ref].Operand).ToList();
        }
        var used = new HashSet<int>();
        foreach (var id in reached)
        {
            var n = _g[id];
            if (n.Op == Op.Param) used.Add(n.Ref);
            if (n.Op == Op.GemmOut) used.Add(_linears[n.Ref].Weight);
        }
        for (int p = 0; p < _params.Count; p++)
            if (!used.Contains(p)) Report(Descriptors.UnusedParameter, _paramLocations[p], _params[p].Name);
    }

    private void AddDim(string dim)
    {
        if (dim.Length > 0 && !_dims.Contains(dim)) _dims.Add(dim);
    }

    private int IndexOfHyper(string name) => IndexOf(_cell.Hypers, h => h.Name == name);

    private int IndexOfState(string name) => IndexOf(_cell.States, s => s.Name == name);

    private static int IndexOf<T>(EquatableArray<T> items, Func<T, bool> match) where T : IEquatable<T>
    {
        for (int i = 0; i < items.Count; i++) if (match(items[i])) return i;
        return -1;
    }

    private void Declare(string name, int node, SourceLocation loc)
    {
        if (_env.ContainsKey(name)) { Report(Descriptors.DuplicateName, loc, name); return; }
        _env[name] = node;
    }

    /// <summary>Makes an equation's value recordable by the runtime (a vector computed in the step, once per node).</summary>
    private void Probe(int node, string name)
    {
        if (_g[node].IsSource || _g[node].Kind != ShapeKind.Vec || _probes.Any(p => p.Node == node || p.Name == name)) return;
        _probes.Add(new ProbeInfo(name, node, _g[node].Dim));
    }

    private void Label(int node, string name, string source)
    {
        if (_labels.Any(l => l.Node == node) || _g[node].IsSource) return;
        _labels.Add(new NodeLabel(node, name, source));
    }

    /// <summary>Lowers an expression; returns -1 after reporting when it is wrong.</summary>
    private int Eval(Expr e)
    {
        switch (e)
        {
            case NumberExpr n: return _g.Const(n.Value);
            case NameExpr n:
                if (_env.TryGetValue(n.Name, out var id)) return id;
                if (_failed.Contains(n.Name)) return -1;
                Report(Descriptors.UnknownName, n.Location, n.Name);
                return -1;
            case NextValueExpr nv:
                if (_nextValues.TryGetValue(nv.State, out var next)) return next;
                if (IndexOfState(nv.State) < 0) Report(Descriptors.UnknownName, nv.Location, nv.State + ".Next");
                else Report(Descriptors.NextReadBeforeDefined, nv.Location, nv.State);
                return -1;
            case UnaryExpr u:
                int a = Eval(u.Operand);
                return a < 0 ? -1 : _g.Unary(Op.Neg, a);
            case BinaryExpr b:
                return Binary(b);
            case IndexExpr ix:
                return Index(ix);
            case CallExpr call:
                return Call(call);
            case BoolExpr or StringExpr:
                Report(Descriptors.BadArgument, e.Location, "A true/false or text value can only be a named argument (bias:, name:)");
                return -1;
            default:
                Report(Descriptors.UnsupportedOp, e.Location, e is UnsupportedExpr ue ? ue.Text : e.ToString());
                return -1;
        }
    }

    private int Binary(BinaryExpr b)
    {
        int l = Eval(b.Left), r = Eval(b.Right);
        if (l < 0 || r < 0) return -1;
        if (!Combinable(b.Location, b.Op, l, r)) return -1;
        var op = b.Op switch { "+" => Op.Add, "-" => Op.Sub, "*" => Op.Mul, _ => Op.Div };
        return _g.Binary(op, l, r);
    }

    /// <summary>Whether two values can meet in an elementwise operation: vectors of one dimension; a sequence with a vector of its
    /// features or of its positions, or with a sequence of the same shape. Reports otherwise.</summary>
    private bool Combinable(SourceLocation at, string what, int l, int r)
    {
        Node nl = _g[l], nr = _g[r];
        if (nl.Kind == ShapeKind.Vec && nr.Kind == ShapeKind.Vec && nl.Dim != nr.Dim)
        {
            Report(Descriptors.DimensionMismatch, at, what, nl.Dim, nr.Dim);
            return false;
        }
        if (nl.Kind == ShapeKind.Seq || nr.Kind == ShapeKind.Seq)
        {
            var (seq, other) = nl.Kind == ShapeKind.Seq ? (nl, nr) : (nr, nl);
            bool fits = other.Kind switch
            {
                ShapeKind.Seq => other.Dim == seq.Dim && other.SeqDim == seq.SeqDim,
                ShapeKind.Vec => other.Dim == seq.Dim || other.Dim == seq.SeqDim,
                _ => true,
            };
            if (!fits)
            {
                Report(Descriptors.BadMemory, at, $"'{what}' combines {Describe(seq)} with {Describe(other)}; a sequence combines with a vector of its features ({seq.Dim}) or of its positions ({seq.SeqDim})");
                return false;
            }
        }
        return true;
    }

    private static string Describe(Node n) => n.Kind switch
    {
        ShapeKind.Vec => $"a Vec<{n.Dim}>",
        ShapeKind.Seq => $"a Seq<{n.SeqDim}, {n.Dim}>",
        _ => "a single number",
    };

    private int Call(CallExpr call)
    {
        switch (call.Name)
        {
            case "Sigmoid": return Elementwise(call, Op.Sigmoid, sequences: true);
            case "Tanh": return Elementwise(call, Op.Tanh, sequences: true);
            case "Relu": return Elementwise(call, Op.Relu, sequences: true);
            case "Exp": return Elementwise(call, Op.Exp, sequences: true);
            case "Sin": return Elementwise(call, Op.Sin);
            case "Cos": return Elementwise(call, Op.Cos);
            case "Sqrt": return Elementwise(call, Op.Sqrt);
            case "Min": return MinMax(call, Op.Min);
            case "Max": return MinMax(call, Op.Max);
            case "Clip": return Clip(call);
            case "Softmax": return Softmax(call);
            case "Sum": return Sum(call);
            case "Dot": return Dot(call);
            case "Context": return Context(call);
            case "Outer": return Outer(call);
            case "Weight": return Bias(call, weight: true);
            case "Dropout": return Dropout(call);
            case "DftRe": return Fourier(call, inverse: false, realPart: true);
            case "DftIm": return Fourier(call, inverse: false, realPart: false);
            case "IdftRe": return Fourier(call, inverse: true, realPart: true);
            case "IdftIm": return Fourier(call, inverse: true, realPart: false);
            case "LayerNorm": return LayerNorm(call);
            case "Linear": return Linear(call);
            case "Bias": return Bias(call);
            case var dotted when dotted.EndsWith(".Linear", StringComparison.Ordinal): return MemoryLinear(call);
            default:
                var helper = _cell.Helpers.FirstOrDefault(h => h.Name == call.Name);
                if (helper is not null) return Inline(call, helper);
                Report(Descriptors.UnsupportedOp, call.Location, call.Name);
                return -1;
        }
    }

    /// <summary>A call of one of the cell's helper methods: its statements and result evaluated with the arguments bound to its
    /// parameters, seeing the cell's inputs, states and hyperparameters but not the caller's variables (as C# does). Parameters it
    /// creates are named after the calling equation and the helper (<c>i.Gate.X.weight</c>), a fresh set per call.</summary>
    private int Inline(CallExpr call, HelperDeclaration helper)
    {
        if (_inlining.Contains(helper.Name))
        {
            Report(Descriptors.BadArgument, call.Location, $"'{helper.Name}' calls itself; helpers are inlined into the equations, so they cannot recurse");
            return -1;
        }
        if (call.Args.Any(a => a.Name is not null) || call.Args.Count != helper.Parameters.Count)
        {
            Report(Descriptors.BadArgument, call.Location, $"'{helper.Name}' takes {helper.Parameters.Count} argument(s), given by position");
            return -1;
        }
        var values = call.Args.Select(a => Eval(a.Value)).ToList();
        if (values.Any(v => v < 0)) return -1;

        var callerEnv = new Dictionary<string, int>(_env);
        var callerEquation = _equation;
        var scope = AutoName($"{callerEquation}.{helper.Name}");
        _env.Clear();
        foreach (var pair in _members) _env[pair.Key] = pair.Value;
        for (int k = 0; k < values.Count; k++) _env[helper.Parameters[k]] = values[k];
        _inlining.Add(helper.Name);
        _equation = scope;
        int result = helper.Statements.All(Let) ? Eval(helper.Result) : -1;
        _inlining.Remove(helper.Name);
        _env.Clear();
        foreach (var pair in callerEnv) _env[pair.Key] = pair.Value;
        _equation = callerEquation;
        return result;

        // A helper's statement; false (after reporting) stops the inlining.
        bool Let(Statement statement)
        {
            if (statement is not LetStatement let)
            {
                Report(Descriptors.BadArgument, statement.Location, "A helper holds only 'var name = expression;' statements and one 'return expression;'");
                return false;
            }
            int value = Eval(let.Value);
            if (value < 0) return false;
            Declare(let.Name, value, let.Location);
            Label(value, let.Name, let.Text);
            Probe(value, _equation + "." + let.Name);
            return true;
        }
    }

    private Expr? Positional(CallExpr call, int index, string? name = null)
    {
        int seen = 0;
        foreach (var a in call.Args)
        {
            if (a.Name is null) { if (seen++ == index) return a.Value; }
            else if (a.Name == name) return a.Value;
        }
        return null;
    }

    private Expr? Named(CallExpr call, string name) => call.Args.FirstOrDefault(a => a.Name == name)?.Value;

    private int VecArg(CallExpr call, string paramName, bool sequences = false, int index = 0)
    {
        var arg = Positional(call, index, paramName);
        if (arg is null) { Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs a vector argument"); return -1; }
        int x = Eval(arg);
        if (x < 0) return -1;
        if (_g[x].Kind == ShapeKind.Seq && !sequences)
        {
            Report(Descriptors.BadMemory, arg.Location, $"'{call.Name}' takes a Vec, not {Describe(_g[x])}; reduce the sequence first (Dot, Sum or Context)");
            return -1;
        }
        if (_g[x].Kind is not (ShapeKind.Vec or ShapeKind.Seq))
        {
            Report(Descriptors.BadArgument, arg.Location, $"'{call.Name}' needs a vector argument, not a single number");
            return -1;
        }
        return x;
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

    /// <summary>Any argument: a vector, or a number, [Hyper] or vector element standing for one in every element.</summary>
    private int AnyArg(CallExpr call, int index, string name)
    {
        var arg = Positional(call, index, name);
        if (arg is null) { Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs an argument '{name}'"); return -1; }
        return Eval(arg);
    }

    private int SameDim(CallExpr call, int a, int b)
    {
        if (a < 0 || b < 0) return -1;
        Node na = _g[a], nb = _g[b];
        if (na.Kind == ShapeKind.Vec && nb.Kind == ShapeKind.Vec && na.Dim != nb.Dim)
        {
            Report(Descriptors.DimensionMismatch, call.Location, call.Name, na.Dim, nb.Dim);
            return -1;
        }
        return 0;
    }

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

    /// <summary>Softmax over the vector's dimension, shifted by the row maximum so e^x never overflows.
    /// The shift cancels in the result, so it needs no derivative and RowMax is given none.</summary>
    private int Softmax(CallExpr call)
    {
        int x = VecArg(call, "x");
        if (x < 0) return -1;
        int e = _g.Unary(Op.Exp, _g.Binary(Op.Sub, x, _g.RowMax(x)));
        return _g.Binary(Op.Div, e, _g.RowSum(e, _g[x].Dim));
    }

    /// <summary><c>Sum(x)</c>: the sum of a vector's elements, a number per batch row.</summary>
    private int Sum(CallExpr call)
    {
        int x = VecArg(call, "x", sequences: true);
        return x < 0 ? -1 : _g.SumOver(x, _g[x].Dim);
    }

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

    private int Elementwise(CallExpr call, Op op, bool sequences = false)
    {
        int x = VecArg(call, "x", sequences);
        return x < 0 ? -1 : _g.Unary(op, x);
    }

    private string? TypeArg(CallExpr call)
    {
        if (call.TypeArgs.Count == 1) { AddDim(call.TypeArgs[0]); return call.TypeArgs[0]; }
        Report(Descriptors.BadArgument, call.Location, $"'{call.Name}' needs its output dimension as a type argument, e.g. {call.Name}<Hidden>(...)");
        return null;
    }

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
}
