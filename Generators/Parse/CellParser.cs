using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Recur.Generators.Model;

namespace Recur.Generators.Parse;

/// <summary>Reads an <c>[RnnCell]</c> class into a <see cref="CellDeclaration"/>. Members are read with the semantic model
/// (for the dimension types); equations are read as syntax, since the operations they call come from the generated base class.
/// Never throws for user mistakes: anything it does not understand becomes an Unsupported node the checker reports.</summary>
internal static class CellParser
{
    public static CellDeclaration Parse(ClassDeclarationSyntax cls, INamedTypeSymbol symbol)
    {
        var inputs = new List<PortDeclaration>();
        var states = new List<PortDeclaration>();
        var hypers = new List<HyperDeclaration>();
        var partials = new List<PartialProperty>();
        var memories = new List<MemoryDeclaration>();

        foreach (var prop in cls.Members.OfType<PropertyDeclarationSyntax>())
        {
            var attrs = AttributeNames(prop.AttributeLists);
            bool isInput = attrs.Contains("Input"), isState = attrs.Contains("State"), isOutput = attrs.Contains("Output"), isHyper = attrs.Contains("Hyper");
            bool isMemory = attrs.Contains("Memory");
            if (!(isInput || isState || isHyper || isMemory)) continue;

            var propSymbol = symbol.GetMembers(prop.Identifier.ValueText).OfType<IPropertySymbol>().FirstOrDefault();
            var loc = Loc(prop.Identifier.GetLocation());
            if (isHyper)
            {
                double dflt = 0;
                SourceLocation? unreadable = null;
                if (prop.Initializer?.Value is { } init)
                {
                    if (TryNumber(init, out var v)) dflt = v;
                    else unreadable = Loc(init.GetLocation());
                }
                hypers.Add(new HyperDeclaration(prop.Identifier.ValueText, propSymbol?.Type.ToDisplayString() ?? prop.Type.ToString(), dflt, loc, unreadable));
                continue;
            }

            if (isMemory)
            {
                bool isSeq = propSymbol?.Type is INamedTypeSymbol { Name: "Seq", TypeArguments.Length: 2 };
                var args = isSeq ? ((INamedTypeSymbol)propSymbol!.Type).TypeArguments : default;
                memories.Add(new MemoryDeclaration(prop.Identifier.ValueText, isSeq ? args[0].Name : "", isSeq ? args[1].Name : "", isSeq, loc));
                AddPartial(prop, propSymbol, partials);
                continue;
            }

            string dim = "";
            bool isVec = false;
            if (propSymbol?.Type is INamedTypeSymbol { Name: "Vec", TypeArguments.Length: 1 } vec)
            {
                isVec = true;
                dim = vec.TypeArguments[0].Name;
            }
            var port = new PortDeclaration(prop.Identifier.ValueText, dim, isOutput, isVec, loc);
            (isInput ? inputs : states).Add(port);
            AddPartial(prop, propSymbol, partials);
        }

        var step = cls.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => AttributeNames(m.AttributeLists).Contains("Step"));
        var statements = new List<Statement>();
        if (step?.Body is { } body)
            foreach (var s in body.Statements) statements.Add(ParseStatement(s));
        else if (step?.ExpressionBody is { } arrow)
            statements.Add(ParseExpressionStatement(arrow.Expression, arrow.Expression));

        // Helpers: other methods returning a Vec, inlined where the equations call them (one parameter set per call site).
        var helpers = new List<HelperDeclaration>();
        foreach (var m in cls.Members.OfType<MethodDeclarationSyntax>())
        {
            if (m == step || m.TypeParameterList is not null || m.ReturnType is not GenericNameSyntax { Identifier.ValueText: "Vec" }) continue;
            var helperStatements = new List<Statement>();
            Expr? result = null;
            if (m.ExpressionBody is { } expressionBody) result = ParseExpr(expressionBody.Expression);
            else if (m.Body is { } helperBody)
                foreach (var s in helperBody.Statements)
                {
                    if (s is ReturnStatementSyntax { Expression: { } returned } && result is null) result = ParseExpr(returned);
                    else helperStatements.Add(result is null ? ParseStatement(s) : new UnsupportedStatement(Loc(s.GetLocation()), s.ToString().Trim()));
                }
            if (result is null) continue; // not a helper the equations can use; C# reports what is wrong with it
            helpers.Add(new HelperDeclaration(m.Identifier.ValueText,
                m.ParameterList.Parameters.Select(p => p.Identifier.ValueText).ToEquatableArray(),
                helperStatements.ToEquatableArray(), result, Loc(m.Identifier.GetLocation())));
        }

        var ns = symbol.ContainingNamespace.IsGlobalNamespace ? "" : symbol.ContainingNamespace.ToDisplayString();
        var modifiers = string.Join(" ", cls.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
        return new CellDeclaration(
            ns, symbol.Name, modifiers,
            IsPartial: cls.Modifiers.Any(SyntaxKind.PartialKeyword),
            IsNested: symbol.ContainingType is not null,
            IsGeneric: symbol.TypeParameters.Length > 0,
            TypeParameters: cls.TypeParameterList?.ToString() ?? "",
            HasBaseType: symbol.BaseType is { SpecialType: not SpecialType.System_Object, Name: not "CellEquations" },
            Loc(cls.Identifier.GetLocation()),
            inputs.ToEquatableArray(), states.ToEquatableArray(), hypers.ToEquatableArray(), partials.ToEquatableArray(),
            HasStep: step is not null,
            statements.ToEquatableArray(),
            helpers.ToEquatableArray(),
            memories.ToEquatableArray());
    }

    /// <summary>A partial property the generator implements (an [Input], [State] or [Memory] declared <c>partial … { get; }</c>).</summary>
    private static void AddPartial(PropertyDeclarationSyntax prop, IPropertySymbol? propSymbol, List<PartialProperty> partials)
    {
        if (!prop.Modifiers.Any(SyntaxKind.PartialKeyword) || prop.AccessorList is null) return;
        var mods = string.Join(" ", prop.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
        var type = propSymbol?.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? prop.Type.ToString();
        partials.Add(new PartialProperty(mods, type, prop.Identifier.ValueText));
    }

    private static HashSet<string> AttributeNames(SyntaxList<AttributeListSyntax> lists) =>
        new(lists.SelectMany(l => l.Attributes).Select(a =>
        {
            var name = LastName(a.Name);
            return name.EndsWith("Attribute") ? name.Substring(0, name.Length - "Attribute".Length) : name;
        }));

    private static string LastName(NameSyntax name) => name switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => name.ToString(),
    };

    private static string LastName(TypeSyntax type) => type is NameSyntax n ? LastName(n) : type.ToString();

    private static Statement ParseStatement(StatementSyntax s)
    {
        var loc = Loc(s.GetLocation());
        var text = s.ToString().Trim();
        if (s is LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } local
            && local.Declaration.Variables[0] is { Initializer: { } init } variable)
            return new LetStatement(variable.Identifier.ValueText, ParseExpr(init.Value), loc, text);

        if (s is ExpressionStatementSyntax statement) return ParseExpressionStatement(statement.Expression, s);
        return new UnsupportedStatement(loc, text);
    }

    /// <summary>A <c>Next(State, value)</c> call, as a statement or as an expression body (<c>void Step() => Next(H, …);</c>).</summary>
    private static Statement ParseExpressionStatement(ExpressionSyntax e, SyntaxNode whole)
    {
        var loc = Loc(whole.GetLocation());
        var text = whole.ToString().Trim();
        if (e is InvocationExpressionSyntax inv
            && inv.Expression is IdentifierNameSyntax { Identifier.ValueText: "Next" }
            && inv.ArgumentList.Arguments.Count == 2
            && inv.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax target)
            return new NextStatement(target.Identifier.ValueText, ParseExpr(inv.ArgumentList.Arguments[1].Expression), Loc(target.GetLocation()), loc, text);
        return new UnsupportedStatement(loc, text);
    }

    private static Expr ParseExpr(ExpressionSyntax e)
    {
        var loc = Loc(e.GetLocation());
        switch (e)
        {
            case ParenthesizedExpressionSyntax p:
                return ParseExpr(p.Expression);
            case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.NumericLiteralExpression):
                return new NumberExpr(System.Convert.ToDouble(lit.Token.Value, CultureInfo.InvariantCulture), loc);
            case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.TrueLiteralExpression) || lit.IsKind(SyntaxKind.FalseLiteralExpression):
                return new BoolExpr(lit.IsKind(SyntaxKind.TrueLiteralExpression), loc);
            case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.StringLiteralExpression):
                return new StringExpr(lit.Token.ValueText, loc);
            case IdentifierNameSyntax id:
                return new NameExpr(id.Identifier.ValueText, loc);
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Next", Expression: IdentifierNameSyntax state }:
                return new NextValueExpr(state.Identifier.ValueText, loc);
            case MemberAccessExpressionSyntax m when DottedName(m) is { } dotted:
                return new NameExpr(dotted, loc);
            case PrefixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.UnaryMinusExpression):
                return ParseExpr(u.Operand) is NumberExpr n ? new NumberExpr(-n.Value, loc) : new UnaryExpr("-", ParseExpr(u.Operand), loc);
            case PrefixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.UnaryPlusExpression):
                return ParseExpr(u.Operand);
            case BinaryExpressionSyntax b when b.Kind() is SyntaxKind.AddExpression or SyntaxKind.SubtractExpression
                                            or SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression:
                return new BinaryExpr(b.OperatorToken.Text, ParseExpr(b.Left), ParseExpr(b.Right), loc);
            case ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1 } ea
                when ea.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax { Token.Value: int index }:
                return new IndexExpr(ParseExpr(ea.Expression), index, loc);
            case InvocationExpressionSyntax inv:
                var (name, typeArgs) = inv.Expression switch
                {
                    GenericNameSyntax g => (g.Identifier.ValueText, g.TypeArgumentList.Arguments.Select(LastName).ToArray()),
                    IdentifierNameSyntax i => (i.Identifier.ValueText, new string[0]),
                    MemberAccessExpressionSyntax m when DottedName(m) is { } d =>
                        (d, m.Name is GenericNameSyntax gm ? gm.TypeArgumentList.Arguments.Select(LastName).ToArray() : new string[0]),
                    _ => (inv.Expression.ToString(), new string[0]),
                };
                var args = inv.ArgumentList.Arguments.Select(a => new Argument(a.NameColon?.Name.Identifier.ValueText, ParseExpr(a.Expression)));
                return new CallExpr(name, typeArgs.ToEquatableArray(), args.ToEquatableArray(), loc);
            default:
                return new UnsupportedExpr(e.ToString(), loc);
        }
    }

    private static string? DottedName(MemberAccessExpressionSyntax m) => m.Expression switch
    {
        IdentifierNameSyntax id => id.Identifier.ValueText + "." + m.Name.Identifier.ValueText,
        PredefinedTypeSyntax type => type.Keyword.ValueText + "." + m.Name.Identifier.ValueText,
        MemberAccessExpressionSyntax inner when DottedName(inner) is { } d => d + "." + m.Name.Identifier.ValueText,
        _ => null,
    };

    private static bool TryNumber(ExpressionSyntax e, out double value)
    {
        value = 0;
        switch (ParseExpr(e))
        {
            case NumberExpr n: value = n.Value; return true;
            case NameExpr { Name: "float.PositiveInfinity" or "double.PositiveInfinity" }: value = double.PositiveInfinity; return true;
            case NameExpr { Name: "float.NegativeInfinity" or "double.NegativeInfinity" }: value = double.NegativeInfinity; return true;
            default: return false;
        }
    }

    public static SourceLocation Loc(Location location)
    {
        var span = location.GetLineSpan();
        return new SourceLocation(span.Path ?? "", location.SourceSpan.Start, location.SourceSpan.Length,
            span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
    }
}
