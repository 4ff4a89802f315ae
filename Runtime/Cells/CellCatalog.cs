using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>The shipped cells by name, for command lines, checkpoints and benchmarks, with the sizes of their own dimensions.</summary>
public static class CellCatalog
{
    private static readonly Dictionary<string, (Type Cell, Func<int, Dictionary<string, int>?> Dims)> Cells = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BasicRnn"] = (typeof(Cells.BasicRnn), _ => null),
        ["Lstm"] = (typeof(Cells.Lstm), _ => null),
        ["Gru"] = (typeof(Cells.Gru), _ => null),
        ["LayerNormLstm"] = (typeof(Cells.LayerNormLstm), _ => null),
        ["Jzs1"] = (typeof(Cells.Jzs1), _ => null),
        ["Jzs2"] = (typeof(Cells.Jzs2), _ => null),
        ["Jzs3"] = (typeof(Cells.Jzs3), _ => null),
        ["Irnn"] = (typeof(Cells.Irnn), _ => null),
        ["GruNoBias"] = (typeof(Cells.GruNoBias), _ => null),
        ["LstmNoBias"] = (typeof(Cells.LstmNoBias), _ => null),
        ["LayerNormGru"] = (typeof(Cells.LayerNormGru), _ => null),
        ["PeepholeLstm"] = (typeof(Cells.PeepholeLstm), _ => null),
        // Projection to half the hidden size, as LSTMP models usually do.
        ["ProjectedPeepholeLstm"] = (typeof(Cells.ProjectedPeepholeLstm), h => new() { ["Proj"] = Math.Max(1, h / 2) }),
        ["SkipGru"] = (typeof(Cells.SkipGru), _ => null),
        ["MultiTransformGru"] = (typeof(Cells.MultiTransformGru), _ => null),
        ["UnitaryRnn"] = (typeof(Cells.UnitaryRnn), _ => null),
        // Ha et al.'s sizes: 128 hyper units, embeddings of 4.
        ["HyperLstm"] = (typeof(Cells.HyperLstm), _ => new() { ["HyperUnits"] = 128, ["Embed"] = 4 }),
        // Two inputs: in a stack, the layer below's output and its depth memory D (zeros under the first layer).
        ["GridLstm"] = (typeof(Cells.GridLstm), _ => null),
    };

    /// <summary>The shipped attention decoders by (attention, cell): additive attention before the update, Luong's three scores after
    /// it with input feeding, and coverage-aware additive attention.</summary>
    private static readonly Dictionary<(string Attention, string Cell), Type> AttentionCells = new()
    {
        [("bahdanau", "Gru")] = typeof(Cells.BahdanauGru),
        [("bahdanau", "Lstm")] = typeof(Cells.BahdanauLstm),
        [("luong-dot", "Gru")] = typeof(Cells.LuongDotGru),
        [("luong-dot", "Lstm")] = typeof(Cells.LuongDotLstm),
        [("luong-general", "Gru")] = typeof(Cells.LuongGeneralGru),
        [("luong-general", "Lstm")] = typeof(Cells.LuongGeneralLstm),
        [("luong-concat", "Gru")] = typeof(Cells.LuongConcatGru),
        [("luong-concat", "Lstm")] = typeof(Cells.LuongConcatLstm),
        [("coverage", "Gru")] = typeof(Cells.CoverageGru),
    };

    /// <summary>Every shipped attention decoder as (attention, cell), for <see cref="CreateAttention{T}"/>.</summary>
    public static IReadOnlyList<(string Attention, string Cell)> AttentionDecoders { get; } = AttentionCells.Keys.ToArray();

    /// <summary>The attention mechanisms shipped (for <see cref="CreateAttention{T}"/>).</summary>
    public static IReadOnlyList<string> Attentions { get; } = AttentionCells.Keys.Select(k => k.Attention).Distinct().ToArray();

    /// <summary>An attention decoder layer: <paramref name="attention"/> (bahdanau, luong-dot, luong-general, luong-concat, coverage)
    /// over a <paramref name="cell"/> (Gru or Lstm), its attention layer as wide as its hidden state.</summary>
    public static RnnLayer<T> CreateAttention<T>(string attention, string cell, Device device, int? inputSize, int hiddenSize, int seed) where T : unmanaged
    {
        var key = (attention.ToLowerInvariant(), Canonical(cell));
        if (!AttentionCells.TryGetValue(key, out var type))
        {
            var cells = AttentionCells.Keys.Where(k => k.Attention == key.Item1).Select(k => k.Cell).ToList();
            throw new ArgumentException(cells.Count == 0
                ? $"Unknown attention '{attention}'; the shipped ones are: {string.Join(", ", Attentions)}."
                : $"Attention '{attention}' is shipped over {string.Join(" and ", cells)}, not {key.Item2}; writing another is a few equations (see Runtime/Cells).");
        }
        var layer = typeof(Rnn<,>).MakeGenericType(type, typeof(T));
        try
        {
            return (RnnLayer<T>)Activator.CreateInstance(layer, device, inputSize, hiddenSize, new Dictionary<string, int> { ["Att"] = hiddenSize }, seed, null, false)!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>Every cell name <c>Create</c> accepts, as written on the command line.</summary>
    public static IReadOnlyCollection<string> Names => Cells.Keys;

    /// <summary>A layer of the named cell in <typeparamref name="T"/>, with hyperparameters set before its parameters are initialized;
    /// throws naming the shipped cells when there is no such cell.</summary>
    public static RnnLayer<T> Create<T>(string cell, Device device, int? inputSize, int hiddenSize, int seed, IReadOnlyDictionary<string, double>? hypers = null)
        where T : unmanaged
    {
        var (type, dims) = Cells.TryGetValue(cell, out var c) ? c : throw Unknown(cell);
        var layer = typeof(Rnn<,>).MakeGenericType(type, typeof(T));
        try
        {
            return (RnnLayer<T>)Activator.CreateInstance(layer, device, inputSize, hiddenSize, dims(hiddenSize), seed, hypers, false)!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>The catalogue's spelling of a cell name (names match case-insensitively).</summary>
    public static string Canonical(string cell) => Cells.Keys.FirstOrDefault(n => string.Equals(n, cell, StringComparison.OrdinalIgnoreCase)) ?? throw Unknown(cell);

    private static ArgumentException Unknown(string cell) => new($"Unknown cell '{cell}'; the shipped cells are: {string.Join(", ", Cells.Keys)}.");
}
