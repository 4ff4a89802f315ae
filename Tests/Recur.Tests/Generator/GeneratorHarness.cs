using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Recur.Generators;

namespace Recur.Tests;

/// <summary>Runs the Recur generator over source text in a fresh compilation, as the compiler would.</summary>
public static class GeneratorHarness
{
    public sealed record Run(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorRunResult Result)
    {
        public string Generated(string hintName) => Result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
        public ImmutableArray<Diagnostic> CompileErrors => Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    private static readonly Lazy<MetadataReference[]> LazyReferences = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted.Concat(new[] { typeof(Vec<>).Assembly.Location, typeof(Rnn<>).Assembly.Location, typeof(ILGPU.ArrayView<>).Assembly.Location })
            .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>The framework, the DSL, the runtime and ILGPU: what a user's project of cells references.</summary>
    public static MetadataReference[] References => LazyReferences.Value;

    public static Run Generate(string source, string path = "Cell.cs", bool allowUnsafe = true)
    {
        var compilation = CSharpCompilation.Create("UserCells",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path) },
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: allowUnsafe));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new RecurGenerator().AsSourceGenerator() },
            parseOptions: new CSharpParseOptions(LanguageVersion.Preview));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new Run(output, diagnostics, driver.GetRunResult().Results.Single());
    }

    /// <summary>The repository root (the folder holding Dsl.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Dsl.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
