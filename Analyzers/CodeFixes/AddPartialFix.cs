using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Recur.Analyzers.CodeFixes;

/// <summary>RCR0001: adds the <c>partial</c> modifier to a cell class.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialFix)), Shared]
public sealed class AddPartialFix : CellCodeFix
{
    protected override string DiagnosticId => "RCR0001";

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var cls = root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<ClassDeclarationSyntax>().FirstOrDefault();
        if (root is null || cls is null) return;
        context.RegisterCodeFix(CodeAction.Create("Make the cell class partial", _ =>
        {
            var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            var updated = cls.Modifiers.Count == 0
                ? cls.WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(cls.Keyword.LeadingTrivia))).WithKeyword(cls.Keyword.WithLeadingTrivia())
                : cls.WithModifiers(cls.Modifiers.Add(partial));
            return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(cls, updated)));
        }, nameof(AddPartialFix)), context.Diagnostics);
    }
}
