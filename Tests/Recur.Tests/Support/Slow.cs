namespace Recur.Tests;

/// <summary>The trait of the slow integration tests (child processes, whole CLI runs, MPI ranks, packaging): a developer runs the
/// fast ones alone with <c>dotnet test Dsl.sln -c Release --filter Category!=Slow</c>.</summary>
internal static class Slow
{
    public const string Category = "Category", Name = "Slow";
}
