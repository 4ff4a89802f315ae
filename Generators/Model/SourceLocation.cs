namespace Recur.Generators.Model;

/// <summary>Where something stands in the user's source, kept as plain data so models stay free of Roslyn objects.</summary>
internal sealed record SourceLocation(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static SourceLocation None { get; } = new("", 0, 0, 0, 0, 0, 0);
}
