using System.Linq;
using Recur.Generators;
using Recur.Generators.Check;
using Recur.Generators.Derive;
using Recur.Generators.Emit;
using Recur.Generators.Model;
using Recur.Generators.Schedule;
using Xunit;

namespace Recur.Tests;

/// <summary>The generator's stages driven on plain records, without Roslyn: a declaration written by hand is checked, differentiated,
/// scheduled and emitted, each stage's result is a value (equal inputs give equal results, wherever the cell stands in its file), and
/// the emitted source is exactly what the compiler's run of the generator gives for the same cell written in C#.</summary>
public class PipelineTests
{
    private static SourceLocation At(int line) => new("Cell.cs", line * 100, 10, line, 4, line, 14);

    /// <summary>An Elman cell, <c>h' = tanh(W x + U h)</c>, as the parser would read it from <see cref="ElmanSource"/>; every location is
    /// shifted by <paramref name="line"/>.</summary>
    private static CellDeclaration Elman(int line = 0)
    {
        Expr Name(string n) => new NameExpr(n, At(line));
        Expr Call(string op, string[] types, params Expr[] args) =>
            new CallExpr(op, types.ToEquatableArray(), args.Select(a => new Argument(null, a)).ToEquatableArray(), At(line));
        var update = Call("Tanh", new string[0], new BinaryExpr("+", Call("Linear", new[] { "Hidden" }, Name("X")),
            Call("Linear", new[] { "Hidden" }, Name("H")), At(line)));
        const string text = "Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H)));";
        return new CellDeclaration("User", "Elman", "public", IsPartial: true, IsNested: false, IsGeneric: false, TypeParameters: "",
            HasBaseType: false, At(line),
            EquatableArray.Of(new PortDeclaration("X", "In", false, true, At(line + 1))),
            EquatableArray.Of(new PortDeclaration("H", "Hidden", true, true, At(line + 2))),
            EquatableArray<HyperDeclaration>.Empty,
            EquatableArray.Of(new PartialProperty("", "global::Recur.Vec<global::Recur.In>", "X"),
                new PartialProperty("", "global::Recur.Vec<global::Recur.Hidden>", "H")),
            HasStep: true,
            EquatableArray.Of<Statement>(new NextStatement("H", update, At(line + 3), At(line + 3), text)),
            EquatableArray<HelperDeclaration>.Empty, EquatableArray<MemoryDeclaration>.Empty);
    }

    private const string ElmanSource = """
        using Recur;
        namespace User;
        [RnnCell] public partial class Elman
        {
            [Input] partial Vec<In> X { get; }
            [State, Output] partial Vec<Hidden> H { get; }
            [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H))); }
        }
        """;

    [Fact]
    public void Check_derive_schedule_and_emit_run_on_plain_records()
    {
        var (graph, diagnostics) = CellChecker.Check(Elman());
        Assert.Empty(diagnostics);
        Assert.NotNull(graph);
        Assert.Equal(2, graph!.Linears.Count);

        var derivative = Derivation.Derive(graph);
        var segment = Assert.Single(derivative.Segments);
        Assert.Equal(graph.Nodes.Take(graph.Nodes.Count), derivative.Graph.Nodes.Take(graph.Nodes.Count)); // the forward graph is kept as it was
        var reached = segment.Adjoints.Select(a => derivative.Graph.Nodes[a.Node].Op).ToList();
        Assert.Equal(2, reached.Count(op => op == Op.GemmOut)); // both products' outputs receive a gradient
        Assert.Single(segment.Seeds); // from the one state's next value

        var schedule = Scheduler.Schedule(derivative);
        Assert.Equal(1, schedule.Segments);
        Assert.Equal(new[] { OperandKind.Input, OperandKind.State }, schedule.Groups.Select(g => g.Kind));
        var backward = Assert.Single(schedule.Backward);
        Assert.Contains(backward.Sinks, s => s.Kind == SinkKind.WriteGemmGradient);

        var emitted = CellEmitter.Emit(schedule);
        Assert.Equal(GeneratorHarness.Generate(ElmanSource).Generated("User.Elman.g.cs"), emitted);
    }

    [Fact]
    public void Every_stage_gives_equal_values_for_equal_cells_wherever_they_stand()
    {
        var (here, _) = CellChecker.Check(Elman());
        var (moved, _) = CellChecker.Check(Elman(line: 7));
        Assert.NotEqual(Elman(), Elman(line: 7)); // the declarations carry their locations ...
        Assert.Equal(here, moved);                // ... the checked graphs do not
        Assert.Equal(Derivation.Derive(here!), Derivation.Derive(moved!));
        Assert.Equal(Scheduler.Schedule(Derivation.Derive(here!)), Scheduler.Schedule(Derivation.Derive(moved!)));
        Assert.Equal(RecurGenerator.Check(Elman()).Emission, RecurGenerator.Check(Elman(line: 7)).Emission);
    }

    [Fact]
    public void A_cell_with_an_error_gets_a_diagnostic_and_only_its_skeleton()
    {
        var broken = Elman() with
        {
            Statements = EquatableArray.Of<Statement>(new NextStatement("C", new NameExpr("X", At(3)), At(3), At(3), "Next(C, X);")),
        };
        var checkedCell = RecurGenerator.Check(broken);
        Assert.Null(checkedCell.Emission.Graph);
        Assert.NotEmpty(checkedCell.Diagnostics);
        var emitted = RecurGenerator.Emit(checkedCell.Emission, allowUnsafe: true);
        Assert.Contains("has errors", emitted.Source!.Text);
        Assert.Null(emitted.Failure);
    }
}
