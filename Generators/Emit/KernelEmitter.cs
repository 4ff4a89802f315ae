using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

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
    private readonly HashSet<string> _used = new();
    private readonly HashSet<int> _inlined;
    private readonly HashSet<int> _scratch;
    private readonly SortedSet<string> _fields = new();
    private readonly Dictionary<string, string> _fieldComments = new();
    private readonly Dictionary<string, string> _bindings = new();
    private HashSet<int> _loopLocals = new();
    private bool _vector;

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

    private bool Cpu => _target == KernelTarget.Cpu;
    private string VecType => $"global::System.Numerics.Vector<{_t}>";

    /// <summary>Each field of the argument struct with the <c>StepViews</c> call that fills it.</summary>
    public IEnumerable<(string Field, string Binding)> Bindings => OrderedFields.Select(f => (f, _bindings[f]));

    private IEnumerable<string> OrderedFields => _fields.OrderBy(FieldOrder).ThenBy(f => f, System.StringComparer.Ordinal);

    private static int FieldOrder(string f) => f.StartsWith("N_") ? 0 : f.StartsWith("h_") ? 1 : 2;

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

    private string DimField(string dim) => Field(Names.Dim(dim), $"size of {dim}", $"v.Size({_g.Dims.ToList().IndexOf(dim)})");

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
            var type = f.StartsWith("N_") ? "int" : f.StartsWith("h_") ? _t : Cpu ? _t + "*" : $"global::ILGPU.ArrayView<{_t}>";
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
            w.Line($"/// <summary>{kind} of segment {_plan.Segment}: one thread group per batch row.</summary>");
            w.Open($"public static void {_plan.Name}({ArgsType} a)");
        }
        foreach (var line in body.ToString().Split('\n'))
            if (line.Length > 0) w.Line(line);
        w.Close();
    }

    private void EmitBody(SourceWriter w)
    {
        if (Cpu)
        {
            w.Line($"int _width = {VecType}.Count;");
            w.Open("for (int _b = rowStart; _b < rowEnd; _b++)");
            w.Line("int _j;");
        }
        else w.Line("int _b = global::ILGPU.Grid.IdxX, _tid = global::ILGPU.Group.IdxX, _stride = global::ILGPU.Group.DimX;");
        foreach (var phase in _plan.Phases)
        {
            foreach (var id in phase.RowNodes)
            {
                var n = _g.Nodes[id];
                Comment(w, id);
                string value;
                if (!n.IsReduction) value = Render(id, top: true, expand: true);
                else if (Cpu && n.Op == Op.RowSum) value = $"global::System.Numerics.Vector.Sum(vsum{id}) + sum{id}";
                else if (Cpu) value = $"global::Recur.KernelMath.Max(global::Recur.VectorMath.MaxAcross(vsum{id}), sum{id})";
                else value = $"global::ILGPU.Algorithms.GroupExtensions.AllReduce<{_t}, global::ILGPU.Algorithms.ScanReduceOperations.{(n.Op == Op.RowSum ? "Add" : "Max")}{(_t == "float" ? "Float" : "Double")}>(sum{id})";
                w.Line($"{_t} {Name(id)} = {value};");
            }
            foreach (var loop in phase.Loops) EmitLoop(w, loop);
        }
        if (Cpu) w.Close();
    }

    private void EmitLoop(SourceWriter w, LoopPlan loop)
    {
        var n = DimField(loop.Dim);
        foreach (var acc in loop.Accumulates)
        {
            // A row maximum starts below every value (sums and maxima share the names sum/vsum).
            var start = _g.Nodes[acc].Op == Op.RowSum ? Names.Literal(0, _t) : $"{_t}.NegativeInfinity";
            w.Line($"{_t} sum{acc} = {start};");
            if (Cpu) w.Line($"var vsum{acc} = new {VecType}({start});");
        }
        if (Cpu)
        {
            w.Line("_j = 0;");
            _vector = true;
            w.Open($"for (; _j <= {n} - _width; _j += _width)");
            EmitLoopBody(w, loop, n);
            w.Close();
            _vector = false;
            w.Open($"for (; _j < {n}; _j++)");
            EmitLoopBody(w, loop, n);
            w.Close();
        }
        else
        {
            w.Open($"for (int _j = _tid; _j < {n}; _j += _stride)");
            EmitLoopBody(w, loop, n);
            w.Close();
        }
    }

    private void EmitLoopBody(SourceWriter w, LoopPlan loop, string n)
    {
        w.Line($"int _bj = _b * {n} + _j;");
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
            w.Line($"var {Name(id)} = {Read(ScratchField(id), "_bj")};");
            _loopLocals.Add(id);
        }
        foreach (var id in loop.Nodes)
        {
            if (_inlined.Contains(id) && !_scratch.Contains(id)) continue;
            Comment(w, id);
            w.Line($"var {Name(id)} = {Render(id, top: true, expand: true)};");
            _loopLocals.Add(id);
        }
        foreach (var id in loop.Stores) w.Line(Write(ScratchField(id), "_bj", Name(id)));
        foreach (var acc in loop.Accumulates)
        {
            var value = Render(_g.Nodes[acc].Args[0], top: true, asVector: _vector);
            var sum = (_vector ? "vsum" : "sum") + acc;
            w.Line(_g.Nodes[acc].Op == Op.RowSum ? $"{sum} += {value};"
                : $"{sum} = global::Recur.{(_vector ? "VectorMath" : "KernelMath")}.Max({sum}, {value});");
        }
        foreach (var s in loop.Sinks) EmitSink(w, _plan.Sinks[s]);
    }

    private string Read(string field, string index) => _vector ? $"global::System.Numerics.Vector.Load({field} + ({index}))" : $"{field}[{index}]";

    private string Write(string field, string index, string value) =>
        _vector ? $"global::System.Numerics.Vector.Store({value}, {field} + ({index}));" : $"{field}[{index}] = {value};";

    private string AddTo(string field, string index, string value) =>
        _vector ? $"global::System.Numerics.Vector.Store(global::System.Numerics.Vector.Load({field} + ({index})) + {value}, {field} + ({index}));" : $"{field}[{index}] += {value};";

    private void Comment(SourceWriter w, int id)
    {
        var label = _g.Labels.FirstOrDefault(l => l.Node == id);
        if (label is not null) w.Line("// " + label.Source.Replace("\r", " ").Replace("\n", " "));
    }

    private void EmitSink(SourceWriter w, Sink s)
    {
        var value = Render(s.Node, top: true, asVector: _vector);
        switch (s.Kind)
        {
            case SinkKind.WriteState:
                w.Line(Write(Field(Names.NextState(_g, s.Ref), $"{_g.States[s.Ref].Name} after the step [B, {s.Dim}]", $"v.NextState({s.Ref})"), "_bj", value));
                break;
            case SinkKind.WriteIntermediate:
                int group = _schedule.Groups.ToList().FindIndex(g => g.Kind == OperandKind.Intermediate && g.Operand == s.Ref);
                w.Line(Write(Field(Names.Intermediate(s.Ref), $"operand of GEMM group {group} [B, {s.Dim}]", $"v.Intermediate({s.Ref})"), "_bj", value));
                break;
            case SinkKind.AddGemmGradient or SinkKind.WriteGemmGradient:
                int g = _schedule.GroupOf(s.Ref);
                var dP = Field(Names.GemmGrad(g), $"gradient of GEMM group {g}'s output [B, {GroupWidthComment(g)}]", $"v.GemmOutGrad({g})");
                w.Line(s.Kind == SinkKind.WriteGemmGradient ? Write(dP, GemmIndex(s.Ref), value) : AddTo(dP, GemmIndex(s.Ref), value));
                break;
            case SinkKind.AddStateGradient:
                w.Line(AddTo(Field(Names.StateGrad(_g, s.Ref), $"gradient of {_g.States[s.Ref].Name} before the step [B, {s.Dim}]", $"v.StateGrad({s.Ref})"), "_bj", value));
                break;
            case SinkKind.AddParamGradient:
                var grad = Field(Names.ParamGrad(_g, s.Ref), $"gradient of {_g.Params[s.Ref].Name} [{s.Dim}]", $"v.ParamGrad({s.Ref})");
                w.Line(Cpu ? AddTo($"({grad} + gradShift)", "_j", value) : $"global::ILGPU.Atomic.Add(ref {grad}[_j], {value});");
                break;
            case SinkKind.AddInputGradient:
                w.Line(AddTo(Field(Names.InputGrad(_g, s.Ref), $"gradient of {_g.Inputs[s.Ref].Name} [B, {s.Dim}]", $"v.InputGrad({s.Ref})"), "_bj", value));
                break;
            case SinkKind.WriteProbe:
                w.Line(Write(Field(Names.Probe(_g, s.Ref), $"equation {_g.Probes[s.Ref].Name}, recorded [B, {s.Dim}]", $"v.Probe({s.Ref})"), "_bj", value));
                break;
        }
    }

    private string GroupWidthComment(int group) =>
        string.Join(" + ", _schedule.Groups[group].Linears.Select(l => _g.Linears[l].OutDim));

    /// <summary>Index of a product's element in its group's output row: the row is the stacked outputs of the group.</summary>
    private string GemmIndex(int linear)
    {
        int group = _schedule.GroupOf(linear);
        var linears = _schedule.Groups[group].Linears.ToList();
        var width = Names.DimSum(linears.Select(l => _g.Linears[l].OutDim));
        var offset = Names.DimSum(linears.TakeWhile(l => l != linear).Select(l => _g.Linears[l].OutDim));
        foreach (var d in linears.Select(l => _g.Linears[l].OutDim).Distinct()) DimField(d);
        return offset == "0" ? $"_b * ({width}) + _j" : $"_b * ({width}) + {offset} + _j";
    }

    private string Load(int id)
    {
        var n = _g.Nodes[id];
        switch (n.Op)
        {
            case Op.Input: return Read(Field(Names.Input(_g, n.Ref), $"{_g.Inputs[n.Ref].Name} [B, {n.Dim}]", $"v.Input({n.Ref})"), "_bj");
            case Op.StatePrev: return Read(Field(Names.State(_g, n.Ref), $"{_g.States[n.Ref].Name} before the step [B, {n.Dim}]", $"v.State({n.Ref})"), "_bj");
            case Op.Param: return Read(Field(Names.Param(_g, n.Ref), $"{_g.Params[n.Ref].Name} [{n.Dim}]", $"v.Param({n.Ref})"), "_j");
            case Op.GemmOut:
            {
                int group = _schedule.GroupOf(n.Ref);
                return Read(Field(Names.Gemm(group), $"GEMM group {group}'s output [B, {GroupWidthComment(group)}]", $"v.GemmOut({group})"), GemmIndex(n.Ref));
            }
            case Op.Mask:
                return Read(Field(Names.Mask(n.Ref), $"dropout mask {n.Ref} of the step [B, {n.Dim}]", $"v.Mask({n.Ref})"), "_bj");
            case Op.SeedState:
            {
                var next = Read(Field(Names.NextStateGrad(_g, n.Ref), $"gradient of {_g.States[n.Ref].Name} after the step [B, {n.Dim}]", $"v.NextStateGrad({n.Ref})"), "_bj");
                return _g.States[n.Ref].IsOutput
                    ? $"({next} + {Read(Field(Names.OutputGrad, $"gradient of the step's output [B, {n.Dim}]", "v.OutputGrad()"), "_bj")})"
                    : next;
            }
            case Op.SeedIntermediate:
                return Read(Field(Names.IntermediateGrad(n.Ref), $"gradient of GEMM operand {n.Ref} [B, {n.Dim}]", $"v.IntermediateGrad({n.Ref})"), "_bj");
            default:
                throw new System.InvalidOperationException($"{n.Op} is not a vector source");
        }
    }

    /// <summary>A node's value as an expression: its local when it has one, else its operation applied to its arguments.
    /// In a SIMD loop, vector nodes are Vector&lt;T&gt; and a scalar or row value used beside one is broadcast.</summary>
    private string Render(int id, bool top = false, bool expand = false, bool asVector = false)
    {
        var n = _g.Nodes[id];
        bool isVector = _vector && n.Kind == ShapeKind.Vec;
        if (_vector && !isVector && asVector) return $"new {VecType}({Render(id, top: true, expand: expand)})";
        if (!expand && (n.Kind == ShapeKind.Row || _loopLocals.Contains(id))) return Name(id);
        switch (n.Op)
        {
            case Op.Const: return Names.Literal(n.Value, _t);
            case Op.Hyper: return Field(Names.Hyper(_g, n.Ref), $"hyperparameter {_g.Hypers[n.Ref].Name}", $"v.Hyper({n.Ref})");
            case Op.DimSize: return $"({_t}){DimField(n.Dim)}";
            case Op.Input or Op.StatePrev or Op.Param or Op.GemmOut or Op.Mask or Op.SeedState or Op.SeedIntermediate: return Load(id);
        }
        string Arg(int k) => Render(n.Args[k], asVector: isVector);
        bool call = n.Op is Op.Sigmoid or Op.Tanh or Op.Relu or Op.Step or Op.Exp or Op.Rsqrt or Op.Sin or Op.Cos or Op.Sqrt or Op.Min or Op.Max;
        var math = $"global::Recur.{(isVector ? "VectorMath" : "KernelMath")}";
        string expr = n.Op switch
        {
            Op.Neg => $"-{Arg(0)}",
            Op.OneHot => isVector ? $"{math}.OneHot<{_t}>(_j, {(int)n.Value})" : $"(_j == {(int)n.Value} ? {Names.Literal(1, _t)} : {Names.Literal(0, _t)})",
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
