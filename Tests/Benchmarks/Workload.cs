using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

using Recur.Examples.Tasks;

namespace Recur.Benchmarks;

/// <summary>One thing both sides can do again and again: a layer's forward pass, a training step, a GEMM. Made by
/// <see cref="RecurWorkloads"/> or <see cref="TorchWorkloads"/> from the same <see cref="WorkloadSpec"/>, so the two sides run the
/// same model on the same sizes.</summary>
internal interface IWorkload : IDisposable
{
    /// <summary>One repetition.</summary>
    void Run();

    /// <summary>Floating-point operations of one repetition's matrix products (0 where not counted); the same figure is used for
    /// both sides, so the GFLOP/s of each is its share of the same work.</summary>
    double Flops { get; }

    /// <summary>Tokens one repetition processes (0 for a GEMM).</summary>
    double Tokens { get; }

    /// <summary>What else the report should say about it (a model's parameter count), or "".</summary>
    string Note { get; }
}

/// <summary>What to measure, as a line both processes read: <c>cell Lstm fwd S</c>, <c>charmodel</c>, <c>generate</c>,
/// <c>small Gru</c>, <c>gemm 32 1024 256</c>, <c>stack inputs,states,skip:1</c>, <c>seq2seq train</c>.</summary>
internal sealed record WorkloadSpec(string Kind, params string[] Args)
{
    public static WorkloadSpec Cell(string cell, string mode, Config config) => new("cell", cell, mode, config.Name);
    public static WorkloadSpec Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) throw new ArgumentException("An empty workload.");
        return new WorkloadSpec(words[0], words[1..]);
    }

    public string Arg(int i) => i < Args.Length ? Args[i] : throw new ArgumentException($"Workload '{this}' needs argument {i + 1}.");
    public override string ToString() => string.Join(' ', new[] { Kind }.Concat(Args));
}

/// <summary>A benchmark configuration: sequence length, batch, input and hidden sizes.</summary>
internal sealed record Config(string Name, int Steps, int Batch, int Input, int Hidden)
{
    public static readonly Config S = new("S", 100, 32, 128, 256);
    public static readonly Config M = new("M", 100, 64, 256, 512);
    public static readonly Config L = new("L", 100, 128, 512, 1024);
    public static readonly Config[] All = { S, M, L };

    public static Config ByName(string name) => All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"Unknown configuration '{name}' ({string.Join(", ", All.Select(c => c.Name))}).");

    public string Describe() => $"seq {Steps}, batch {Batch}, input {Input}, hidden {Hidden}";
}

/// <summary>The sizes the model benchmarks share with the README's main command and the r2rt tutorial.</summary>
internal static class Models
{
    /// <summary>The README's character model: embedding 64 → 2 × LSTM 256 (dropout 0.1) → dense; 100 × 32 characters; Adam, clip 5.</summary>
    public const int CharSeq = 100, CharBatch = 32, CharEmbed = 64, CharHidden = 256, CharLayers = 2;
    public const float CharDropout = 0.1f;

    /// <summary>Batch-1 generation: a 2 × 512 LSTM character model, <see cref="GenerateTokens"/> characters per repetition.</summary>
    public const int GenerateHidden = 512, GenerateLayers = 2, GenerateTokens = 100;

    /// <summary>The r2rt tutorial's model: 3 layers × 100 units, embedding 100, batch 32, 80 steps; Adam, no dropout.</summary>
    public const int SmallSeq = 80, SmallBatch = 32, SmallEmbed = 100, SmallHidden = 100, SmallLayers = 3;

    /// <summary>Tiny Shakespeare, from the repository's shipped data.</summary>
    public static CharData Shakespeare() => new(File.ReadAllText(Recur.Examples.CommandLine.FindShippedData("tinyshakespeare.txt")));

    /// <summary>GEMM flops of a recurrent layer's pass: every weight matrix is multiplied by every step's [B, cols] operand once
    /// forward, and twice more backward (the operand's gradient and the weight's).</summary>
    public static double LayerFlops(RnnLayer<float> layer, Config c, bool backward) =>
        (backward ? 3 : 1) * 2.0 * c.Steps * c.Batch * layer.Layout.Where(p => p.Shape.Length == 2).Sum(p => (double)p.Length);

    /// <summary>Median of a list of numbers.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var a = values.OrderBy(x => x).ToArray();
        if (a.Length == 0) return double.NaN;
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
