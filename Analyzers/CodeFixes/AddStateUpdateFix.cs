using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Recur.Analyzers.CodeFixes;

/// <summary>RCR0004: adds <c>Next(S, S);</c> (keep the state as it is) at the end of the step, as a skeleton to fill in.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddStateUpdateFix)), Shared]
public sealed class AddStateUpdateFix : CellCodeFix
{
    protected override string DiagnosticId => "RCR0004";

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        var token = root.FindToken(context.Span.Start);
        var state = token.ValueText;
        var cls = token.Parent?.AncestorsAndSelf().OfType<ClassDeclarationSyntax>().FirstOrDefault();
        var step = cls?.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is "Step" or "StepAttribute"));
        if (step?.Body is not { } body) return;
        context.RegisterCodeFix(CodeAction.Create($"Add 'Next({state}, ...)' to the step", _ =>
        {
            // Indented like the step's last statement (or one level inside the braces when the step is empty).
            var last = body.Statements.LastOrDefault();
            var indent = last?.GetLeadingTrivia() ?? body.OpenBraceToken.LeadingTrivia.Add(SyntaxFactory.Whitespace("    "));
            var newline = last?.GetTrailingTrivia() is { Count: > 0 } t ? t : SyntaxFactory.TriviaList(SyntaxFactory.LineFeed);
            var statement = SyntaxFactory.ParseStatement($"Next({state}, {state});").WithLeadingTrivia(indent).WithTrailingTrivia(newline);
            var updated = body.AddStatements(statement);
            return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(body, updated)));
        }, nameof(AddStateUpdateFix)), context.Diagnostics);
    }
}
