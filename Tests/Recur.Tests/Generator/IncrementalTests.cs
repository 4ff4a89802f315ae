using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Recur.Generators;
using Xunit;

namespace Recur.Tests;

/// <summary>Roslyn's step tracking over two runs of one driver: an edit beside a cell (or one that moves it down a line) re-runs the
/// parse and check but re-emits nothing, while an edit of the cell's equations does re-emit it.</summary>
public class IncrementalTests
{
    private const string Cells = """
        using Recur;
        namespace User;
        [RnnCell] public partial class Elman
        {
            [Input] partial Vec<In> X { get; }
            [State, Output] partial Vec<Hidden> H { get; }
            [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H))); }
        }
        [RnnCell] public partial class Leaky
        {
            [Input] partial Vec<In> X { get; }
            [State, Output] partial Vec<Hidden> H { get; }
            [Step] void Step() { Next(H, 0.5f * H + 0.5f * Tanh(Linear<Hidden>(X))); }
        }
        """;

    private static GeneratorRunResult RunAfterEdit(string edited)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var tree = CSharpSyntaxTree.ParseText(Cells, parse, "Cell.cs");
        var compilation = CSharpCompilation.Create("UserCells", new[] { tree }, GeneratorHarness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new RecurGenerator().AsSourceGenerator() }, parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        var next = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, parse, "Cell.cs"));
        return driver.RunGenerators(next).GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] EmitReasons(GeneratorRunResult run) =>
        run.TrackedSteps[RecurGenerator.Steps.Emit].SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();

    // Cached: the step did not run, its inputs were equal. (Unchanged would mean it ran and happened to give an equal result.)
    private static bool Reused(IncrementalStepRunReason r) => r == IncrementalStepRunReason.Cached;

    [Theory]
    [InlineData("a comment above the cells", "// Cells of the user's project.\n")]
    [InlineData("a blank line that moves them down", "\n")]
    public void An_edit_beside_the_cells_re_emits_nothing(string what, string prefix)
    {
        var run = RunAfterEdit(prefix + Cells);
        Assert.True(run.TrackedSteps[RecurGenerator.Steps.Check].SelectMany(s => s.Outputs).Any(o => o.Reason == IncrementalStepRunReason.Modified),
            $"after {what} the check should run again (the cells' locations changed)");
        var reasons = EmitReasons(run);
        Assert.Equal(2, reasons.Length);
        Assert.All(reasons, r => Assert.True(Reused(r), $"after {what} emission ran again ({r})"));
    }

    [Fact]
    public void An_edit_of_one_cell_re_emits_that_cell_only()
    {
        var run = RunAfterEdit(Cells.Replace("0.5f * H + 0.5f", "0.25f * H + 0.75f"));
        var reasons = EmitReasons(run);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(Reused));
    }
}
