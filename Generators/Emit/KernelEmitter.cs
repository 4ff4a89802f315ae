using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;
using Recur.Generators.Schedule;

namespace Recur.Generators.Emit;

/// <summary>Where a kernel runs: ILGPU (CUDA, or ILGPU's CPU accelerator) or native .NET on the CPU.</summary>
internal enum KernelTarget { Ilgpu, Cpu }

/// <summary>Emits one fused kernel (its argument struct and its method) for one target and scalar type, from a <see cref="KernelPlan"/>.
/// ILGPU: one thread group per batch row (<c>_b</c>); each thread strides over the row's elements <c>_j</c>; row sums are group reductions.
/// CPU: one call handles a range of rows; each loop runs over SIMD vectors (<c>Vector&lt;T&gt;</c>) with a scalar tail, so a row stays in L1.</summary>
internal sealed class KernelEmitter
{
    private readonly CellSchedule _schedule;
    private readonly CellGraph _g;
    private readonly KernelPlan _plan;
    private readonly string _t;
    private readonly KernelTarget _target;
    private readonly Dictionary<int, string> _names = new();
    // Names the kernel itself uses: its argument struct and its parameters.
    private readonly HashSet<string> _used = new() { "a", "rowStart", "rowEnd", "gradShift" };
    private readonly HashSet<int> _inlined;
    private readonly HashSet<int> _scratch;
    private readonly SortedSet<string> _fields = new();
    private readonly Dictionary<string, string> _fieldComments = new();
    private readonly Dictionary<string, string> _bindings = new();
    private HashSet<int> _loopLocals = new(), _innerLocals = new();
    // The loop being emitted: its dimension, the dimension of a contraction's inner loop inside it ("" outside one), and on the CPU the
    // dimension Vector<T> lanes run along (null in scalar code).
    private string _outer = "", _inner = "";
    private string? _vecDim;
    private bool _hasInner;

    public KernelEmitter(CellSchedule schedule, KernelPlan plan, string scalar, KernelTarget target)
    {
        _schedule = schedule;
        _g = schedule.Graph;
        _plan = plan;
        _t = scalar;
        _target = target;
        _inlined = new HashSet<int>(plan.Inlined);
        _scratch = new HashSet<int>(plan.Scratch);
        foreach (var label in _g.Labels) _names[label.Node] = Unique(Names.Identifier(label.Name), label.Node);
    }

    public string ArgsType => _plan.Name + "Args";

    /// <summary>True when no element of a row needs another's: no row reduction, no barrier, no scratch row. Such a kernel's
    /// elements can spread over several thread groups per row (a 2-D grid), which a GPU needs when the batch is smaller than its
    /// multiprocessor count; the others keep one group per row, whose threads reduce together.</summary>
    public bool Splittable => _plan.Scratch.Count == 0 &&
        _plan.Phases.All(p => !p.Barrier && p.RowNodes.Count == 0 && p.Loops.All(l => l.Accumulates.Count == 0));

    private bool Cpu => _target == KernelTarget.Cpu;
    private string VecType => $"global::System.Numerics.Vector<{_t}>";
    private bool InSimd => _vecDim is not null;

    /// <summary>Whether a node is a Vector&lt;T&gt; in the code being emitted: it changes along the lanes' dimension.</summary>
    private bool Vectorized(Node n) => _vecDim is not null && n.Spans(_vecDim);

    /// <summary>Each field of the argument struct with the <c>StepViews</c> call that fills it.</summary>
    public IEnumerable<(string Field, string Binding)> Bindings => OrderedFields.Select(f => (f, _bindings[f]));

    private IEnumerable<string> OrderedFields => _fields.OrderBy(FieldOrder).ThenBy(f => f, System.StringComparer.Ordinal);

    private static int FieldOrder(string f) => f.StartsWith("N_") ? 0 : f.StartsWith("h_") ? 1 : f.StartsWith("L_") ? 2 : 3;

    private string Unique(string name, int id)
    {
        while (!_used.Add(name)) name += "_" + id;
        return name;
    }

    private string Name(int id)
    {
        if (_names.TryGetValue(id, out var name)) return name;
        var n = _g.Nodes[id];
        name = n.Op switch
        {
            Op.Input => _g.Inputs[n.Ref].Name,
            Op.StatePrev => _g.States[n.Ref].Name,
            Op.SeedState => "d" + _g.States[n.Ref].Name + "_next",
            Op.SeedIntermediate => "dO" + n.Ref,
            Op.Mask => "mask" + n.Ref,
            Op.Param => Names.Identifier(_g.Params[n.Ref].Name),
            Op.GemmOut => Names.Identifier(_g.Params[_g.Linears[n.Ref].Weight].Name.Replace(".weight", "")),
            _ => (n.Kind == ShapeKind.Row ? "r" : "v") + id,
        };
        return _names[id] = Unique(name, id);
    }

    private string Field(string name, string comment, string binding)
    {
        _fields.Add(name);
        _fieldComments[name] = comment;
        _bindings[name] = binding;
        return "a." + name;
    }

    private string DimField(string dim) => Field(Names.Dim(dim), _g.IsSeqDim(dim) ? $"positions of {dim} (the longest row's)" : $"size of {dim}", $"v.Size({_g.Dims.ToList().IndexOf(dim)})");

    private string LengthField(string dim) => Field(Names.Length(dim), $"positions of {dim} in each row [B]", $"v.Lengths({_g.Dims.ToList().IndexOf(dim)})");

    /// <summary>How many elements of <paramref name="dim"/> a row has: the dimension's size, or a memory's length for this row.</summary>
    private string Bound(string dim) => _g.IsSeqDim(dim) ? $"{LengthField(dim)}[_b]" : DimField(dim);

    /// <summary>The index of the current element of <paramref name="dim"/>: the loop's (<c>_j</c>) or the inner loop's (<c>_k</c>).</summary>
    private string Index(string dim) => dim == _outer ? "_j" : dim == _inner ? "_k" : throw new System.InvalidOperationException($"no loop over {dim} in {_plan.Name}");

    /// <summary>The index of the current element in a [B, dim] buffer (for a memory's positions, its row in a [B, S, features] one).</summary>
    private string RowIndex(string dim) => dim == _outer ? "_bj" : dim == _inner ? "_bk" : throw new System.InvalidOperationException($"no loop over {dim} in {_plan.Name}");

    private string ScratchField(int id)
    {
        int k = _plan.Scratch.ToList().IndexOf(id);
        return Field(Names.Scratch(k), "scratch row [B, any]", $"v.Scratch({k})");
    }

    public void Emit(SourceWriter w)
    {
        // Body first: it discovers the fields the struct needs.
        var body = new SourceWriter();
        EmitBody(body);

        w.Line($"/// <summary>Arguments of <see cref=\"{_plan.Name}\"/>.</summary>");
        w.Open($"public {(Cpu ? "unsafe " : "")}struct {ArgsType}");
        foreach (var f in OrderedFields)
        {
            var element = f.StartsWith("L_") ? "int" : _t;
            var type = f.StartsWith("N_") ? "int" : f.StartsWith("h_") ? _t : Cpu ? element + "*" : $"global::ILGPU.ArrayView<{element}>";
            w.Line($"public {type} {f}; // {_fieldComments[f]}");
        }
        w.Close();
        w.Line();
        var kind = _plan.IsBackward ? "Backward" : "Forward";
        if (Cpu)
        {
            w.Line($"/// <summary>{kind} of segment {_plan.Segment} for rows [rowStart, rowEnd); parameter gradients go to <c>g_* + gradShift</c>.</summary>");
            // Hot from the first step: skip the unoptimized first tier of the JIT.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public static unsafe void {_plan.Name}(in {ArgsType} a, int rowStart, int rowEnd, nint gradShift)");
        }
        else
        {
            w.Line(Splittable
                ? $"/// <summary>{kind} of segment {_plan.Segment}: a batch row per column of the grid, its elements spread over the groups of that column.</summary>"
                : $"/// <summary>{kind} of segment {_plan.Segment}: one thread group per batch row.</summary>");
            w.Open($"public static void {_plan.Name}({ArgsType} a)");
        }
        foreach (var line in body.ToString().Split('\n'))
            if (line.Length > 0) w.Line(line);
        w.Close();
    }

    private void EmitBody(SourceWriter w)
    {
        _hasInner = _plan.Phases.Any(p => p.Loops.Any(l => l.Nodes.Any(id => _g.Nodes[id].IsContraction) || l.Sinks.Any(k => _plan.Sinks[k].SeqDim.Length > 0)));
        if (Cpu)
        {
            w.Line($"int _width = {VecType}.Count;");
            w.Open("for (int _b = rowStart; _b < rowEnd; _b++)");
            w.Line(_hasInner ? "int _j, _k;" : "int _j;");
        }
        else if (Splittable)
            w.Line("int _b = global::ILGPU.Grid.IdxX, _tid = global::ILGPU.Grid.IdxY * global::ILGPU.Group.DimX + global::ILGPU.Group.IdxX, _stride = global::ILGPU.Group.DimX * global::ILGPU.Grid.DimY;");
        else w.Line("int _b = global::ILGPU.Grid.IdxX, _tid = global::ILGPU.Group.IdxX, _stride = global::ILGPU.Group.DimX;");
        foreach (var phase in _plan.Phases)
        {
            // Scratch rows that other threads of the group wrote are read across elements in this phase.
            if (phase.Barrier && !Cpu) w.Line("global::ILGPU.Group.Barrier();");
            foreach (var id in phase.RowNodes)
            {
                var n = _g.Nodes[id];
                Comment(w, id);
                string value;
                if (!n.IsReduction) value = Render(id, top: true, expand: true);
                else if (Cpu && n.Op == Op.RowSum) value = $"global::System.Numerics.Vector.Sum(vsum{id}) + sum{id}";
                else if (Cpu) value = $"global::Recur.VectorMath.Max(global::Recur.VectorMath.MaxAcross(vsum{id}), sum{id})";
                else value = $"global::ILGPU.Algorithms.GroupExtensions.AllReduce<{_t}, global::ILGPU.Algorithms.ScanReduceOperations.{(n.Op == Op.RowSum ? "Add" : "Max")}{(_t == "float" ? "Float" : "Double")}>(sum{id})";
                w.Line($"{_t} {Name(id)} = {value};");
            }
            foreach (var loop in phase.Loops) EmitLoop(w, loop);
        }
        if (Cpu) w.Close();
    }

    private void EmitLoop(SourceWriter w, LoopPlan loop)
    {
        _outer = loop.Dim;
        var n = Bound(loop.Dim);
        foreach (var acc in loop.Accumulates)
        {
            // A row maximum starts below every value (sums and maxima share the names sum/vsum).
            var start = _g.Nodes[acc].Op == Op.RowSum ? Names.Literal(0, _t) : $"{_t}.NegativeInfinity";
            w.Line($"{_t} sum{acc} = {start};");
            if (Cpu) w.Line($"var vsum{acc} = new {VecType}({start});");
        }
        // On the CPU a loop over positions holding a Σ over features runs position by position, with SIMD lanes over the features inside.
        bool scalarOuter = loop.Nodes.Any(id => _g.Nodes[id].Op == Op.FeatureSum);
        if (Cpu && scalarOuter)
        {
            w.Open($"for (_j = 0; _j < {n}; _j++)");
            EmitLoopBody(w, loop);
            w.Close();
        }
        else if (Cpu)
        {
            w.Line("_j = 0;");
            _vecDim = loop.Dim;
            w.Open($"for (; _j <= {n} - _width; _j += _width)");
            EmitLoopBody(w, loop);
            w.Close();
            _vecDim = null;
            w.Open($"for (; _j < {n}; _j++)");
            EmitLoopBody(w, loop);
            w.Close();
        }
        else
        {
            w.Open($"for (int _j = _tid; _j < {n}; _j += _stride)");
            EmitLoopBody(w, loop);
            w.Close();
        }
        _outer = "";
    }

    private void EmitLoopBody(SourceWriter w, LoopPlan loop)
    {
        w.Line($"int _bj = _b * {DimField(loop.Dim)} + _j;");
        _loopLocals = new HashSet<int>();

        // Sources read more than once here get a local.
        var sourceUses = new Dictionary<int, int>();
        void Count(int id)
        {
            var node = _g.Nodes[id];
            if (node.IsSource && node.Kind == ShapeKind.Vec) sourceUses[id] = sourceUses.TryGetValue(id, out var c) ? c + 1 : 1;
            else if (_inlined.Contains(id) && !_scratch.Contains(id)) foreach (var arg in node.Args) Count(arg);
        }
        foreach (var id in loop.Nodes.Where(id => !_inlined.Contains(id))) foreach (var arg in _g.Nodes[id].Args) Count(arg);
        foreach (var acc in loop.Accumulates) Count(_g.Nodes[acc].Args[0]);
        foreach (var s in loop.Sinks) Count(_plan.Sinks[s].Node);
        foreach (var pair in sourceUses.Where(p => p.Value > 1).OrderBy(p => p.Key))
        {
            w.Line($"var {Name(pair.Key)} = {Load(pair.Key)};");
            _loopLocals.Add(pair.Key);
        }

        foreach (var id in loop.Reloads)
        {
            w.Line($"var {Name(id)} = {Read(ScratchField(id), "_bj", InSimd)};");
            _loopLocals.Add(id);
        }
        // Contractions and sequence sinks run inner loops; each batch holds those of one inner dimension whose inputs are ready, so
        // the sequence they share (tanh(q + U m_s)) is computed once per position and feature.
        var inLoop = new HashSet<int>(loop.Nodes);
        var seqSinks = loop.Sinks.Select(k => _plan.Sinks[k]).Where(k => k.SeqDim.Length > 0).ToList();
        var done = new HashSet<int>();
        bool Ready(int node, string inner) => KernelLayout.Frontier(_g.Nodes, node, inner)
            .All(f => f.Inner || !inLoop.Contains(f.Node) || _loopLocals.Contains(f.Node) || _inlined.Contains(f.Node) && !_scratch.Contains(f.Node));
        foreach (var id in loop.Nodes)
        {
            if (_inlined.Contains(id) && !_scratch.Contains(id) || done.Contains(id)) continue;
            var n = _g.Nodes[id];
            if (n.IsContraction)
            {
                var inner = InnerDim(id);
                var batch = loop.Nodes.Where(c => c >= id && !done.Contains(c) && _g.Nodes[c].IsContraction && InnerDim(c) == inner && Ready(_g.Nodes[c].Args[0], inner)).ToList();
                var sinks = seqSinks.Where(k => k.SeqDim == inner && Ready(k.Node, inner)).ToList();
                foreach (var k in sinks) seqSinks.Remove(k);
                foreach (var c in batch) done.Add(c);
                EmitInner(w, inner, batch, sinks);
                continue;
            }
            Comment(w, id);
            w.Line($"var {Name(id)} = {Render(id, top: true, expand: true)};");
            _loopLocals.Add(id);
        }
        foreach (var group in seqSinks.GroupBy(k => k.SeqDim)) EmitInner(w, group.Key, new List<int>(), group.ToList());
        foreach (var id in loop.Stores) w.Line(Write(ScratchField(id), "_bj", Name(id), InSimd));
        foreach (var acc in loop.Accumulates)
        {
            var value = Render(_g.Nodes[acc].Args[0], top: true, asVector: InSimd);
            var sum = (InSimd ? "vsum" : "sum") + acc;
            w.Line(_g.Nodes[acc].Op == Op.RowSum ? $"{sum} += {value};"
                : $"{sum} = global::Recur.{(Cpu ? "VectorMath" : "KernelMath")}.Max({sum}, {value});");
        }
        foreach (var s in loop.Sinks.Where(k => _plan.Sinks[k].SeqDim.Length == 0)) EmitSink(w, _plan.Sinks[s]);
    }

    /// <summary>The dimension a contraction sums over: features for Σ_d, positions for Σ_s.</summary>
    private string InnerDim(int contraction)
    {
        var arg = _g.Nodes[_g.Nodes[contraction].Args[0]];
        return _g.Nodes[contraction].Op == Op.FeatureSum ? arg.Dim : arg.SeqDim;
    }

    /// <summary>One inner loop over <paramref name="inner"/> computing the given contractions (accumulated, then locals of the outer loop)
    /// and writing the given sequence sinks. The sequences they read are computed inside, once per element; values read more than once
    /// there get a local. On the CPU an inner loop over features runs SIMD lanes with a scalar tail.</summary>
    private void EmitInner(SourceWriter w, string inner, List<int> contractions, List<Sink> sinks)
    {
        var roots = contractions.Select(c => _g.Nodes[c].Args[0]).Concat(sinks.Select(k => k.Node)).ToList();
        // Values of the outer loop's dimension that sources give do not change inside: read them once, before.
        foreach (var f in roots.SelectMany(r => KernelLayout.Frontier(_g.Nodes, r, inner)).Select(f => f.Node).Distinct().OrderBy(x => x))
        {
            var n = _g.Nodes[f];
            if (n.IsSource && n.Kind == ShapeKind.Vec && n.Dim == _outer && !_loopLocals.Contains(f))
            {
                w.Line($"var {Name(f)} = {Load(f)};");
                _loopLocals.Add(f);
            }
        }
        bool innerSimd = Cpu && !_g.IsSeqDim(inner);
        bool outerVector = InSimd;
        foreach (var c in contractions)
        {
            w.Line(outerVector ? $"var acc{c} = {VecType}.Zero;" : $"{_t} acc{c} = {Names.Literal(0, _t)};");
            if (innerSimd) w.Line($"var vacc{c} = {VecType}.Zero;");
        }
        var bound = Bound(inner);
        if (innerSimd)
        {
            w.Line("_k = 0;");
            _vecDim = inner;
            w.Open($"for (; _k <= {bound} - _width; _k += _width)");
            EmitInnerBody(w, inner, contractions, sinks, "vacc");
            w.Close();
            _vecDim = null;
            w.Open($"for (; _k < {bound}; _k++)");
            EmitInnerBody(w, inner, contractions, sinks, "acc");
            w.Close();
            foreach (var c in contractions) w.Line($"acc{c} += global::System.Numerics.Vector.Sum(vacc{c});");
        }
        else
        {
            w.Open(Cpu ? $"for (_k = 0; _k < {bound}; _k++)" : $"for (int _k = 0; _k < {bound}; _k++)");
            EmitInnerBody(w, inner, contractions, sinks, "acc");
            w.Close();
        }
        foreach (var c in contractions)
        {
            Comment(w, c);
            w.Line($"var {Name(c)} = acc{c};");
            _loopLocals.Add(c);
        }
    }

    private void EmitInnerBody(SourceWriter w, string inner, List<int> contractions, List<Sink> sinks, string accumulator)
    {
        _inner = inner;
        w.Line($"int _bk = _b * {DimField(inner)} + _k;");
        _innerLocals = new HashSet<int>();
        var counts = new Dictionary<int, int>();
        void Count(int id)
        {
            var n = _g.Nodes[id];
            if (_loopLocals.Contains(id) || n.Kind is ShapeKind.Row or ShapeKind.Scalar) return;
            counts[id] = counts.TryGetValue(id, out var c) ? c + 1 : 1;
            if (counts[id] == 1 && n.Kind == ShapeKind.Seq && !n.IsSource) foreach (var a in n.Args) Count(a);
        }
        foreach (var c in contractions) Count(_g.Nodes[c].Args[0]);
        foreach (var k in sinks) Count(k.Node);
        foreach (var pair in counts.Where(p => p.Value > 1).OrderBy(p => p.Key))
        {
            Comment(w, pair.Key);
            w.Line($"var {Name(pair.Key)} = {Render(pair.Key, top: true, expand: true)};");
            _innerLocals.Add(pair.Key);
        }
        foreach (var c in contractions)
            w.Line($"{accumulator}{c} += {Render(_g.Nodes[c].Args[0], top: true, asVector: accumulator == "vacc" || InSimd)};");
        foreach (var k in sinks) EmitSink(w, k);
        _innerLocals = new HashSet<int>();
        _inner = "";
    }

    private string Read(string field, string index, bool vector) => vector ? $"global::System.Numerics.Vector.Load({field} + ({index}))" : $"{field}[{index}]";

    private string Write(string field, string index, string value, bool vector) =>
        vector ? $"global::System.Numerics.Vector.Store({value}, {field} + ({index}));" : $"{field}[{index}] = {value};";

    private string AddTo(string field, string index, string value, bool vector) =>
        vector ? $"global::System.Numerics.Vector.Store(global::System.Numerics.Vector.Load({field} + ({index})) + {value}, {field} + ({index}));" : $"{field}[{index}] += {value};";

    private void Comment(SourceWriter w, int id)
    {
        var label = _g.Labels.FirstOrDefault(l => l.Node == id);
        if (label is not null) w.Line("// " + label.Source.Replace("\r", " ").Replace("\n", " "));
    }

    private void EmitSink(SourceWriter w, Sink s)
    {
        var node = _g.Nodes[s.Node];
        bool vector = InSimd;
        var value = Render(s.Node, top: true, asVector: vector);
        var at = RowIndex(s.Dim);
        switch (s.Kind)
        {
            case SinkKind.WriteState:
                w.Line(Write(Field(Names.NextState(_g, s.Ref), $"{_g.States[s.Ref].Name} after the step [B, {s.Dim}]", $"v.NextState({s.Ref})"), at, value, vector));
                break;
            case SinkKind.WriteIntermediate:
                int group = _schedule.Groups.ToList().FindIndex(g => g.Kind == OperandKind.Intermediate && g.Operand == s.Ref);
                w.Line(Write(Field(Names.Intermediate(s.Ref), $"operand of GEMM group {group} [B, {s.Dim}]", $"v.Intermediate({s.Ref})"), at, value, vector));
                break;
            case SinkKind.AddGemmGradient or SinkKind.WriteGemmGradient:
                int g = _schedule.GroupOf(s.Ref);
                var shape = _schedule.Groups[g].Kind == OperandKind.Memory ? $"B, {s.SeqDim}, " : "B, ";
                var dP = Field(Names.GemmGrad(g), $"gradient of GEMM group {g}'s output [{shape}{GroupWidthComment(g)}]", $"v.GemmOutGrad({g})");
                w.Line(s.Kind == SinkKind.WriteGemmGradient ? Write(dP, GemmIndex(s.Ref), value, vector) : AddTo(dP, GemmIndex(s.Ref), value, vector));
                break;
            case SinkKind.AddStateGradient:
                w.Line(AddTo(Field(Names.StateGrad(_g, s.Ref), $"gradient of {_g.States[s.Ref].Name} before the step [B, {s.Dim}]", $"v.StateGrad({s.Ref})"), at, value, vector));
                break;
            case SinkKind.AddParamGradient:
                var grad = Field(Names.ParamGrad(_g, s.Ref), $"gradient of {_g.Params[s.Ref].Name} [{s.Dim}]", $"v.ParamGrad({s.Ref})");
                w.Line(Cpu ? AddTo($"({grad} + gradShift)", Index(s.Dim), value, vector) : $"global::ILGPU.Atomic.Add(ref {grad}[{Index(s.Dim)}], {value});");
                break;
            case SinkKind.AddInputGradient:
                w.Line(AddTo(Field(Names.InputGrad(_g, s.Ref), $"gradient of {_g.Inputs[s.Ref].Name} [B, {s.Dim}]", $"v.InputGrad({s.Ref})"), at, value, vector));
                break;
            case SinkKind.WriteProbe:
                w.Line(Write(Field(Names.Probe(_g, s.Ref), $"equation {_g.Probes[s.Ref].Name}, recorded [B, {s.Dim}]", $"v.Probe({s.Ref})"), at, value, vector));
                break;
            case SinkKind.AddMemoryGradient:
                // A batch row's memory belongs to its thread group (its threads own distinct features): no atomics.
                var m = _g.Memories[s.Ref];
                w.Line(AddTo(Field(Names.MemoryGrad(_g, s.Ref), $"gradient of {m.Name} [B, {m.SeqDim}, {m.Dim}]", $"v.MemoryGrad({s.Ref})"),
                    $"{RowIndex(m.SeqDim)} * {DimField(m.Dim)} + {Index(m.Dim)}", value, vector));
                break;
        }
    }

    private string GroupWidthComment(int group) =>
        string.Join(" + ", _schedule.Groups[group].Linears.Select(l => _g.Linears[l].OutDim));

    /// <summary>Index of a product's element in its group's output row: the row is the stacked outputs of the group (for a memory
    /// product, one row per position of the batch row).</summary>
    private string GemmIndex(int linear)
    {
        int group = _schedule.GroupOf(linear);
        var linears = _schedule.Groups[group].Linears.ToList();
        var width = Names.DimSum(linears.Select(l => _g.Linears[l].OutDim));
        var offset = Names.DimSum(linears.TakeWhile(l => l != linear).Select(l => _g.Linears[l].OutDim));
        foreach (var d in linears.Select(l => _g.Linears[l].OutDim).Distinct()) DimField(d);
        var dim = _g.Linears[linear].OutDim;
        var row = _schedule.Groups[group].Kind == OperandKind.Memory ? RowIndex(_g.Memories[_schedule.Groups[group].Operand].SeqDim) : "_b";
        return offset == "0" ? $"{row} * ({width}) + {Index(dim)}" : $"{row} * ({width}) + {offset} + {Index(dim)}";
    }

    private string Load(int id)
    {
        var n = _g.Nodes[id];
        bool vector = Vectorized(n);
        string Row() => RowIndex(n.Dim);
        switch (n.Op)
        {
            case Op.Input: return Read(Field(Names.Input(_g, n.Ref), $"{_g.Inputs[n.Ref].Name} [B, {n.Dim}]", $"v.Input({n.Ref})"), Row(), vector);
            case Op.StatePrev: return Read(Field(Names.State(_g, n.Ref), $"{_g.States[n.Ref].Name} before the step [B, {n.Dim}]", $"v.State({n.Ref})"), Row(), vector);
            case Op.Param: return Read(Field(Names.Param(_g, n.Ref), $"{_g.Params[n.Ref].Name} [{n.Dim}]", $"v.Param({n.Ref})"), Index(n.Dim), vector);
            case Op.GemmOut:
            {
                int group = _schedule.GroupOf(n.Ref);
                var shape = n.Kind == ShapeKind.Seq ? $"B, {n.SeqDim}, " : "B, ";
                return Read(Field(Names.Gemm(group), $"GEMM group {group}'s output [{shape}{GroupWidthComment(group)}]", $"v.GemmOut({group})"), GemmIndex(n.Ref), vector);
            }
            case Op.Memory:
            {
                var m = _g.Memories[n.Ref];
                return Read(Field(Names.Memory(_g, n.Ref), $"{m.Name} [B, {m.SeqDim}, {m.Dim}]", $"v.Memory({n.Ref})"), $"{RowIndex(m.SeqDim)} * {DimField(m.Dim)} + {Index(m.Dim)}", vector);
            }
            case Op.Mask:
                return Read(Field(Names.Mask(n.Ref), $"dropout mask {n.Ref} of the step [B, {n.Dim}]", $"v.Mask({n.Ref})"), Row(), vector);
            case Op.SeedState:
            {
                var next = Read(Field(Names.NextStateGrad(_g, n.Ref), $"gradient of {_g.States[n.Ref].Name} after the step [B, {n.Dim}]", $"v.NextStateGrad({n.Ref})"), Row(), vector);
                return _g.States[n.Ref].IsOutput
                    ? $"({next} + {Read(Field(Names.OutputGrad, $"gradient of the step's output [B, {n.Dim}]", "v.OutputGrad()"), Row(), vector)})"
                    : next;
            }
            case Op.SeedIntermediate:
                return Read(Field(Names.IntermediateGrad(n.Ref), $"gradient of GEMM operand {n.Ref} [B, {n.Dim}]", $"v.IntermediateGrad({n.Ref})"), Row(), vector);
            default:
                throw new System.InvalidOperationException($"{n.Op} is not a vector source");
        }
    }

    /// <summary>A node's value as an expression: its local when it has one, else its operation applied to its arguments.
    /// In SIMD code, values that change along the lanes are Vector&lt;T&gt; and anything else used beside one is broadcast.
    /// Inside a contraction's inner loop, a vector of the inner dimension computed in the step is read from its scratch row.</summary>
    private string Render(int id, bool top = false, bool expand = false, bool asVector = false)
    {
        var n = _g.Nodes[id];
        bool isVector = Vectorized(n);
        if (InSimd && !isVector && asVector) return $"new {VecType}({Render(id, top: true, expand: expand)})";
        if (!expand && (n.Kind == ShapeKind.Row || _loopLocals.Contains(id) || _innerLocals.Contains(id))) return Name(id);
        if (!_innerLocals.Contains(id) && n.Kind == ShapeKind.Vec && !n.IsSource && n.Dim == _inner && _inner.Length > 0)
            return Read(ScratchField(id), "_bk", isVector);
        switch (n.Op)
        {
            case Op.Const: return Names.Literal(n.Value, _t);
            case Op.Hyper: return Field(Names.Hyper(_g, n.Ref), $"hyperparameter {_g.Hypers[n.Ref].Name}", $"v.Hyper({n.Ref})");
            case Op.DimSize: return $"({_t}){DimField(n.Dim)}";
            case Op.Length: return $"({_t}){LengthField(n.Dim)}[_b]";
            case Op.Input or Op.StatePrev or Op.Param or Op.GemmOut or Op.Mask or Op.SeedState or Op.SeedIntermediate or Op.Memory: return Load(id);
        }
        string Arg(int k) => Render(n.Args[k], asVector: isVector);
        bool call = n.Op is Op.Sigmoid or Op.Tanh or Op.Relu or Op.Step or Op.Exp or Op.Rsqrt or Op.Sin or Op.Cos or Op.Sqrt or Op.Min or Op.Max;
        // CPU kernels compute their scalar tails with the same float formulas as their SIMD lanes (VectorMath has scalar
        // overloads), so every element of a row gets the same math and no tail calls into libm.
        var math = $"global::Recur.{(isVector || Cpu ? "VectorMath" : "KernelMath")}";
        string expr = n.Op switch
        {
            Op.Neg => $"-{Arg(0)}",
            Op.OneHot => isVector ? $"{math}.OneHot<{_t}>({Index(n.Dim)}, {(int)n.Value})" : $"({Index(n.Dim)} == {(int)n.Value} ? {Names.Literal(1, _t)} : {Names.Literal(0, _t)})",
            _ when call => $"{math}.{n.Op}({string.Join(", ", n.Args.Select(a => Render(a, top: true, asVector: isVector)))})",
            Op.Add => $"{Arg(0)} + {Arg(1)}",
            Op.Sub => $"{Arg(0)} - {Arg(1)}",
            Op.Mul => $"{Arg(0)} * {Arg(1)}",
            Op.Div => $"{Arg(0)} / {Arg(1)}",
            _ => throw new System.InvalidOperationException($"cannot render {n.Op}"),
        };
        return top || call ? expr : $"({expr})";
    }
}
