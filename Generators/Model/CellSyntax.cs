namespace Recur.Generators.Model;

/// <summary>A cell as the parser read it: members and equations as our own syntax tree, before any checking.</summary>
internal sealed record CellDeclaration(
    string Namespace,
    string ClassName,
    string Modifiers,
    bool IsPartial,
    bool IsNested,
    bool IsGeneric,
    string TypeParameters,
    bool HasBaseType,
    SourceLocation Location,
    EquatableArray<PortDeclaration> Inputs,
    EquatableArray<PortDeclaration> States,
    EquatableArray<HyperDeclaration> Hypers,
    EquatableArray<PartialProperty> PartialProperties,
    bool HasStep,
    EquatableArray<Statement> Statements,
    EquatableArray<HelperDeclaration> Helpers,
    EquatableArray<MemoryDeclaration> Memories);

/// <summary>A <c>[Memory]</c> property: its name, positions and features (<c>Seq&lt;Src, Enc&gt;</c>); <see cref="IsSeq"/> is false when
/// its type is something else (reported).</summary>
internal sealed record MemoryDeclaration(string Name, string SeqDim, string Dim, bool IsSeq, SourceLocation Location);

/// <summary>A method of the cell that returns a vector (<c>Vec&lt;Hidden&gt; Gate(Vec&lt;In&gt; x) =&gt; …</c>): its <c>var</c> statements and
/// returned expression are inlined at each call in the equations, each call with parameters of its own.</summary>
internal sealed record HelperDeclaration(string Name, EquatableArray<string> Parameters, EquatableArray<Statement> Statements, Expr Result, SourceLocation Location);

/// <summary>An <c>[Input]</c> or <c>[State]</c> property: its name and dimension.</summary>
internal sealed record PortDeclaration(string Name, string Dim, bool IsOutput, bool IsVec, SourceLocation Location);

/// <summary>A <c>[Hyper]</c> property: a runtime scalar with its default. <see cref="UnreadableDefault"/> is where an initializer
/// stands that is not a number the generator can read (it would otherwise become 0 silently).</summary>
internal sealed record HyperDeclaration(string Name, string Type, double Default, SourceLocation Location, SourceLocation? UnreadableDefault = null);

/// <summary>A partial property the generator must implement (text exactly as the user declared it).</summary>
internal sealed record PartialProperty(string Modifiers, string Type, string Name);

internal abstract record Statement(SourceLocation Location, string Text);
/// <summary><c>var name = value;</c></summary>
internal sealed record LetStatement(string Name, Expr Value, SourceLocation Location, string Text) : Statement(Location, Text);
/// <summary><c>Next(State, value);</c></summary>
internal sealed record NextStatement(string State, Expr Value, SourceLocation StateLocation, SourceLocation Location, string Text) : Statement(Location, Text);
/// <summary>Any other statement: the checker reports it.</summary>
internal sealed record UnsupportedStatement(SourceLocation Location, string Text) : Statement(Location, Text);

internal abstract record Expr(SourceLocation Location);
internal sealed record NumberExpr(double Value, SourceLocation Location) : Expr(Location);
internal sealed record BoolExpr(bool Value, SourceLocation Location) : Expr(Location);
internal sealed record StringExpr(string Value, SourceLocation Location) : Expr(Location);
internal sealed record NameExpr(string Name, SourceLocation Location) : Expr(Location);
/// <summary><c>State.Next</c>: the state's value after this step.</summary>
internal sealed record NextValueExpr(string State, SourceLocation Location) : Expr(Location);
internal sealed record UnaryExpr(string Op, Expr Operand, SourceLocation Location) : Expr(Location);
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, SourceLocation Location) : Expr(Location);
/// <summary>A call such as <c>Linear&lt;Hidden&gt;(X, bias: false)</c> or <c>Init.Orthogonal(1)</c> (dotted name).</summary>
internal sealed record CallExpr(string Name, EquatableArray<string> TypeArgs, EquatableArray<Argument> Args, SourceLocation Location) : Expr(Location);
/// <summary><c>v[3]</c>: one element of a vector, used as a number.</summary>
internal sealed record IndexExpr(Expr Target, int Index, SourceLocation Location) : Expr(Location);
internal sealed record UnsupportedExpr(string Text, SourceLocation Location) : Expr(Location);

internal sealed record Argument(string? Name, Expr Value);
