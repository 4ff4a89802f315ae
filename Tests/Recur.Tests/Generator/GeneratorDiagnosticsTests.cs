using System;
using System.Linq;
using Recur.Generators;
using Xunit;

namespace Recur.Tests;

/// <summary>The generator on malformed cells: it never throws, still implements the partial properties (so the user sees Recur's
/// diagnostics, from the analyzer, not compiler noise), reports failures of its own as diagnostics, and compiles a valid user cell.</summary>
public class GeneratorDiagnosticsTests
{
    private const string Header = "using Recur;\nnamespace User;\n";

    public static TheoryData<string> MalformedCells => new()
    {
        "[RnnCell] public class Cell { [Input] Vec<In> X => default; [State, Output] Vec<Hidden> H => default; [Step] void Step() { } }",
        "[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() { Next(H, Softsign(Linear<Hidden>(X))); } static Vec<Hidden> Softsign(Vec<Hidden> v) => v; }",
        "[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State] partial Vec<Hidden> C { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X))); } }",
        "[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() { Next(H, Tanh(C.Next)); } }",
        "[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() { for (;;) { } } }",
        "[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } }",
        "[RnnCell] public partial class Cell<T> { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() => Next(H, X); }",
        "[RnnCell] public partial class Cell { [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() { Next(H, Linear<Hidden>(H, init: Init.Identity(), name: \"\")); var x = 1 + ; } }",
    };

    [Theory, MemberData(nameof(MalformedCells))]
    public void Malformed_cells_never_crash_the_generator(string cell)
    {
        var run = GeneratorHarness.Generate(Header + cell);
        Assert.Null(run.Result.Exception);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "RCR0012" || d.Id == "CS8785");
        Assert.DoesNotContain(run.CompileErrors, d => d.Id == "CS9248"); // partial properties are implemented even for broken cells
    }

    [Fact]
    public void A_failure_inside_the_generator_becomes_one_diagnostic_naming_the_cell()
    {
        RecurGenerator.FaultInjection = _ => throw new InvalidOperationException("injected");
        try
        {
            var run = GeneratorHarness.Generate(Header + "[RnnCell] public partial class Broken { [Input] partial Vec<In> X { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }");
            Assert.Null(run.Result.Exception);
            var d = Assert.Single(run.GeneratorDiagnostics);
            Assert.Equal("RCR0012", d.Id);
            Assert.Contains("Broken", d.GetMessage());
            Assert.Contains("injected", d.GetMessage());
        }
        finally
        {
            RecurGenerator.FaultInjection = null;
        }
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
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RCR0020", d.Id);
        Assert.Empty(run.CompileErrors.Where(e => e.Id == "CS0227"));
    }

    [Fact]
    public void A_new_user_cell_compiles_with_no_diagnostics()
    {
        // A cell the library does not ship: minimal gated unit with a learned bias and a product of an intermediate.
        var run = GeneratorHarness.Generate(Header + """
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
        Assert.Contains("Segments: 2", run.Generated("User.MinimalGated.g.cs")); // W·(f⊙h) reads a value of the step: two segments
    }
}
