using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Recur.Tests;

/// <summary>The package's public surface, pinned and documented. <c>Runtime/PublicAPI.txt</c> and <c>Dsl/PublicAPI.txt</c> list every
/// public type and member, so a change to the surface shows in review; <c>docs/api.md</c> is generated from the XML docs. On a
/// change the tests write <c>X.received.*</c> beside the file; read the difference, and if it is intended, move it over.</summary>
public class PublicApiTests
{
    private static readonly SymbolDisplayFormat Signature = SymbolDisplayFormat.CSharpErrorMessageFormat
        .WithMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters |
                           SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeModifiers |
                           SymbolDisplayMemberOptions.IncludeAccessibility | SymbolDisplayMemberOptions.IncludeRef |
                           SymbolDisplayMemberOptions.IncludeConstantValue)
        .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName |
                              SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeDefaultValue)
        .WithKindOptions(SymbolDisplayKindOptions.IncludeTypeKeyword)
        .WithGenericsOptions(SymbolDisplayGenericsOptions.IncludeTypeParameters | SymbolDisplayGenericsOptions.IncludeTypeConstraints)
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat Short = SymbolDisplayFormat.MinimallyQualifiedFormat
        .WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeType)
        .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName |
                              SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeDefaultValue);

    [Theory]
    [InlineData("Recur.Runtime", "Runtime")]
    [InlineData("Recur.Dsl", "Dsl")]
    public void The_public_api_matches_its_checked_in_list(string assembly, string folder)
    {
        var lines = PublicSymbols(assembly).Select(s => s.ToDisplayString(Signature)).Distinct().Order(StringComparer.Ordinal);
        Pin(Path.Combine(GeneratorHarness.RepoRoot, folder, "PublicAPI.txt"), string.Join("\n", lines) + "\n");
    }

    [Theory]
    [InlineData("Recur.Runtime")]
    [InlineData("Recur.Dsl")]
    public void Every_public_type_and_member_has_a_summary(string assembly)
    {
        var missing = PublicSymbols(assembly).Where(s => Summary(s).Length == 0).Select(s => s.ToDisplayString(Signature)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} public symbols of {assembly} have no <summary>:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void The_api_overview_is_generated_from_the_xml_docs()
    {
        var md = new StringBuilder();
        md.Append("# API overview\n\n");
        md.Append("Generated from the XML docs of the `Recur` package's two assemblies by `PublicApiTests` (which fails when this page is\n");
        md.Append("out of date and writes `api.received.md` beside it). One section a namespace, one entry a public type with its members;\n");
        md.Append("the full signatures are in `Runtime/PublicAPI.txt` and `Dsl/PublicAPI.txt`.\n");
        var types = PublicSymbols("Recur.Dsl").Concat(PublicSymbols("Recur.Runtime")).OfType<INamedTypeSymbol>().ToList();
        foreach (var ns in types.GroupBy(t => t.ContainingNamespace.ToDisplayString()).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            md.Append($"\n## {ns.Key}\n");
            foreach (var type in ns.OrderBy(t => t.ToDisplayString(Short), StringComparer.Ordinal))
            {
                var hidden = type.GetAttributes().Any(a => a.AttributeClass?.Name == "EditorBrowsableAttribute") ? ", for generated code" : "";
                md.Append($"\n### {Escape(type.ToDisplayString(Short))} ({Kind(type)}{hidden})\n\n{Summary(type)}\n");
                var members = type.GetMembers().Where(IsListed).Where(m => m is not INamedTypeSymbol).ToList();
                if (members.Count > 0) md.Append('\n');
                foreach (var m in members.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.ToDisplayString(Short), StringComparer.Ordinal))
                    md.Append($"- `{m.ToDisplayString(Short)}`: {Summary(m)}\n");
            }
        }
        Pin(Path.Combine(GeneratorHarness.RepoRoot, "docs", "api.md"), md.ToString());
    }

    private static string Kind(INamedTypeSymbol t) => t.IsRecord ? (t.IsValueType ? "record struct" : "record") : t.TypeKind switch
    {
        TypeKind.Class => t.IsStatic ? "static class" : t.IsAbstract ? "abstract class" : "class",
        TypeKind.Struct => "struct",
        TypeKind.Interface => "interface",
        TypeKind.Enum => "enum",
        TypeKind.Delegate => "delegate",
        _ => t.TypeKind.ToString().ToLowerInvariant(),
    };

    private static string Escape(string s) => s.Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>Compares <paramref name="text"/> with the file; on a difference writes X.received.ext and fails.</summary>
    private static void Pin(string path, string text)
    {
        var received = Path.ChangeExtension(path, ".received" + Path.GetExtension(path));
        var expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : null;
        if (expected == text)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, text);
        Assert.Fail(expected is null
            ? $"{path} does not exist yet: review {received} and rename it."
            : $"{path} is out of date: compare {received} with it; if the change is intended, replace it.");
    }

    // ---- reading the assemblies -------------------------------------------------------------------------------------------

    private static readonly Lazy<CSharpCompilation> Compilation = new(() =>
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("Recur.", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var recur = new[] { "Recur.Runtime", "Recur.Dsl" }.Select(name =>
        {
            var dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            return (MetadataReference)MetadataReference.CreateFromFile(dll, documentation: XmlDocumentationProvider.CreateFromFile(Path.ChangeExtension(dll, ".xml")));
        });
        return CSharpCompilation.Create("PublicApi", references: platform.Concat(recur),
            options: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, metadataImportOptions: MetadataImportOptions.Public));
    });

    /// <summary>Every type and member a consumer of <paramref name="assembly"/> can see: public, or protected in an unsealed public type.</summary>
    internal static IEnumerable<ISymbol> PublicSymbols(string assembly)
    {
        var compilation = Compilation.Value;
        var asm = compilation.References.Select(compilation.GetAssemblyOrModuleSymbol).OfType<IAssemblySymbol>().Single(a => a.Name == assembly);
        IEnumerable<ISymbol> Walk(INamespaceOrTypeSymbol container)
        {
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns) { foreach (var s in Walk(ns)) yield return s; continue; }
                if (!IsListed(member)) continue;
                yield return member;
                if (member is INamedTypeSymbol type) foreach (var s in Walk(type)) yield return s;
            }
        }
        return Walk(asm.GlobalNamespace);
    }

    private static bool IsListed(ISymbol s)
    {
        if (s.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal)) return false;
        if (s.DeclaredAccessibility != Accessibility.Public && s.ContainingType is { IsSealed: true }) return false;
        if (s.GetAttributes().Any(a => a.AttributeClass?.Name == "CompilerGeneratedAttribute")) return false;
        if (s is IMethodSymbol m && m.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove) return false;
        if (s is IFieldSymbol { ContainingType.TypeKind: TypeKind.Enum, Name: "value__" }) return false;
        // An enum's or a struct's implicit parameterless constructor is the language's, not a member anybody wrote.
        if (s is IMethodSymbol { MethodKind: MethodKind.Constructor, IsImplicitlyDeclared: true, Parameters.Length: 0 } ctor &&
            ctor.ContainingType.TypeKind is TypeKind.Enum or TypeKind.Struct) return false;
        // Records' synthesized members (Equals, GetHashCode, ToString, Deconstruct, the copy constructor) are the language's.
        if (s.ContainingType is { IsRecord: true } && s is IMethodSymbol rm &&
            (rm.Name is "Equals" or "GetHashCode" or "ToString" or "PrintMembers" or "Deconstruct" or "op_Equality" or "op_Inequality" || IsCopyConstructor(rm))) return false;
        return true;
    }

    private static bool IsCopyConstructor(IMethodSymbol m) =>
        m.MethodKind == MethodKind.Constructor && m.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, m.ContainingType);

    /// <summary>The one-paragraph summary of a symbol as markdown: cref and code tags as code, whitespace collapsed. Positional
    /// record properties and constructor parameters read the record's param docs; overrides and interface members inherit.</summary>
    internal static string Summary(ISymbol symbol)
    {
        var xml = symbol.GetDocumentationCommentXml();
        string? text = null;
        if (!string.IsNullOrWhiteSpace(xml))
        {
            var doc = XElement.Parse("<r>" + xml + "</r>");
            if (doc.Descendants("inheritdoc").FirstOrDefault() is { } inherit)
                text = (string?)inherit.Attribute("cref") is { } cref ? CrefSummary(symbol, cref) : Inherited(symbol);
            else if (doc.Descendants("summary").FirstOrDefault() is { } summary) text = Render(summary);
        }
        if (string.IsNullOrWhiteSpace(text) && symbol is IPropertySymbol { ContainingType.IsRecord: true } p)
            text = RecordParam(p.ContainingType, p.Name);
        if (string.IsNullOrWhiteSpace(text) && symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, ContainingType.IsRecord: true } c && c.Parameters.Length > 0)
            text = "Sets every property below, in this order.";
        // A parameterless constructor without docs of its own is the one the compiler writes (metadata cannot tell them apart):
        // its type describes it.
        if (string.IsNullOrWhiteSpace(text) && symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, Parameters.Length: 0 } defaultCtor)
            text = Summary(defaultCtor.ContainingType);
        if (string.IsNullOrWhiteSpace(text)) text = Inherited(symbol);
        return text ?? "";
    }

    /// <summary>The summary of the symbol an <c>&lt;inheritdoc cref="…"/&gt;</c> names, found by its documentation id.</summary>
    private static string? CrefSummary(ISymbol symbol, string cref)
    {
        var compilation = Compilation.Value;
        var target = DocumentationCommentId.GetFirstSymbolForDeclarationId(cref, compilation);
        return target is null || SymbolEqualityComparer.Default.Equals(target, symbol) ? null : Summary(target);
    }

    private static string? Inherited(ISymbol symbol)
    {
        var overridden = symbol switch
        {
            IMethodSymbol m => (ISymbol?)m.OverriddenMethod ?? m.ExplicitInterfaceImplementations.FirstOrDefault<ISymbol>(),
            IPropertySymbol p => (ISymbol?)p.OverriddenProperty ?? p.ExplicitInterfaceImplementations.FirstOrDefault<ISymbol>(),
            _ => null,
        };
        overridden ??= symbol.ContainingType?.AllInterfaces.SelectMany(i => i.GetMembers(symbol.Name))
            .FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(symbol.ContainingType.FindImplementationForInterfaceMember(i), symbol));
        if (overridden is null || !overridden.ContainingAssembly.Name.StartsWith("Recur.", StringComparison.Ordinal)) return null;
        var text = Summary(overridden);
        return text.Length > 0 ? text : null;
    }

    private static string? RecordParam(INamedTypeSymbol record, string name)
    {
        var xml = record.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml)) return null;
        var param = XElement.Parse("<r>" + xml + "</r>").Descendants("param").FirstOrDefault(e => (string?)e.Attribute("name") == name);
        return param is null ? null : Render(param);
    }

    private static string Render(XElement e)
    {
        var sb = new StringBuilder();
        foreach (var node in e.Nodes())
        {
            switch (node)
            {
                case XText t: sb.Append(t.Value); break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var target = (string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? (string?)see.Attribute("href") ?? "";
                    var name = see.Value.Length > 0 ? see.Value : CrefName(target);
                    sb.Append('`').Append(name).Append('`');
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } r: sb.Append('`').Append((string?)r.Attribute("name")).Append('`'); break;
                case XElement { Name.LocalName: "c" or "code" } c: sb.Append('`').Append(c.Value).Append('`'); break;
                case XElement { Name.LocalName: "para" or "br" } p: sb.Append(' ').Append(Render(p)).Append(' '); break;
                case XElement other: sb.Append(Render(other)); break;
            }
        }
        return Regex.Replace(sb.ToString(), @"\s+", " ").Trim();
    }

    /// <summary>"M:Recur.Device.Cpu(System.Int32)" → "Device.Cpu", "T:Recur.Tensor`1" → "Tensor".</summary>
    private static string CrefName(string cref)
    {
        var s = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        s = Regex.Replace(s, "`+\\d+", "");
        var parts = s.Split('.');
        return cref.StartsWith("T:", StringComparison.Ordinal) || parts.Length < 2 ? parts[^1] : parts[^2] + "." + parts[^1];
    }
}
