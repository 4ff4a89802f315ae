using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Recur.Tests;

/// <summary>README's other route to cells of one's own: a fresh project outside the solution that references <c>Runtime</c> by path,
/// and the generator and analyzers as analyzers, exactly as README says, builds a cell from the docs and trains it.</summary>
[Trait(Slow.Category, Slow.Name)]
public class ProjectReferenceTests
{
    [Fact]
    public void A_project_referencing_the_runtime_and_the_generator_by_path_builds_a_cell_and_trains_it()
    {
        var root = Path.Combine(Path.GetTempPath(), "recur-reference-" + Guid.NewGuid().ToString("N")[..8]);
        var project = Path.Combine(root, "ByPath");
        Directory.CreateDirectory(project);
        try
        {
            string Repo(string path) => Path.Combine(GeneratorHarness.RepoRoot, path);
            File.WriteAllText(Path.Combine(project, "ByPath.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{Repo("Runtime/Recur.Runtime.csproj")}" />
                    <ProjectReference Include="{Repo("Generators/Recur.Generators.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                    <ProjectReference Include="{Repo("Analyzers/Recur.Analyzers.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                    <ProjectReference Include="{Repo("Analyzers/CodeFixes/Recur.CodeFixes.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(project, "Jzs1Copy.cs"), "using Recur;\n\nnamespace ByPath;\n\n" + PackageTests.CellFromDocs("Jzs1").Replace("class Jzs1", "class Jzs1Copy"));
            File.WriteAllText(Path.Combine(project, "Program.cs"), PackageTests.TrainingProgram("ByPath", "Jzs1Copy"));

            // The solution's projects were built with the tests: build this one alone (no rebuild of the solution under the test run).
            PackageTests.Dotnet(project, "build", "-c", PackageTests.Configuration, "--no-dependencies");
            var output = PackageTests.Dotnet(project, "run", "-c", PackageTests.Configuration, "--no-build");
            var losses = Regex.Matches(output, @"loss (\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(losses.Length == 2 && losses[1] < losses[0] - 0.3, $"expected the loss to fall by 0.3 nats over 60 steps:\n{output}");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
