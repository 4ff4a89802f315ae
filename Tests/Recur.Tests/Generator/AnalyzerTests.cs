extern alias analyzers;
extern alias codefixes;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using CellAnalyzer = analyzers::Recur.Analyzers.CellAnalyzer;

namespace Recur.Tests;

/// <summary>One test per diagnostic, with the exact span marked in the source (<c>{|RCR0004:C|}</c>) and the message arguments checked
/// where they carry sizes or names; a test per code fix (before and after); every shipped cell is clean; every id has its page.</summary>
public class AnalyzerTests
{
    private const string Usings = "using Recur;\nnamespace User;\n";

    /// <summary>The running framework's own assemblies and Recur's DSL: nothing is downloaded at test time.</summary>
    private static void AddReferences(SolutionState state)
    {
        foreach (var path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
            state.AdditionalReferences.Add(MetadataReference.CreateFromFile(path));
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(Vec<>).Assembly.Location));
    }

    private static readonly ReferenceAssemblies NoDownload = new("net10.0");

    private static CSharpAnalyzerTest<CellAnalyzer, DefaultVerifier> Test(string source, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<CellAnalyzer, DefaultVerifier>
        {
            TestCode = Usings + source,
            // The cell's operations come from the generated base class, which the analyzer test does not generate.
            CompilerDiagnostics = CompilerDiagnostics.None,
            ReferenceAssemblies = NoDownload,
        };
        AddReferences(test.TestState);
        test.ExpectedDiagnostics.AddRange(expected);
        return test;
    }

    private static Task Verify(string source, params DiagnosticResult[] expected) => Test(source, expected).RunAsync();

    private const string Ports = "[Input] partial Vec<In> X { get; }\n[State, Output] partial Vec<Hidden> H { get; }\n";

    [Fact] public Task RCR0001_class_not_partial() => Verify("[RnnCell] public class {|RCR0001:Cell|} { [Step] void Step() { } }");

    [Fact] public Task RCR0002_nested_class() => Verify("public static class Outer { [RnnCell] public partial class {|RCR0002:Cell|} { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); } }");

    [Fact] public Task RCR0002_generic_class() => Verify("[RnnCell] public partial class {|RCR0002:Cell|}<T> { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }");

    [Fact] public Task RCR0003_unsupported_operation() => Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() { Next(H, {|RCR0003:Softsign(Linear<Hidden>(X))|}); } }");

    [Fact]
    public Task RCR0004_state_never_updated() => Verify("[RnnCell] public partial class Cell { " + Ports + " [State] partial Vec<Hidden> {|RCR0004:C|} { get; } [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X))); } }");

    [Fact]
    public Task RCR0005_state_updated_twice() => Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X))); {|RCR0005:Next(H, Tanh(Linear<Hidden>(H)));|} } }");

    [Fact]
    public Task RCR0006_next_value_read_before_it_is_defined() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [State] partial Vec<Hidden> C { get; } [Step] void Step() { Next(H, Tanh({|RCR0006:C.Next|})); Next(C, Tanh(Linear<Hidden>(X))); } }");

    [Fact]
    public Task RCR0007_dimension_mismatch_names_both_dimensions() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() { Next(H, {|#0:Linear<In>(X)|}); } }",
            new DiagnosticResult("RCR0007", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Next(H, Linear<In>(X));", "Hidden", "In"));

    [Fact]
    public Task RCR0008_statement_that_is_not_an_equation() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() { {|RCR0008:System.Console.WriteLine();|} Next(H, Tanh(Linear<Hidden>(X))); } }");

    [Fact]
    public Task RCR0009_no_output_state() =>
        Verify("[RnnCell] public partial class {|#0:Cell|} { [Input] partial Vec<In> X { get; } [State] partial Vec<Hidden> H { get; } [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }",
            new DiagnosticResult("RCR0009", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Cell", "0"));

    [Fact] public Task RCR0010_no_step() => Verify("[RnnCell] public partial class {|RCR0010:Cell|} { " + Ports + " }");

    [Fact]
    public Task RCR0011_hyperparameter_of_unsupported_type() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Hyper] public string {|#0:Mode|} { get; init; } = \"a\"; [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }",
            new DiagnosticResult("RCR0011", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Mode", "string"));

    [Fact]
    public Task RCR0013_invalid_argument() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X, init: {|RCR0013:Init.Bogus(1f)|}))); }");

    [Fact]
    public Task RCR0013_dropout_rate_outside_zero_to_one() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Dropout(Tanh(Linear<Hidden>(X)), {|RCR0013:1.5f|})); }");

    [Fact]
    public Task RCR0007_clip_between_vectors_of_two_dimensions() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Tanh({|RCR0007:Min(Linear<Hidden>(X), X)|})); }");

    [Fact]
    public Task RCR0013_a_helper_that_calls_itself() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " Vec<Hidden> G(Vec<Hidden> v) => Tanh({|RCR0013:G(v)|}); [Step] void Step() => Next(H, G(Linear<Hidden>(X))); }");

    [Fact]
    public Task RCR0013_a_helper_called_with_the_wrong_number_of_arguments() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " Vec<Hidden> G(Vec<Hidden> v) => Tanh(v); [Step] void Step() => Next(H, {|RCR0013:G(Linear<Hidden>(X), H)|}); }");

    [Fact]
    public Task RCR0013_hyper_default_that_is_not_a_number() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Hyper] public float Scale { get; init; } = {|RCR0013:System.MathF.PI / 2|}; [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X)) * Scale); }");

    [Fact]
    public Task RCR0014_identity_initializer_on_a_non_square_weight() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Tanh({|#0:Linear<Hidden>(X, init: Init.Identity(1f))|})); }",
            new DiagnosticResult("RCR0014", DiagnosticSeverity.Error).WithLocation(0).WithArguments("H.X.weight", "Hidden", "In"));

    [Fact]
    public Task RCR0015_duplicate_parameter_name() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X, bias: false, name: \"w\") + {|RCR0015:Linear<Hidden>(H, bias: false, name: \"w\")|})); }");

    [Fact]
    public Task RCR0016_unknown_name() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " static Vec<Hidden> Bogus => default; [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X) + {|RCR0016:Bogus|})); }");

    [Fact]
    public Task RCR0017_no_input() =>
        Verify("[RnnCell] public partial class {|#0:Cell|} { [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() => Next(H, Tanh(Linear<Hidden>(H))); }",
            new DiagnosticResult("RCR0017", DiagnosticSeverity.Error).WithLocation(0).WithArguments("Cell", "0"));

    [Fact]
    public Task RCR0018_state_that_is_not_a_vector() =>
        Verify("[RnnCell] public partial class Cell { [Input] partial Vec<In> X { get; } [State] partial float {|RCR0004:{|RCR0018:S|}|} { get; } [State, Output] partial Vec<Hidden> H { get; } [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }");

    [Fact]
    public Task RCR0019_parameter_that_never_reaches_a_state() =>
        Verify("[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() { var unused = {|#0:Linear<Hidden>(X)|}; Next(H, Tanh(Linear<Hidden>(H))); } }",
            new DiagnosticResult("RCR0019", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("unused.X.weight"),
            new DiagnosticResult("RCR0019", DiagnosticSeverity.Warning).WithLocation(0).WithArguments("unused.X.bias"));

    [Fact]
    public Task RCR0021_step_without_the_cell_attribute() =>
        Verify("public partial class {|RCR0021:Cell|} { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }");

    private const string MemoryPorts = Ports + "[Memory] partial Seq<Src, Enc> M { get; }\n";

    [Fact]
    public Task RCR0022_memory_of_the_wrong_dimension() => Verify("[RnnCell] public partial class Cell { " + MemoryPorts +
        " [Step] void Step() { var a = Softmax(Dot(M, H)); Next(H, Tanh(Linear<Hidden>(X, Context(a, M)))); } }",
        new DiagnosticResult("RCR0022", DiagnosticSeverity.Error).WithSpan(6, 39, 6, 48)
            .WithArguments("'Dot' scores a Seq<Src, Enc> against a Vec<Hidden>: the query needs the memory's features, Enc; project one of them (the memory with .Linear<Hidden>(), Luong's general score, or the query with Linear<Enc>(...))"));

    [Fact]
    public Task RCR0022_weights_over_features_not_positions() => Verify("[RnnCell] public partial class Cell { " + MemoryPorts +
        " [Step] void Step() { var c = {|RCR0022:Context(Softmax(Linear<Hidden>(H)), M)|}; Next(H, Tanh(Linear<Hidden>(X, c))); } }");

    [Fact]
    public Task RCR0022_memory_that_is_not_a_sequence() => Verify("[RnnCell] public partial class Cell { " + Ports +
        "[Memory] partial Vec<Enc> {|RCR0022:M|} { get; } [Step] void Step() { Next(H, Tanh(Linear<Hidden>(X))); } }");

    [Fact]
    public Task RCR0022_product_sized_by_positions() => Verify("[RnnCell] public partial class Cell { " + MemoryPorts +
        " [Step] void Step() { var a = Softmax(Dot(M, Linear<Enc>(H))); Next(H, Tanh({|RCR0022:Linear<Hidden>(a)|} + Linear<Hidden>(X, Context(a, M)))); } }");

    [Fact]
    public Task RCR0023_weights_that_read_no_memory() => Verify("[RnnCell] public partial class Cell { " + MemoryPorts +
        "[State] partial Vec<Src> Cov { get; } [Step] void Step() { var c = Context({|RCR0023:Softmax(Cov)|}, M); Next(H, Tanh(Linear<Hidden>(X, c))); Next(Cov, Cov); } }");

    /// <summary>Every file of Runtime/Cells, found on disk, so a new cell is checked without editing this list.</summary>
    public static IEnumerable<object[]> ShippedCells =>
        Directory.GetFiles(Path.Combine(GeneratorHarness.RepoRoot, "Runtime", "Cells"), "*.cs")
            .Select(Path.GetFileNameWithoutExtension).Where(n => n != "Dims").OrderBy(n => n).Select(n => new object[] { n! });

    [Theory, MemberData(nameof(ShippedCells))]
    public Task Every_shipped_cell_has_no_diagnostics(string cell)
    {
        var test = Test("");
        test.TestCode = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "Runtime", "Cells", cell + ".cs"));
        // The cells' own dimensions (Proj, Embed, …).
        test.TestState.Sources.Add(File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "Runtime", "Cells", "Dims.cs")));
        return test.RunAsync();
    }

    [Fact]
    public void Every_diagnostic_has_a_documentation_page_with_a_wrong_and_a_right_example()
    {
        foreach (var d in Recur.Generators.Diagnostics.Descriptors.All)
        {
            var page = Path.Combine(GeneratorHarness.RepoRoot, "docs", "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id} ({d.Title}) has no page at {page}");
            var text = File.ReadAllText(page);
            Assert.Contains(d.Id, text);
            Assert.Contains("## Wrong", text);
            Assert.Contains("## Right", text);
            Assert.Equal($"docs/diagnostics/{d.Id}.md", d.HelpLinkUri);
        }
    }

    private static Task VerifyFix<TFix>(string before, string after) where TFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<CellAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = Usings + before,
            FixedCode = Usings + after,
            CompilerDiagnostics = CompilerDiagnostics.None,
            ReferenceAssemblies = NoDownload,
        };
        AddReferences(test.TestState);
        AddReferences(test.FixedState);
        return test.RunAsync();
    }

    [Fact]
    public Task Fix_adds_partial() => VerifyFix<codefixes::Recur.Analyzers.CodeFixes.AddPartialFix>(
        "[RnnCell]\npublic class {|RCR0001:Cell|} { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }",
        "[RnnCell]\npublic partial class Cell { " + Ports + " [Step] void Step() => Next(H, Tanh(Linear<Hidden>(X))); }");

    [Fact]
    public Task Fix_adds_the_missing_state_update() => VerifyFix<codefixes::Recur.Analyzers.CodeFixes.AddStateUpdateFix>(
        "[RnnCell] public partial class Cell\n{\n    " + Ports.Replace("\n", "\n    ") + "[State] partial Vec<Hidden> {|RCR0004:C|} { get; }\n    [Step]\n    void Step()\n    {\n        Next(H, Tanh(Linear<Hidden>(X)));\n    }\n}",
        "[RnnCell] public partial class Cell\n{\n    " + Ports.Replace("\n", "\n    ") + "[State] partial Vec<Hidden> C { get; }\n    [Step]\n    void Step()\n    {\n        Next(H, Tanh(Linear<Hidden>(X)));\n        Next(C, C);\n    }\n}");

    [Fact]
    public Task Fix_replaces_an_unsupported_spelling() => VerifyFix<codefixes::Recur.Analyzers.CodeFixes.ReplaceOperationFix>(
        "[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, {|RCR0003:sigmoid(Linear<Hidden>(X))|}); }",
        "[RnnCell] public partial class Cell { " + Ports + " [Step] void Step() => Next(H, Sigmoid(Linear<Hidden>(X))); }");
}
