using Recur.Generators.Model;

namespace Recur.Generators.Diagnostics;

/// <summary>A diagnostic as plain data (descriptor id, where, message arguments), turned into a Roslyn diagnostic only when reported.</summary>
internal sealed record DiagnosticInfo(string Id, SourceLocation Location, EquatableArray<string> Args)
{
    public static DiagnosticInfo Create(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourceLocation location, params string[] args) =>
        new(descriptor.Id, location, args.ToEquatableArray());
}
