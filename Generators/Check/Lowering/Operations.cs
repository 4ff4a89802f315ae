using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Check;

// The one table of the operations a cell's equations may call: the checker lowers a call through it, and the diagnostics list
// what is supported from it (RCR0003's message, which the analyzer shows). A new operation is a row here and a lowering method
// in the file of its family.
internal sealed partial class CellChecker
{
    /// <param name="Name">What the equations call.</param>
    /// <param name="Family">The file its lowering lives in.</param>
    /// <param name="Shown">How the list of supported operations writes it (null: listed with another row).</param>
    /// <param name="OverMemory">Also (or only) an operation over a [Memory]'s positions.</param>
    internal sealed record Operation(string Name, string Family, string? Shown, bool OverMemory, Func<CellChecker, CallExpr, int> Lower);

    internal static readonly Operation[] OperationTable =
    {
        new("Linear", "Products", "Linear<D>(v)", false, (c, call) => c.Linear(call)),
        new("Bias", "Products", "Bias<D>()", false, (c, call) => c.Bias(call)),
        new("Weight", "Products", "Weight<D>()", false, (c, call) => c.Bias(call, weight: true)),
        new("Sigmoid", "Elementwise", "Sigmoid", false, (c, call) => c.Elementwise(call, Op.Sigmoid, sequences: true)),
        new("Tanh", "Elementwise", "Tanh", false, (c, call) => c.Elementwise(call, Op.Tanh, sequences: true)),
        new("Relu", "Elementwise", "Relu", false, (c, call) => c.Elementwise(call, Op.Relu, sequences: true)),
        new("Exp", "Elementwise", "Exp", false, (c, call) => c.Elementwise(call, Op.Exp, sequences: true)),
        new("Sin", "Elementwise", "Sin", false, (c, call) => c.Elementwise(call, Op.Sin)),
        new("Cos", "Elementwise", "Cos", false, (c, call) => c.Elementwise(call, Op.Cos)),
        new("Sqrt", "Elementwise", "Sqrt", false, (c, call) => c.Elementwise(call, Op.Sqrt)),
        new("Min", "Elementwise", "Min", false, (c, call) => c.MinMax(call, Op.Min)),
        new("Max", "Elementwise", "Max", false, (c, call) => c.MinMax(call, Op.Max)),
        new("Clip", "Elementwise", "Clip", false, (c, call) => c.Clip(call)),
        new("Softmax", "Normalisation", "Softmax", false, (c, call) => c.Softmax(call)),
        new("Sum", "Elementwise", "Sum", false, (c, call) => c.Sum(call)),
        new("LayerNorm", "Normalisation", "LayerNorm", false, (c, call) => c.LayerNorm(call)),
        new("Dropout", "Dropout", "Dropout", false, (c, call) => c.Dropout(call)),
        new("DftRe", "Fourier", "DftRe/DftIm/IdftRe/IdftIm", false, (c, call) => c.Fourier(call, inverse: false, realPart: true)),
        new("DftIm", "Fourier", null, false, (c, call) => c.Fourier(call, inverse: false, realPart: false)),
        new("IdftRe", "Fourier", null, false, (c, call) => c.Fourier(call, inverse: true, realPart: true)),
        new("IdftIm", "Fourier", null, false, (c, call) => c.Fourier(call, inverse: true, realPart: false)),
        new("Dot", "Attention", null, true, (c, call) => c.Dot(call)),
        new("Context", "Attention", null, true, (c, call) => c.Context(call)),
        new("Outer", "Attention", null, true, (c, call) => c.Outer(call)),
    };

    private static readonly Dictionary<string, Operation> OperationsByName = OperationTable.ToDictionary(o => o.Name);

    /// <summary>What the equations can call, as RCR0003 lists it.</summary>
    internal static string SupportedOperations =>
        string.Join(", ", OperationTable.Where(o => o.Shown is not null && !o.OverMemory).Select(o => o.Shown)) +
        ", v[i], +, -, *, / and numbers or [Hyper] values; over a [Memory]: M.Linear<D>(), " +
        string.Join(", ", new[] { "Dot", "Sum", "Context", "Outer" });

    /// <summary>Lowers a call: an operation of the table, a memory's <c>M.Linear&lt;D&gt;()</c>, or one of the cell's helpers.</summary>
    private int Call(CallExpr call)
    {
        if (OperationsByName.TryGetValue(call.Name, out var operation)) return operation.Lower(this, call);
        if (call.Name.EndsWith(".Linear", StringComparison.Ordinal)) return MemoryLinear(call);
        var helper = _cell.Helpers.FirstOrDefault(h => h.Name == call.Name);
        if (helper is not null) return Inline(call, helper);
        Report(Diagnostics.Descriptors.UnsupportedOp, call.Location, call.Name);
        return -1;
    }
}
