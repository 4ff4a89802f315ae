using System;
using System.Collections.Generic;
using ILGPU;

namespace Recur;

/// <summary>A float recurrent layer whatever its cell, for models that choose the cell at run time (see <see cref="CellCatalog"/>).</summary>
public interface IRnnLayer : IDisposable
{
    CellSpec Spec { get; }
    int InputSize { get; }
    int OutputSize { get; }
    int[] Sizes { get; }
    IReadOnlyList<ParameterInfo> Parameters { get; }
    long ParameterCount { get; }
    ArrayView<float> ParameterBuffer { get; }
    ArrayView<float> GradientBuffer { get; }
    RnnResult<float> Forward(Tensor<float> input, IReadOnlyList<Tensor<float>>? initialState = null, bool training = true);
    RnnGradients<float> Backward(Tensor<float> outputGrad, IReadOnlyList<Tensor<float>>? finalStateGrad = null);
    void ZeroGrad();
    void SetHyper(string name, double value);
}

/// <summary>The shipped cells by name, for command lines and checkpoints.</summary>
public static class CellCatalog
{
    private static readonly Dictionary<string, Func<Device, int, int, int, IRnnLayer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BasicRnn"] = (d, i, h, s) => new Rnn<Cells.BasicRnn>(d, i, h, seed: s),
        ["Lstm"] = (d, i, h, s) => new Rnn<Cells.Lstm>(d, i, h, seed: s),
        ["Gru"] = (d, i, h, s) => new Rnn<Cells.Gru>(d, i, h, seed: s),
        ["LayerNormLstm"] = (d, i, h, s) => new Rnn<Cells.LayerNormLstm>(d, i, h, seed: s),
        ["Jzs1"] = (d, i, h, s) => new Rnn<Cells.Jzs1>(d, i, h, seed: s),
        ["Jzs2"] = (d, i, h, s) => new Rnn<Cells.Jzs2>(d, i, h, seed: s),
        ["Jzs3"] = (d, i, h, s) => new Rnn<Cells.Jzs3>(d, i, h, seed: s),
        ["Irnn"] = (d, i, h, s) => new Rnn<Cells.Irnn>(d, i, h, seed: s),
        ["GruNoBias"] = (d, i, h, s) => new Rnn<Cells.GruNoBias>(d, i, h, seed: s),
        ["LstmNoBias"] = (d, i, h, s) => new Rnn<Cells.LstmNoBias>(d, i, h, seed: s),
        ["LayerNormGru"] = (d, i, h, s) => new Rnn<Cells.LayerNormGru>(d, i, h, seed: s),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>A float layer of the named cell; throws naming the shipped cells when there is no such cell.</summary>
    public static IRnnLayer Create(string cell, Device device, int inputSize, int hiddenSize, int seed) =>
        Factories.TryGetValue(cell, out var f) ? f(device, inputSize, hiddenSize, seed)
        : throw new ArgumentException($"Unknown cell '{cell}'; the shipped cells are: {string.Join(", ", Factories.Keys)}.");

    /// <summary>The catalogue's spelling of a cell name (names match case-insensitively).</summary>
    public static string Canonical(string cell) =>
        Factories.Keys.FirstOrDefaultIgnoreCase(cell) ?? throw new ArgumentException($"Unknown cell '{cell}'; the shipped cells are: {string.Join(", ", Factories.Keys)}.");

    private static string? FirstOrDefaultIgnoreCase(this IEnumerable<string> names, string name)
    {
        foreach (var n in names) if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return n;
        return null;
    }
}
