using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Emit;

/// <summary>Emits one fused kernel (its argument struct and its ILGPU method) for one scalar type.
/// The thread layout: grid index = batch row <c>_b</c>; each thread of the group strides over the row's elements <c>_j</c>.</summary>
internal sealed class KernelEmitter
{
    private readonly CellSchedule _schedule;
    private readonly CellGraph _g;
    private readonly KernelPlan _plan;
    private readonly string _t;
    private readonly Dictionary<int, string> _names = new();
    private readonly HashSet<int> _inlined;
    private readonly HashSet<int> _scratch;
    private readonly SortedSet<string> _fields = new();
    private readonly Dictionary<string, string> _fieldComments = new();
    private readonly Dictionary<string, string> _bindings = new();
    private HashSet<int> _loopLocals = new();

    public KernelEmitter(CellSchedule schedule, KernelPlan plan, string scalar)
    {
        _schedule = schedule;
        _g = schedule.Graph;
        _plan = plan;
        _t = scalar;
        _inlined = new HashSet<int>(plan.Inlined);
        _scratch = new HashSet<int>(plan.Scratch);
        foreach (var label in _g.Labels) _names[label.Node] = Unique(Names.Identifier(label.Name), label.Node);
    }

    private readonly HashSet<string> _used = new();

    private string Unique(string name, int id)
    {
        while (!_used.Add(name)) name += "_" + id;
        return name;
    }

    public string ArgsType => _plan.Name + "Args";

    /// <summary>Each field of the argument struct with the <c>StepViews</c> call that fills it.</summary>
    public IEnumerable<(string Field, string Binding)> Bindings => _fields.OrderBy(FieldOrder).ThenBy(f => f, System.StringComparer.Ordinal).Select(f => (f, _bindings[f]));

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
    private string ScratchField(int id) { int k = _plan.Scratch.ToList().IndexOf(id); return Field(Names.Scratch(k), "scratch row [B, any]", $"v.Scratch({k})"); }

    public void Emit(SourceWriter w)
    {
        // Body first: it discovers the fields the struct needs.
        var body = new SourceWriter();
        EmitBody(body);

        w.Line($"/// <summary>Arguments of <see cref=\"{_plan.Name}\"/>.</summary>");
        w.Open($"public struct {ArgsType}");
        foreach (var f in _fields.OrderBy(FieldOrder).ThenBy(f => f, System.StringComparer.Ordinal))
        {
            var type = f.StartsWith("N_") ? "int" : f.StartsWith("h_") ? _t : $"global::ILGPU.ArrayView<{_t}>";
            w.Line($"public {type} {f}; // {_fieldComments[f]}");
        }
        w.Close();
        w.Line();
        var kind = _plan.IsBackward ? "Backward" : "Forward";
        w.Line($"/// <summary>{kind} of segment {_plan.Segment}: one thread group per batch row.</summary>");
        w.Open($"public static void {_plan.Name}({ArgsType} a)");
        foreach (var line in body.ToString().Split('\n'))
            if (line.Length > 0) w.Line(line);
        w.Close();
    }

    private static int FieldOrder(string f) => f.StartsWith("N_") ? 0 : f.StartsWith("h_") ? 1 : 2;

    private void EmitBody(SourceWriter w)
    {
        w.Line("int _b = global::ILGPU.Grid.IdxX, _tid = global::ILGPU.Group.IdxX, _stride = global::ILGPU.Group.DimX;");
        foreach (var phase in _plan.Phases)
        {
            foreach (var id in phase.RowNodes)
            {
                var n = _g.Nodes[id];
                Comment(w, id);
                var value = n.Op == Op.RowSum
                    ? $"global::ILGPU.Algorithms.GroupExtensions.AllReduce<{_t}, global::ILGPU.Algorithms.ScanReduceOperations.Add{(_t == "float" ? "Float" : "Double")}>(sum{id})"
                    : Render(id, top: true, expand: true);
                w.Line($"{_t} {Name(id)} = {value};");
            }
            foreach (var loop in phase.Loops) EmitLoop(w, loop);
        }
    }

    private void EmitLoop(SourceWriter w, LoopPlan loop)
    {
        foreach (var acc in loop.Accumulates) w.Line($"{_t} sum{acc} = {Names.Literal(0, _t)};");
        var n = DimField(loop.Dim);
        w.Open($"for (int _j = _tid; _j < {n}; _j += _stride)");
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
            w.Line($"{_t} {Name(pair.Key)} = {Load(pair.Key)};");
            _loopLocals.Add(pair.Key);
        }

        foreach (var id in loop.Reloads)
        {
            w.Line($"{_t} {Name(id)} = {ScratchField(id)}[_bj];");
            _loopLocals.Add(id);
        }
        foreach (var id in loop.Nodes)
        {
            if (_inlined.Contains(id) && !_scratch.Contains(id)) continue;
            Comment(w, id);
            w.Line($"{_t} {Name(id)} = {Render(id, top: true, expand: true)};");
            _loopLocals.Add(id);
        }
        foreach (var id in loop.Stores)
            w.Line($"{ScratchField(id)}[_bj] = {Name(id)};");
        foreach (var acc in loop.Accumulates)
            w.Line($"sum{acc} += {Render(_g.Nodes[acc].Args[0], top: true)};");
        foreach (var s in loop.Sinks) EmitSink(w, _plan.Sinks[s]);
        w.Close();
    }

    private void Comment(SourceWriter w, int id)
    {
        var label = _g.Labels.FirstOrDefault(l => l.Node == id);
        if (label is not null) w.Line("// " + label.Source.Replace("\r", " ").Replace("\n", " "));
    }

    private void EmitSink(SourceWriter w, Sink s)
    {
        var value = Render(s.Node, top: true);
        switch (s.Kind)
        {
            case SinkKind.WriteState:
                w.Line($"{Field(Names.NextState(_g, s.Ref), $"{_g.States[s.Ref].Name} after the step [B, {s.Dim}]", $"v.NextState({s.Ref})")}[_bj] = {value};");
                break;
            case SinkKind.WriteIntermediate:
                w.Line($"{Field(Names.Intermediate(s.Ref), $"operand of GEMM group {_schedule.Groups.ToList().FindIndex(g => g.Kind == OperandKind.Intermediate && g.Operand == s.Ref)} [B, {s.Dim}]", $"v.Intermediate({s.Ref})")}[_bj] = {value};");
                break;
            case SinkKind.AddGemmGradient:
            {
                int group = _schedule.GroupOf(s.Ref);
                w.Line($"{Field(Names.GemmGrad(group), $"gradient of GEMM group {group}'s output [B, {GroupWidthComment(group)}]", $"v.GemmOutGrad({group})")}[{GemmIndex(s.Ref)}] += {value};");
                break;
            }
            case SinkKind.AddStateGradient:
                w.Line($"{Field(Names.StateGrad(_g, s.Ref), $"gradient of {_g.States[s.Ref].Name} before the step [B, {s.Dim}]", $"v.StateGrad({s.Ref})")}[_bj] += {value};");
                break;
            case SinkKind.AddParamGradient:
                w.Line($"global::ILGPU.Atomic.Add(ref {Field(Names.ParamGrad(_g, s.Ref), $"gradient of {_g.Params[s.Ref].Name} [{s.Dim}]", $"v.ParamGrad({s.Ref})")}[_j], {value});");
                break;
            case SinkKind.AddInputGradient:
                w.Line($"{Field(Names.InputGrad(_g, s.Ref), $"gradient of {_g.Inputs[s.Ref].Name} [B, {s.Dim}]", $"v.InputGrad({s.Ref})")}[_bj] += {value};");
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
            case Op.Input: return $"{Field(Names.Input(_g, n.Ref), $"{_g.Inputs[n.Ref].Name} [B, {n.Dim}]", $"v.Input({n.Ref})")}[_bj]";
            case Op.StatePrev: return $"{Field(Names.State(_g, n.Ref), $"{_g.States[n.Ref].Name} before the step [B, {n.Dim}]", $"v.State({n.Ref})")}[_bj]";
            case Op.Param: return $"{Field(Names.Param(_g, n.Ref), $"{_g.Params[n.Ref].Name} [{n.Dim}]", $"v.Param({n.Ref})")}[_j]";
            case Op.GemmOut:
            {
                int group = _schedule.GroupOf(n.Ref);
                return $"{Field(Names.Gemm(group), $"GEMM group {group}'s output [B, {GroupWidthComment(group)}]", $"v.GemmOut({group})")}[{GemmIndex(n.Ref)}]";
            }
            case Op.SeedState:
            {
                var next = $"{Field(Names.NextStateGrad(_g, n.Ref), $"gradient of {_g.States[n.Ref].Name} after the step [B, {n.Dim}]", $"v.NextStateGrad({n.Ref})")}[_bj]";
                return _g.States[n.Ref].IsOutput
                    ? $"({next} + {Field(Names.OutputGrad, $"gradient of the step's output [B, {n.Dim}]", "v.OutputGrad()")}[_bj])"
                    : next;
            }
            case Op.SeedIntermediate:
                return $"{Field(Names.IntermediateGrad(n.Ref), $"gradient of GEMM operand {n.Ref} [B, {n.Dim}]", $"v.IntermediateGrad({n.Ref})")}[_bj]";
            default:
                throw new System.InvalidOperationException($"{n.Op} is not a vector source");
        }
    }

    /// <summary>A node's value as an expression: its local when it has one, else its operation applied to its arguments.</summary>
    private string Render(int id, bool top = false, bool expand = false)
    {
        var n = _g.Nodes[id];
        if (!expand && (n.Kind == ShapeKind.Row || _loopLocals.Contains(id))) return Name(id);
        switch (n.Op)
        {
            case Op.Const: return Names.Literal(n.Value, _t);
            case Op.Hyper: return Field(Names.Hyper(_g, n.Ref), $"hyperparameter {_g.Hypers[n.Ref].Name}", $"v.Hyper({n.Ref})");
            case Op.DimSize: return $"({_t}){DimField(n.Dim)}";
            case Op.Input or Op.StatePrev or Op.Param or Op.GemmOut or Op.SeedState or Op.SeedIntermediate: return Load(id);
        }
        string Arg(int k) => Render(n.Args[k]);
        string expr = n.Op switch
        {
            Op.Neg => $"-{Arg(0)}",
            Op.Sigmoid or Op.Tanh or Op.Relu or Op.Step or Op.Exp or Op.Rsqrt => $"global::Recur.KernelMath.{n.Op}({Render(n.Args[0], top: true)})",
            Op.Add => $"{Arg(0)} + {Arg(1)}",
            Op.Sub => $"{Arg(0)} - {Arg(1)}",
            Op.Mul => $"{Arg(0)} * {Arg(1)}",
            Op.Div => $"{Arg(0)} / {Arg(1)}",
            _ => throw new System.InvalidOperationException($"cannot render {n.Op}"),
        };
        bool call = n.Op is Op.Sigmoid or Op.Tanh or Op.Relu or Op.Step or Op.Exp or Op.Rsqrt;
        return top || call ? expr : $"({expr})";
    }
}
