using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Recur.Benchmarks;

/// <summary>One training step of the README's character model (2×256 LSTM, embedding 64, dropout 0.1, 100 × 32 characters of tiny
/// Shakespeare, Adam with clipping at 5), on Recur's tape-built <see cref="CharModel"/> and on the same model in libtorch
/// (nn.Embedding, a 2-layer nn.LSTM with dropout between layers, nn.Linear, cross-entropy, Adam, clip_grad_norm_).</summary>
internal static class CharModelBench
{
    public const int Seq = 100, Batch = 32, Embed = 64, Hidden = 256, Layers = 2, Warmup = 5;
    public const float Dropout = 0.1f;

    /// <summary>The hand-wired CharModel that the parts replaced, timed by the same loop (forward, backward, Adam update; median of 40
    /// steps after 5): the median of four runs (159.9, 161.1, 165.2, 168.8 ms) interleaved with four of the rebuilt model (147.0, 148.8,
    /// 151.5, 156.0 ms), on the 2-core AMD EPYC development machine on 2026-11-24, OpenBLAS (1 thread, columns split over 2 threads).</summary>
    public const double OldMsPerStep = 163.2;

    private static StreamBatches Windows(out int vocab)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dsl.sln"))) root = root.Parent;
        var path = root is null ? throw new FileNotFoundException("Run the benchmark from inside the repository (it reads Examples/data/tinyshakespeare.txt).")
            : Path.Combine(root.FullName, "Examples", "data", "tinyshakespeare.txt");
        var data = new CharData(File.ReadAllText(path));
        vocab = data.Vocabulary.Length;
        return new StreamBatches(data.Train, Seq, Batch);
    }

    /// <summary>Median ms per training step of the README's model, or of <paramref name="layers"/> layers with
    /// <paramref name="interconnect"/>; <paramref name="parameters"/> is the model's parameter count.</summary>
    public static double Recur(int threads, int reps, out long parameters, int layers = Layers, string? interconnect = null)
    {
        var windows = Windows(out int vocab);
        using var device = Device.Cpu(threads);
        Console.Error.WriteLine($"recur: {device.Name}, {threads} threads, GEMM: {device.GemmName<float>()}{(device.GemmNote is { } n ? " — " + n : "")}");
        using var model = new CharModel(device, new CharModelConfig("Lstm", vocab, Embed, Hidden, layers, Dropout, Interconnect: interconnect), seed: 1);
        parameters = model.ParameterCount;
        using var adam = new Adam<float>(model, 2e-3) { ClipNorm = 5 };
        var rng = new Rng(1);
        int w = 0;
        return Timing.MedianMs(() =>
        {
            var (x, y) = windows.Window(w++ % windows.Windows);
            model.ZeroGrad();
            using var tape = new Tape(training: true, rng);
            tape.Backward(Losses.CrossEntropy(model.Forward(tape, x, Seq, Batch).Output, y));
            adam.Update();
        }, Warmup, reps);
    }

    public static double Torch(int threads, int reps)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        var windows = Windows(out int vocab);
        var embedding = nn.Embedding(vocab, Embed);
        var lstm = nn.LSTM(Embed, Hidden, numLayers: Layers, dropout: Dropout);
        var output = nn.Linear(Hidden, vocab);
        var drop = nn.Dropout(Dropout);
        var parameters = embedding.parameters().Concat(lstm.parameters()).Concat(output.parameters()).ToList();
        var adam = optim.Adam(parameters, 2e-3);
        int w = 0;
        return Timing.MedianMs(() =>
        {
            using var scope = torch.NewDisposeScope();
            var (x, y) = windows.Window(w++ % windows.Windows);
            adam.zero_grad();
            var ids = torch.tensor(x.Select(v => (long)v).ToArray(), new long[] { Seq, Batch });
            var targets = torch.tensor(y.Select(v => (long)v).ToArray(), new long[] { Seq * Batch });
            var h = lstm.forward(drop.forward(embedding.forward(ids)), null).Item1;
            var logits = output.forward(drop.forward(h)).reshape(Seq * Batch, vocab);
            nn.functional.cross_entropy(logits, targets).backward();
            nn.utils.clip_grad_norm_(parameters, 5);
            adam.step();
        }, Warmup, reps);
    }
}
