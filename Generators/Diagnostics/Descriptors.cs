using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Recur.Generators.Diagnostics;

/// <summary>Every diagnostic Recur reports. Each has a page <c>docs/diagnostics/RCRxxxx.md</c> with a wrong and a right example.</summary>
internal static class Descriptors
{
    private const string Category = "Recur";
    /// <summary>What a cell's equations can call, from the checker's table of operations.</summary>
    public static readonly string SupportedOps = Check.CellChecker.SupportedOperations;

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    public static string HelpLink(string id) => $"docs/diagnostics/{id}.md";

    public static readonly DiagnosticDescriptor NotPartial = Error("RCR0001",
        "Cell class must be partial",
        "The cell '{0}' must be declared 'partial' so Recur can generate its kernels; add the 'partial' modifier");

    public static readonly DiagnosticDescriptor BadClassShape = Error("RCR0002",
        "Cell class cannot be nested, generic or derived",
        "The cell '{0}' {1}; declare it as a top-level, non-generic partial class with no base class");

    public static readonly DiagnosticDescriptor UnsupportedOp = Error("RCR0003",
        "Unsupported operation in a cell equation",
        "'{0}' is not an operation Recur can differentiate; supported: " + SupportedOps);

    public static readonly DiagnosticDescriptor StateNeverUpdated = Error("RCR0004",
        "State never updated",
        "State '{0}' is never given a next value; add 'Next({0}, ...);' to the [Step] method");

    public static readonly DiagnosticDescriptor StateUpdatedTwice = Error("RCR0005",
        "State updated twice",
        "State '{0}' is given a next value more than once; keep exactly one 'Next({0}, ...)'");

    public static readonly DiagnosticDescriptor NextReadBeforeDefined = Error("RCR0006",
        "State's next value read before it is defined",
        "'{0}.Next' is read before 'Next({0}, ...)' defines it; move this equation below it");

    public static readonly DiagnosticDescriptor DimensionMismatch = Error("RCR0007",
        "Dimension mismatch",
        "'{0}' combines a Vec<{1}> with a Vec<{2}>; elementwise operations need vectors of one dimension");

    public static readonly DiagnosticDescriptor UnsupportedStatement = Error("RCR0008",
        "Unsupported statement in a cell's step",
        "'{0}' is not a cell equation; a [Step] method holds only 'var name = expression;' and 'Next(State, expression);'");

    public static readonly DiagnosticDescriptor OutputCount = Error("RCR0009",
        "A cell needs exactly one output state",
        "The cell '{0}' has {1} states marked [Output]; mark exactly one [State] as [Output]");

    public static readonly DiagnosticDescriptor MissingStep = Error("RCR0010",
        "Cell has no step",
        "The cell '{0}' has no method marked [Step]; add '[Step] void Step() {{ ... }}' holding its equations");

    public static readonly DiagnosticDescriptor BadHyper = Error("RCR0011",
        "Unsupported hyperparameter type",
        "Hyperparameter '{0}' has type '{1}'; [Hyper] properties must be float, double or int");

    public static readonly DiagnosticDescriptor InternalError = Error("RCR0012",
        "Recur generator failed",
        "Recur could not generate the cell '{0}': {1}. Please report this with the cell's source.");

    public static readonly DiagnosticDescriptor BadArgument = Error("RCR0013",
        "Invalid argument to a cell operation",
        "{0}");

    public static readonly DiagnosticDescriptor InitShape = Error("RCR0014",
        "Initializer does not fit the parameter's shape",
        "Parameter '{0}' is [{1}, {2}], but Init.Identity needs a square weight; use Init.Orthogonal or make the dimensions equal");

    public static readonly DiagnosticDescriptor DuplicateName = Error("RCR0015",
        "Duplicate name",
        "The name '{0}' is used twice in the cell; give each equation and parameter its own name");

    public static readonly DiagnosticDescriptor UnknownName = Error("RCR0016",
        "Unknown name in a cell equation",
        "'{0}' is not an [Input], [State], [Hyper] or an earlier equation of this cell");

    public static readonly DiagnosticDescriptor NoInput = Error("RCR0017",
        "A cell needs an input",
        "The cell '{0}' has {1} properties marked [Input]; declare at least one, e.g. '[Input] partial Vec<In> X {{ get; }}'");

    public static readonly DiagnosticDescriptor NotAVector = Error("RCR0018",
        "Inputs and states must be vectors",
        "'{0}' must have type Vec<D> for some dimension D");

    public static readonly DiagnosticDescriptor UnusedParameter = Warning("RCR0019",
        "Parameter never reaches the output",
        "Parameter '{0}' never affects any state, so it can not learn; remove it or use its equation");

    public static readonly DiagnosticDescriptor UnsafeDisabled = Error("RCR0020",
        "Project must allow unsafe code",
        "Recur generates native CPU kernels for '{0}' that use pointers; add <AllowUnsafeBlocks>true</AllowUnsafeBlocks> to the project file");

    public static readonly DiagnosticDescriptor MissingCellAttribute = Warning("RCR0021",
        "Class has a step but is not a cell",
        "'{0}' has a [Step] method but no [RnnCell] attribute, so no kernels are generated for it; add [RnnCell] to the class");

    public static readonly DiagnosticDescriptor BadMemory = Error("RCR0022",
        "Attention over a memory does not fit",
        "{0}");

    public static readonly DiagnosticDescriptor ScoreReadsNoMemory = Error("RCR0023",
        "Attention weights that read no memory",
        "The weights given to '{0}' never read the memory, so every position would get the same weight whatever it holds; score the positions against a query, e.g. Softmax(Dot(M, query))");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(Descriptors)
        .GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();

    public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);
}
