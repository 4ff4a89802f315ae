using System.IO;
using Xunit;

namespace Recur.Tests;

/// <summary>The generator's output for shipped cells, pinned. On a change the test writes <c>Snapshots/X.received.cs</c> beside
/// <c>X.verified.cs</c>; read the difference, and if it is intended, move the received file over the verified one.</summary>
public class SnapshotTests
{
    [Theory]
    [InlineData("Lstm")]
    [InlineData("Jzs1")]
    [InlineData("MultiTransformGru")] // softmax (row max and row sum), vector elements, a dimension's smallest size
    public void Generated_code_matches_snapshot(string cell)
    {
        var source = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "Runtime", "Cells", cell + ".cs"));
        var run = GeneratorHarness.Generate(source, cell + ".cs");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        var generated = run.Generated($"Recur.Cells.{cell}.g.cs").Replace("\r\n", "\n");

        var folder = Path.Combine(GeneratorHarness.RepoRoot, "Tests", "Recur.Tests", "Snapshots");
        var verified = Path.Combine(folder, cell + ".verified.cs");
        var received = Path.Combine(folder, cell + ".received.cs");
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == generated)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(received, generated);
        Assert.Fail(expected is null
            ? $"No snapshot for {cell} yet: review {received} and rename it to {cell}.verified.cs."
            : $"The generated code for {cell} changed: compare {received} with {verified}; if the change is intended, replace the verified file.");
    }
}
