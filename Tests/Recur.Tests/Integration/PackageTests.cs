using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Recur.Tests;

/// <summary>Packs Recur and its template once, into a folder feed outside the repository, with a version of its own so no
/// package cached earlier can stand in for it.</summary>
public sealed class PackedRecur : IDisposable
{
    public PackedRecur()
    {
        Root = Path.Combine(Path.GetTempPath(), "recur-consumer-" + Guid.NewGuid().ToString("N")[..8]);
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        Version = $"{PackageTests.RepositoryVersion()}-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        // The runtime and its analyzers were built with the tests; the template is content only and packs in seconds.
        PackageTests.Dotnet(GeneratorHarness.RepoRoot, "pack", "Runtime/Recur.Runtime.csproj", "-c", PackageTests.Configuration, "--no-build", "-o", Feed, $"-p:Version={Version}");
        PackageTests.Dotnet(GeneratorHarness.RepoRoot, "pack", "Examples/Template/Recur.Templates.csproj", "-c", PackageTests.Configuration, "-o", Feed, $"-p:Version={Version}");
        // A consumer's own NuGet set-up: the machine's sources plus this feed, a package folder of its own (so this Recur is
        // extracted fresh), and the machine's package folder as a read-only fallback for ILGPU and the rest (no downloads).
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="recur-test-feed" value="{Feed}" /></packageSources>
              <config><add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" /></config>
              <fallbackPackageFolders><add key="machine" value="{machineCache}" /></fallbackPackageFolders>
            </configuration>
            """);
    }

    public string Root { get; }
    public string Feed { get; }
    public string Version { get; }
    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Recur used as a package, the way a .NET developer uses it: packed, referenced from a folder feed by a fresh project
/// outside this solution, a cell written there from <c>docs/cells.md</c>, its analyzer errors in that build, and the template.</summary>
[Trait(Slow.Category, Slow.Name)]
public class PackageTests : IClassFixture<PackedRecur>
{
    private readonly PackedRecur _packed;
    public PackageTests(PackedRecur packed) => _packed = packed;

    [Fact]
    public void The_package_holds_exactly_the_runtime_the_DSL_the_analyzers_and_the_consumer_props()
    {
        using var zip = ZipFile.OpenRead(_packed.Package("Recur"));
        var files = zip.Entries.Select(e => e.FullName)
            .Where(f => !f.StartsWith("_rels/") && !f.StartsWith("package/") && f != "[Content_Types].xml").Order(StringComparer.Ordinal);
        Assert.Equal(new[]
        {
            "README.md",
            "Recur.nuspec",
            "analyzers/dotnet/cs/Recur.Analyzers.dll",
            "analyzers/dotnet/cs/Recur.CodeFixes.dll",
            "analyzers/dotnet/cs/Recur.Generators.dll",
            "buildTransitive/Recur.props",
            "lib/net10.0/Recur.Dsl.dll",
            "lib/net10.0/Recur.Dsl.xml",
            "lib/net10.0/Recur.Runtime.dll",
            "lib/net10.0/Recur.Runtime.xml",
        }, files);

        // Only public packages as dependencies: nothing of this repository's, no build-time tool (SourceLink) leaks.
        var nuspec = XDocument.Load(zip.GetEntry("Recur.nuspec")!.Open());
        XNamespace ns = nuspec.Root!.Name.NamespaceName;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "ILGPU", "ILGPU.Algorithms", "System.Numerics.Tensors" }, dependencies);
        Assert.Equal("MIT", (string?)metadata.Element(ns + "license"));
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("url"));

        var props = new StreamReader(zip.GetEntry("buildTransitive/Recur.props")!.Open()).ReadToEnd();
        Assert.Contains("<AllowUnsafeBlocks>true</AllowUnsafeBlocks>", props);
    }

    [Fact]
    public void The_template_package_holds_the_project_with_the_same_Recur_version()
    {
        using var zip = ZipFile.OpenRead(_packed.Package("Recur.Templates"));
        var files = zip.Entries.Select(e => e.FullName).Where(f => f.StartsWith("content/")).Order(StringComparer.Ordinal);
        Assert.Equal(new[]
        {
            "content/RecurCell/.template.config/template.json",
            "content/RecurCell/MinimalGatedUnit.cs",
            "content/RecurCell/Program.cs",
            "content/RecurCell/RecurCell.csproj",
            "content/RecurCell/sample.txt",
        }, files);
        var project = new StreamReader(zip.GetEntry("content/RecurCell/RecurCell.csproj")!.Open()).ReadToEnd();
        Assert.Contains($"<PackageReference Include=\"Recur\" Version=\"{_packed.Version}\" />", project);
    }

    [Fact]
    public void A_fresh_console_project_referencing_the_package_builds_a_cell_from_the_docs_and_trains_it()
    {
        var project = NewConsoleProject("FromDocs");
        File.WriteAllText(Path.Combine(project, "Jzs1Copy.cs"), "using Recur;\n\nnamespace FromDocs;\n\n" + CellFromDocs("Jzs1").Replace("class Jzs1", "class Jzs1Copy"));
        File.WriteAllText(Path.Combine(project, "Program.cs"), TrainingProgram("FromDocs", "Jzs1Copy"));

        var output = Dotnet(project, "run", "-c", "Release");
        var losses = Regex.Matches(output, @"loss (\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length == 2 && losses[1] < losses[0] - 0.3, $"expected the loss to fall by 0.3 nats over 60 steps:\n{output}");
    }

    [Fact]
    public void A_broken_cell_in_a_consumer_project_fails_its_build_with_the_analyzer_diagnostic()
    {
        var project = NewConsoleProject("Broken");
        File.WriteAllText(Path.Combine(project, "Leaky.cs"), """
            using Recur;

            namespace Broken;

            [RnnCell]
            public partial class Leaky
            {
                [Input] partial Vec<In> X { get; }
                [State] partial Vec<Hidden> C { get; }
                [State, Output] partial Vec<Hidden> H { get; }

                [Step]
                void Step() => Next(H, Tanh(Linear<Hidden>(X) + Linear<Hidden>(H)));
            }
            """);
        var (code, output) = Run(project, "dotnet", "build", "-c", "Release");
        Assert.NotEqual(0, code);
        Assert.Matches(@"Leaky\.cs\(9,\d+\): error RCR0004: State 'C' is never given a next value", output);
    }

    [Fact]
    public void The_recur_cell_template_makes_a_project_that_builds_and_learns()
    {
        var hive = Path.Combine(_packed.Root, "template-hive");
        Dotnet(_packed.Root, "new", "install", _packed.Package("Recur.Templates"), "--debug:custom-hive", hive);
        Dotnet(_packed.Root, "new", "recur-cell", "-n", "MyCell", "--debug:custom-hive", hive);
        var project = Path.Combine(_packed.Root, "MyCell");
        Assert.True(File.Exists(Path.Combine(project, "MyCell.csproj")), "the template names the project after -n");

        var output = Dotnet(project, "run", "-c", "Release");
        var losses = Regex.Matches(output, @"step +\d+  loss (\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length == 15, $"expected a loss every 10 of 150 steps:\n{output}");
        Assert.True(losses[^1] < losses[0] - 0.5, $"expected the loss to fall by 0.5 nats:\n{output}");
    }

    /// <summary>`dotnet new console` outside the solution, then `dotnet add package Recur` from the feed.</summary>
    private string NewConsoleProject(string name)
    {
        Dotnet(_packed.Root, "new", "console", "-n", name, "--no-restore");
        var project = Path.Combine(_packed.Root, name);
        Dotnet(project, "add", "package", "Recur", "--version", _packed.Version);
        return project;
    }

    /// <summary>The C# block of a cell's section in docs/cells.md: what a user copies.</summary>
    internal static string CellFromDocs(string cell)
    {
        var docs = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot, "docs", "cells.md")).Replace("\r\n", "\n");
        var section = docs[docs.IndexOf($"\n## {cell}\n", StringComparison.Ordinal)..];
        var start = section.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        return section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
    }

    /// <summary>A next-character model on a repeating text, around the given cell, printing its loss at the first and last step.</summary>
    internal static string TrainingProgram(string ns, string cell) => $$"""
        using Recur;
        using {{ns}};

        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40));
        var vocabulary = text.Distinct().Order().ToArray();
        var ids = text.Select(c => Array.BinarySearch(vocabulary, c)).ToArray();
        using var device = Device.Cpu();
        using var model = new Model(device, vocabulary.Length);
        using var adam = new Adam<float>(model, learningRate: 1e-2);
        const int steps = 16, batch = 8;
        var rng = new Random(1);
        var (inputs, targets) = (new int[steps * batch], new int[steps * batch]);
        for (int step = 1; step <= 60; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                int start = rng.Next(ids.Length - steps - 1);
                for (int t = 0; t < steps; t++) (inputs[t * batch + b], targets[t * batch + b]) = (ids[start + t], ids[start + t + 1]);
            }
            model.ZeroGrad();
            using var tape = new Tape(training: true);
            var loss = model.Loss(tape, inputs, targets, steps, batch);
            tape.Backward(loss);
            adam.Update();
            if (step == 1 || step == 60) Console.WriteLine($"step {step} loss {loss.Item():F4}");
        }

        sealed class Model : Part
        {
            readonly Embedding<float> _embed;
            readonly Rnn<{{cell}}> _rnn;
            readonly Dense<float> _output;
            public Model(Device d, int vocabulary) : base(d)
            {
                _embed = Add("embed", new Embedding<float>(d, vocabulary, 16));
                _rnn = Add("rnn", new Rnn<{{cell}}>(d, 16, 64));
                _output = Add("output", new Dense<float>(d, vocabulary));
            }
            public Var<float> Loss(Tape tape, int[] ids, int[] targets, int steps, int batch) =>
                Losses.CrossEntropy(_output.Forward(_rnn.Forward(_embed.Forward(tape, ids, steps, batch))), targets);
        }
        """;

    internal static string Configuration =>
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    internal static string RepositoryVersion()
    {
        var props = XDocument.Load(Path.Combine(GeneratorHarness.RepoRoot, "Directory.Build.props"));
        return props.Descendants("Version").Single().Value;
    }

    /// <summary>Runs dotnet and returns its output; a non-zero exit fails the test with that output.</summary>
    internal static string Dotnet(string directory, params string[] args)
    {
        var (code, output) = Run(directory, "dotnet", args);
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} exited with {code} in {directory}:\n{output}");
        return output;
    }

    private static (int Code, string Output) Run(string directory, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program == "dotnet" ? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet" : program)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A build started from inside `dotnet test` must not inherit the outer build's MSBuild settings.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var output = new StringBuilder();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within 5 minutes:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
