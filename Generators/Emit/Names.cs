using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Recur.Generators.Model;

namespace Recur.Generators.Emit;

/// <summary>Identifiers used in generated code, derived from the cell's names.</summary>
internal static class Names
{
    /// <summary>A C# identifier from a parameter or equation name (<c>i.X.weight</c> → <c>i_X_weight</c>).</summary>
    public static string Identifier(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name) sb.Append(char.IsLetterOrDigit(ch) ? ch : '_');
        var id = sb.ToString();
        if (id.Length == 0 || char.IsDigit(id[0]) || id[0] == '_') id = "v" + id;
        if (SyntaxFacts.GetKeywordKind(id) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(id) != SyntaxKind.None) id = "v_" + id;
        return id;
    }

    public static string Dim(string dim) => "N_" + dim;
    public static string Param(CellGraph g, int p) => "p_" + Identifier(g.Params[p].Name);
    public static string ParamGrad(CellGraph g, int p) => "g_" + Identifier(g.Params[p].Name);
    public static string State(CellGraph g, int s) => "s_" + g.States[s].Name;
    public static string NextState(CellGraph g, int s) => "s_" + g.States[s].Name + "_next";
    public static string StateGrad(CellGraph g, int s) => "d_" + g.States[s].Name;
    public static string NextStateGrad(CellGraph g, int s) => "d_" + g.States[s].Name + "_next";
    public static string Input(CellGraph g, int i) => "x_" + g.Inputs[i].Name;
    public static string InputGrad(CellGraph g, int i) => "d_" + g.Inputs[i].Name;
    public static string Hyper(CellGraph g, int h) => "h_" + g.Hypers[h].Name;
    public static string Gemm(int group) => "P" + group;
    public static string GemmGrad(int group) => "dP" + group;
    public static string Intermediate(int i) => "O" + i;
    public static string IntermediateGrad(int i) => "dO" + i;
    public static string Scratch(int k) => "Scratch" + k;
    public static string Mask(int k) => "m_" + k;
    public static string Probe(CellGraph g, int k) => "q_" + Identifier(g.Probes[k].Name);
    public static string Memory(CellGraph g, int m) => "mem_" + g.Memories[m].Name;
    public static string MemoryGrad(CellGraph g, int m) => "dmem_" + g.Memories[m].Name;
    public static string Length(string dim) => "L_" + dim;
    public const string OutputGrad = "dOut";

    public static string Literal(double value, string scalar)
    {
        if (double.IsInfinity(value)) return $"{scalar}.{(value > 0 ? "PositiveInfinity" : "NegativeInfinity")}";
        var text = scalar == "float"
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f"
            : value.ToString("R", CultureInfo.InvariantCulture) + "d";
        return value < 0 ? "(" + text + ")" : text;
    }

    /// <summary>A sum of dimension sizes as code, e.g. [Hidden, Hidden, In] → <c>2 * a.N_Hidden + a.N_In</c>.</summary>
    public static string DimSum(System.Collections.Generic.IEnumerable<string> dims, string prefix = "a.")
    {
        var parts = dims.GroupBy(d => d).Select(g => g.Count() == 1 ? prefix + Dim(g.Key) : $"{g.Count()} * {prefix}{Dim(g.Key)}").ToList();
        return parts.Count == 0 ? "0" : string.Join(" + ", parts);
    }
}
