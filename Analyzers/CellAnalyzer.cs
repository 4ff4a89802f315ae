using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Recur.Generators.Check;
using Recur.Generators.Diagnostics;
using Recur.Generators.Model;
using Recur.Generators.Parse;

namespace Recur.Analyzers;

/// <summary>Reports every mistake in a cell as you type: runs the generator's parser and checker on each <c>[RnnCell]</c> class.
/// Also warns about a class with a <c>[Step]</c> method but no <c>[RnnCell]</c>, which the generator would silently skip.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CellAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        Descriptors.All.Where(d => d.Id != Descriptors.InternalError.Id && d.Id != Descriptors.UnsafeDisabled.Id).ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSyntaxNodeAction(Analyze, Microsoft.CodeAnalysis.CSharp.SyntaxKind.ClassDeclaration);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context)
    {
        var cls = (ClassDeclarationSyntax)context.Node;
        if (context.SemanticModel.GetDeclaredSymbol(cls, context.CancellationToken) is not INamedTypeSymbol symbol) return;
        bool isCell = symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Recur.RnnCellAttribute");
        bool declaresHere = cls.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is "RnnCell" or "RnnCellAttribute" or "Recur.RnnCell" or "Recur.RnnCellAttribute");
        if (!isCell)
        {
            var step = cls.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is "Step" or "StepAttribute" or "Recur.Step"));
            if (step is not null) context.ReportDiagnostic(Diagnostic.Create(Descriptors.MissingCellAttribute, cls.Identifier.GetLocation(), symbol.Name));
            return;
        }
        if (!declaresHere) return; // a partial class is checked once, at the declaration that carries [RnnCell]
        var (_, diagnostics) = CellChecker.Check(CellParser.Parse(cls, symbol));
        foreach (var d in diagnostics)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.ById(d.Id), ToLocation(cls.SyntaxTree, d.Location), d.Args.Cast<object>().ToArray()));
    }

    private static Location ToLocation(SyntaxTree tree, SourceLocation l) =>
        l.FilePath == tree.FilePath || l.FilePath.Length == 0
            ? Location.Create(tree, new TextSpan(l.Start, l.Length))
            : Location.Create(l.FilePath, new TextSpan(l.Start, l.Length),
                new LinePositionSpan(new LinePosition(l.StartLine, l.StartColumn), new LinePosition(l.EndLine, l.EndColumn)));
}
