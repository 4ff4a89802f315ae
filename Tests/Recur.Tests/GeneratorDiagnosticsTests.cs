using System.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Malformed cells give Recur's diagnostics at the right place, never a generator crash; a valid user cell compiles.</summary>
public class GeneratorDiagnosticsTests
{
    private const string Header = "using Recur;\nnamespace User;\n";

    private static GeneratorHarness.Run Run(string body) => GeneratorHarness.Generate(Header + body);

    private static void AssertOnly(GeneratorHarness.Run run, string id, string? spanText = null)
    {
        Assert.Null(run.Result.Exception);
        var ids = run.GeneratorDiagnostics.Select(d => d.Id).ToArray();
        Assert.Contains(id, ids);
        Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("RCR", d.Id));
        if (spanText is not null)
        {
            var d = run.GeneratorDiagnostics.First(x => x.Id == id);
            // Generator diagnostics carry a file path and span (models hold no syntax trees); read the text back from the file's tree.
            var tree = run.Output.SyntaxTrees.First(t => t.FilePath == d.Location.GetLineSpan().Path);
            Assert.Equal(spanText, tree.GetText().ToString(d.Location.SourceSpan));
        }
    }

    [Fact]
    public void A_cell_that_is_not_partial_is_reported()
    {
        var run = Run("[RnnCell] public class Cell { [Input] Vec<In> X => default; [State, Output] Vec<Hidden> H => default; [Step] void Step() { } }");
        AssertOnly(run, "RCR0001", "Cell");
        Assert.Empty(run.Result.GeneratedSources.Where(s => s.HintName.StartsWith("User")));
    }

    [Fact]
    public void An_unknown_operation_is_reported_at_the_call()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { Next(H, Softsign(Linear<Hidden>(X))); }
                static Vec<Hidden> Softsign(Vec<Hidden> v) => v;
            }
            """);
        AssertOnly(run, "RCR0003", "Softsign(Linear<Hidden>(X))");
    }

    [Fact]
    public void A_state_never_updated_is_reported_at_the_state()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State] partial Vec<Hidden> C { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H))); }
            }
            """);
        AssertOnly(run, "RCR0004", "C");
        // The partial properties are still implemented, so the user sees Recur's error and not the compiler's.
        Assert.DoesNotContain(run.CompileErrors, d => d.Id == "CS9248");
    }

    [Fact]
    public void A_state_updated_twice_is_reported()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X))); Next(H, Tanh(Linear<Hidden>(H))); }
            }
            """);
        AssertOnly(run, "RCR0005", "Next(H, Tanh(Linear<Hidden>(H)));");
    }

    [Fact]
    public void Reading_a_next_value_before_it_is_defined_is_reported()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State] partial Vec<Hidden> C { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { Next(H, Tanh(C.Next)); Next(C, Tanh(Linear<Hidden>(X))); }
            }
            """);
        AssertOnly(run, "RCR0006", "C.Next");
    }

    [Fact]
    public void An_unknown_name_is_reported()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                static Vec<Hidden> Bogus => default;
                [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X) + Bogus)); }
            }
            """);
        AssertOnly(run, "RCR0016", "Bogus");
    }

    [Fact]
    public void A_statement_that_is_not_an_equation_is_reported()
    {
        var run = Run("""
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { System.Console.WriteLine(); Next(H, Tanh(Linear<Hidden>(X))); }
            }
            """);
        AssertOnly(run, "RCR0008", "System.Console.WriteLine();");
    }

    [Fact]
    public void A_project_without_unsafe_code_is_told_to_allow_it()
    {
        var run = GeneratorHarness.Generate(Header + """
            [RnnCell] public partial class Cell
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H))); }
            }
            """, allowUnsafe: false);
        AssertOnly(run, "RCR0020", "Cell");
        Assert.Empty(run.CompileErrors.Where(d => d.Id == "CS0227"));
    }

    [Fact]
    public void A_new_user_cell_compiles_with_no_diagnostics()
    {
        // A cell the library does not ship: minimal gated unit with a user-declared dimension and a learned bias.
        var run = Run("""
            public sealed class Gate : IDim { }
            [RnnCell] public partial class MinimalGated
            {
                [Input] partial Vec<In> X { get; }
                [State, Output] partial Vec<Hidden> H { get; }
                [Hyper] public float Leak { get; init; } = 0.1f;
                [Step] void Step()
                {
                    var f = Sigmoid(Linear<Hidden>(X) + Linear<Hidden>(H, bias: false) + Bias<Hidden>(init: Init.Constant(1f)));
                    var candidate = Relu(Linear<Hidden>(X, init: Init.Normal(0.1f)) + Linear<Hidden>(f * H, init: Init.Identity(0.5f))) - Leak * H;
                    Next(H, (1f - f) * H + f * candidate);
                }
            }
            """);
        Assert.Null(run.Result.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        var code = run.Generated("User.MinimalGated.g.cs");
        Assert.Contains("Segments: 2", code); // W·(f⊙h) reads a value of the step, so the step is cut in two
    }
}
