using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

/// <summary>Checks a parsed cell and lowers its equations to a step graph. Every user mistake becomes a diagnostic
/// at the offending span; the graph is returned only when there are no errors.</summary>
internal sealed partial class CellChecker
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
            c.States.Select((p, s) => new PortInfo(p.Name, p.Dim, p.IsOutput,
                _g.IsSeqDim(p.Dim) && updates.Any(u => u.State == s && _softmaxes.Contains(u.Node)))).ToEquatableArray(),
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

}
