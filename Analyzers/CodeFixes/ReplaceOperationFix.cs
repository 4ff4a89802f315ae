using System;
using System.Collections.Generic;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Recur.Analyzers.CodeFixes;

/// <summary>RCR0003: replaces an operation Recur does not know with its supported spelling (<c>sigmoid</c>, <c>Math.Tanh</c>,
/// <c>ReLU</c>, <c>layer_norm</c>, <c>Dense</c> …).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplaceOperationFix)), Shared]
public sealed class ReplaceOperationFix : CellCodeFix
{
    private static readonly Dictionary<string, string> Spellings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sigmoid"] = "Sigmoid", ["logistic"] = "Sigmoid", ["Math.Tanh"] = "Tanh", ["MathF.Tanh"] = "Tanh", ["tanh"] = "Tanh",
        ["relu"] = "Relu", ["exp"] = "Exp", ["Math.Exp"] = "Exp", ["MathF.Exp"] = "Exp",
        ["layer_norm"] = "LayerNorm", ["layernorm"] = "LayerNorm", ["LayerNormalization"] = "LayerNorm",
        ["Dense"] = "Linear", ["linear"] = "Linear", ["MatMul"] = "Linear",
    };

    protected override string DiagnosticId => "RCR0003";

    /// <summary>The supported operation a name stands for, if any.</summary>
    public static string? Supported(string name) => Spellings.TryGetValue(name, out var s) ? s : null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var call = root?.FindNode(context.Span, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
        if (root is null || call is null) return;
        var callee = call.Expression;
        var name = callee switch
        {
            GenericNameSyntax g => g.Identifier.ValueText,
            IdentifierNameSyntax i => i.Identifier.ValueText,
            MemberAccessExpressionSyntax m => m.ToString(),
            _ => null,
        };
        if (name is null || Supported(name) is not { } replacement) return;
        ExpressionSyntax newCallee = callee is GenericNameSyntax generic
            ? generic.WithIdentifier(SyntaxFactory.Identifier(replacement))
            : SyntaxFactory.IdentifierName(replacement);
        context.RegisterCodeFix(CodeAction.Create($"Use '{replacement}'", _ =>
            Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(callee, newCallee.WithTriviaFrom(callee)))), nameof(ReplaceOperationFix)), context.Diagnostics);
    }
}
