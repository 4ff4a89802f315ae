using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Recur.Analyzers.CodeFixes;

/// <summary>What Recur's code fixes share: the one diagnostic each fixes, and batch fixing of all occurrences.</summary>
public abstract class CellCodeFix : CodeFixProvider
{
    protected abstract string DiagnosticId { get; }
    public sealed override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticId);
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;
}
