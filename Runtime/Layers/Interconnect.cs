using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Recur;

/// <summary>Connections a <see cref="LayerStack{T}"/> adds besides each layer reading the output of the one below
/// (Project_RNN_Enhancement's vertical interconnects). Each is a wider input to a layer's input GEMM, not a new kernel, since a layer
/// runs over the whole sequence before the next one starts.</summary>
public sealed record Interconnect
{
    /// <summary>Every layer above the first also reads the stack's input.</summary>
    public bool Inputs { get; init; }
    /// <summary>Every layer above the first also reads the states of the layer below other than its output, at every step (an LSTM's
    /// C beside its H): all of them, or those named in <see cref="StateNames"/>.</summary>
    public bool States { get; init; }
    /// <summary>With <see cref="States"/>: the states read, by name ("states:C+D"); empty for every state but the output.</summary>
    public IReadOnlyList<string> StateNames { get; init; } = Array.Empty<string>();
    /// <summary>With K ≥ 1, layer k also reads the output of layer k − 1 − K (the stack's input when that is layer −1): a skip over K
    /// layers, as Project_RNN_Enhancement's layer_skip_number.</summary>
    public int Skip { get; init; }
    /// <summary>A layer's output adds the output of the layer below (its main input) wherever the two have one width.</summary>
    public bool Residual { get; init; }
    /// <summary>The stack's output is every layer's output, concatenated, so a head reads them all.</summary>
    public bool Dense { get; init; }

    /// <summary>No connections between layers but the plain one (each layer reads the one below).</summary>
    public static readonly Interconnect None = new();

    /// <summary>True when any connection beyond the plain one is on.</summary>
    public bool Any => Inputs || States || Skip > 0 || Residual || Dense;

    /// <summary>Reads "inputs,states,skip:K,residual,dense" (any of them, in any order; "states:C+D" names the states; "" or "none"
    /// for none).</summary>
    public static Interconnect Parse(string text)
    {
        var c = None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            c = part.ToLowerInvariant() switch
            {
                "none" => c,
                "inputs" => c with { Inputs = true },
                "states" => c with { States = true },
                var s when s.StartsWith("states:", StringComparison.Ordinal) && part[7..].Split('+', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } names =>
                    c with { States = true, StateNames = names },
                "residual" => c with { Residual = true },
                "dense" => c with { Dense = true },
                var s when s.StartsWith("skip:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 1 => c with { Skip = k },
                _ => throw new ArgumentException($"An interconnect is one of inputs, states (or states:C+D), skip:K (K ≥ 1), residual, dense, separated by commas; '{part}' is not."),
            };
        return c;
    }

    /// <summary>The connections that are on, as the command line spells them.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Inputs) parts.Add("inputs");
        if (States) parts.Add(StateNames.Count > 0 ? "states:" + string.Join("+", StateNames) : "states");
        if (Skip > 0) parts.Add($"skip:{Skip}");
        if (Residual) parts.Add("residual");
        if (Dense) parts.Add("dense");
        return parts.Count == 0 ? "none" : string.Join(",", parts);
    }
}
