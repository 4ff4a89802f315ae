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
    void SeedMasks(ulong seed);
}

/// <summary>The shipped cells by name, for command lines and checkpoints.</summary>
public static class CellCatalog
{
    private static readonly Dictionary<string, Func<Device, int, int, int, IReadOnlyDictionary<string, double>?, IRnnLayer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BasicRnn"] = (d, i, h, s, y) => new Rnn<Cells.BasicRnn>(d, i, h, seed: s, hypers: y),
        ["Lstm"] = (d, i, h, s, y) => new Rnn<Cells.Lstm>(d, i, h, seed: s, hypers: y),
        ["Gru"] = (d, i, h, s, y) => new Rnn<Cells.Gru>(d, i, h, seed: s, hypers: y),
        ["LayerNormLstm"] = (d, i, h, s, y) => new Rnn<Cells.LayerNormLstm>(d, i, h, seed: s, hypers: y),
        ["Jzs1"] = (d, i, h, s, y) => new Rnn<Cells.Jzs1>(d, i, h, seed: s, hypers: y),
        ["Jzs2"] = (d, i, h, s, y) => new Rnn<Cells.Jzs2>(d, i, h, seed: s, hypers: y),
        ["Jzs3"] = (d, i, h, s, y) => new Rnn<Cells.Jzs3>(d, i, h, seed: s, hypers: y),
        ["Irnn"] = (d, i, h, s, y) => new Rnn<Cells.Irnn>(d, i, h, seed: s, hypers: y),
        ["GruNoBias"] = (d, i, h, s, y) => new Rnn<Cells.GruNoBias>(d, i, h, seed: s, hypers: y),
        ["LstmNoBias"] = (d, i, h, s, y) => new Rnn<Cells.LstmNoBias>(d, i, h, seed: s, hypers: y),
        ["LayerNormGru"] = (d, i, h, s, y) => new Rnn<Cells.LayerNormGru>(d, i, h, seed: s, hypers: y),
        ["PeepholeLstm"] = (d, i, h, s, y) => new Rnn<Cells.PeepholeLstm>(d, i, h, seed: s, hypers: y),
        // Projection to half the hidden size, as LSTMP models usually do.
        ["ProjectedPeepholeLstm"] = (d, i, h, s, y) => new Rnn<Cells.ProjectedPeepholeLstm>(d, i, h, new Dictionary<string, int> { ["Proj"] = Math.Max(1, h / 2) }, seed: s, hypers: y),
        ["SkipGru"] = (d, i, h, s, y) => new Rnn<Cells.SkipGru>(d, i, h, seed: s, hypers: y),
        ["MultiTransformGru"] = (d, i, h, s, y) => new Rnn<Cells.MultiTransformGru>(d, i, h, seed: s, hypers: y),
        ["UnitaryRnn"] = (d, i, h, s, y) => new Rnn<Cells.UnitaryRnn>(d, i, h, seed: s, hypers: y),
        // Ha et al.'s sizes: 128 hyper units, embeddings of 4.
        ["HyperLstm"] = (d, i, h, s, y) => new Rnn<Cells.HyperLstm>(d, i, h, new Dictionary<string, int> { ["HyperUnits"] = 128, ["Embed"] = 4 }, seed: s, hypers: y),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>A float layer of the named cell, with hyperparameters set before its parameters are initialized;
    /// throws naming the shipped cells when there is no such cell.</summary>
    public static IRnnLayer Create(string cell, Device device, int inputSize, int hiddenSize, int seed, IReadOnlyDictionary<string, double>? hypers = null) =>
        Factories.TryGetValue(cell, out var f) ? f(device, inputSize, hiddenSize, seed, hypers)
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
