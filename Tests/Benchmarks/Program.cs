using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Recur.Examples;

namespace Recur.Benchmarks;

/// <summary>Recur against libtorch (TorchSharp) on the CPU: same sizes, same thread count, measured in alternating rounds by two
/// processes kept alive side by side (<see cref="PairedRunner"/>).
///   dotnet run -c Release --project Tests/Benchmarks                    (everything: RESULTS.md)
///   dotnet run -c Release --project Tests/Benchmarks -- --quick         (configuration S and a few models: RESULTS-quick.md)
///   dotnet run -c Release --project Tests/Benchmarks -- --seq2seq       (the translator's model: RESULTS-seq2seq.md)
///   dotnet run -c Release --project Tests/Benchmarks -- --stacks        (a 3-layer stack plain and interconnected: RESULTS-stacks.md)
///   dotnet run -c Release --project Tests/Benchmarks -- --params        (each cell's parameters and schedule, for docs/cells.md)</summary>
public static class Program
{
    // Every shipped cell, Lstm first (the others' cost is given relative to it).
    private static readonly string[] AllCells = CellCatalog.Names.OrderBy(n => n == "Lstm" ? 0 : 1).ToArray();

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var quick = new Option<bool>("--quick") { Description = "configuration S, the GEMMs of S and a few models (RESULTS-quick.md)" };
        var threads = new Option<int[]>("--threads")
        {
            Description = $"thread counts to measure, each side the same (default {Environment.ProcessorCount} and 1)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => new[] { Environment.ProcessorCount, 1 }.Distinct().ToArray(),
            CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',')).Select(v => int.TryParse(v, out var n) && n > 0 ? n
                : throw new ArgumentException($"--threads takes positive whole numbers, not '{v}'.")).Distinct().ToArray(),
        };
        var cells = new Option<string[]>("--cells")
        {
            Description = "cells to measure, comma-separated (default: every shipped cell)",
            DefaultValueFactory = _ => AllCells,
            CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(CellCatalog.Canonical).ToArray(),
        };
        var rounds = CommandLine.Whole("--rounds", "alternating rounds per workload", 5, min: 3);
        var only = new Option<string[]>("--only")
        {
            Description = "measure only these kinds of workload, comma-separated: gemm, cell, generate, charmodel, small (default: all)",
            CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
        };
        var noWrite = new Option<bool>("--no-write") { Description = "print the report only; leave the RESULTS files alone" };
        var seq2seq = new Option<bool>("--seq2seq") { Description = "the translator's model: training step, greedy decoding, the attention layer (RESULTS-seq2seq.md)" };
        var stacks = new Option<bool>("--stacks") { Description = "a 3-layer character model plain and interconnected (RESULTS-stacks.md)" };
        var parameters = new Option<bool>("--params") { Description = "print each cell's parameter count and schedule" };
        var serve = new Option<string?>("--serve") { Description = "internal: run as a side's process (recur or torch)", Hidden = true };
        var root = new RootCommand("Recur against libtorch on the CPU, measured in alternating rounds.")
            { quick, threads, cells, rounds, only, noWrite, seq2seq, stacks, parameters, serve };
        return CommandLine.Run(root, args, p =>
        {
            int[] t = p.GetValue(threads)!;
            if (p.GetValue(serve) is { } side) return WorkloadServer.Serve(side, t[0]);
            if (p.GetValue(parameters)) { PrintCellTable(); return 0; }
            bool write = !p.GetValue(noWrite);
            if (p.GetValue(seq2seq)) return RunSeq2Seq(t.Max(), p.GetValue(rounds), write);
            if (p.GetValue(stacks)) return RunStacks(t.Max(), p.GetValue(rounds), write);
            return SpeedReport.Run(p.GetValue(quick), t, p.GetValue(cells)!, p.GetValue(rounds), p.GetValue(only) ?? Array.Empty<string>(), write);
        });
    }

    /// <summary>For docs/cells.md: each cell's learned parameters at input 128 / hidden 256 and how its step is scheduled.</summary>
    private static void PrintCellTable()
    {
        using var device = Device.Cpu(1);
        Console.WriteLine("| cell | parameters (input 128, hidden 256) | fused segments per step | GEMM groups (per step / all steps at once) |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        foreach (var name in AllCells)
        {
            using var layer = CellCatalog.Create<float>(name, device, 128, 256, seed: 1);
            long learned = layer.Layout.Where(p => p.Learned).Sum(p => p.Length);
            var spec = layer.Spec;
            int perStep = spec.Groups.Count(g => g.Operand != GemmOperand.Input), once = spec.Groups.Length - perStep;
            Console.WriteLine(FormattableString.Invariant($"| {name} | {learned:N0} | {spec.Segments} | {perStep} / {once} |"));
        }
    }

    /// <summary>Prints a report and, when <paramref name="write"/>, puts it in Tests/Benchmarks/<paramref name="file"/>.</summary>
    internal static void Write(bool write, string file, string text)
    {
        Console.WriteLine();
        Console.WriteLine(text);
        if (!write || Machine.RepoRoot() is not { } root) return;
        var path = Path.Combine(root, "Tests", "Benchmarks", file);
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote {path}");
    }

    /// <summary>The translator's model on both sides (RESULTS-seq2seq.md).</summary>
    private static int RunSeq2Seq(int threads, int rounds, bool write)
    {
        var machine = Machine.Describe();
        Console.WriteLine($"Seq2seq (batch {Seq2SeqBench.Batch}, source and target {Seq2SeqBench.Steps} tokens): {machine}; {threads} threads each; {rounds} alternating rounds.");
        var notes = new List<string>();
        var results = new PairedRunner(rounds, 0.6).MeasureAll(Seq2SeqBench.Parts.Select(p => new WorkloadSpec("seq2seq", p.What)).ToList(), threads, notes, _ => true);
        var rows = Seq2SeqBench.Parts.Zip(results, (p, r) =>
        {
            string Rate(double ms) => p.PerPair ? FormattableString.Invariant($" ({Seq2SeqBench.Batch / ms * 1000:N0} pairs/s)") : "";
            return FormattableString.Invariant($"| {p.Text} | {r.RecurMs:F1}{Rate(r.RecurMs)} | {r.TorchMs:F1}{Rate(r.TorchMs!.Value)} | **{r.Ratio:F2}** ({r.Spread}) | {r.RecurPeak / 1048576.0:F0} / {r.TorchPeak / 1048576.0:F0} |");
        });
        double Ms(string what) => results[Array.FindIndex(Seq2SeqBench.Parts, p => p.What == what)].RecurMs;
        Write(write, "RESULTS-seq2seq.md", FormattableString.Invariant($$"""
            # Seq2seq with attention: Recur vs libtorch

            Written by `dotnet run -c Release --project Tests/Benchmarks -- --seq2seq` on {{machine}}; {{threads}} threads each. Both sides' processes stay alive for the run and take turns: every workload is measured in {{rounds}} rounds, each side running the same repetitions per round (Recur first in odd rounds, libtorch first in even ones); a time is the median of a side's rounds, the ratio the median of the rounds' paired ratios (range in brackets).
            The model is the translator's default (Examples/Translate): embeddings 256, bidirectional GRU encoder 256 per direction (both final states start the decoder: as they are on Recur's side, through the tutorial's tanh bridge on libtorch's), Bahdanau-attention GRU decoder 512 (attention layer 512), dropout 0.2, projection to {{Seq2SeqBench.TargetVocab:N0}} French words, cross-entropy with label smoothing 0.1, Adam, clip 5; batch {{Seq2SeqBench.Batch}}, source and target {{Seq2SeqBench.Steps}} tokens.
            libtorch runs it as PyTorch's seq2seq tutorial writes it (`Tests/Benchmarks/seq2seq_reference.py`): nn.GRU encoder, then per decoder step Linear, add, tanh, Linear, masked_fill, softmax, bmm, cat and GRUCell. Recur runs the decoder as one generated cell: the memory's products once per sequence, each step's attention, context and GRU update in fused kernels.
            The plain GRU layer reads an input of 768 (embedding + context), the width of what the attention cell's gates read, so the difference is the attention itself.

            | measured | Recur, ms | libtorch, ms | libtorch / Recur | peak MiB Recur / libtorch |
            | --- | ---: | ---: | ---: | ---: |
            {{string.Join(Environment.NewLine, rows)}}

            Recur's attention decoder layer costs {{Ms("attention-fwd") / Ms("gru-fwd"):F2}}× its plain GRU layer forward and {{Ms("attention-fwdbwd") / Ms("gru-fwdbwd"):F2}}× forward + backward.

            Backends as the run reported them:

            {{string.Join(Environment.NewLine, notes.Distinct().Select(n => "- " + n))}}

            """));
        return 0;
    }

    /// <summary>A 3-layer character model (LSTM 256) plain and with the interconnects inputs,states,skip:1: parameters and the time
    /// of a training step (RESULTS-stacks.md).</summary>
    private static int RunStacks(int threads, int rounds, bool write)
    {
        var machine = Machine.Describe();
        var notes = new List<string>();
        var results = new PairedRunner(rounds, 0.6).MeasureAll(new[] { "plain", "inputs,states,skip:1" }.Select(i => new WorkloadSpec("stack", i)).ToList(), threads, notes, _ => false);
        long Parameters(PairedResult r) => long.Parse(r.Note.Split(' ')[^2], CultureInfo.InvariantCulture);
        var plain = results[0];
        var rows = results.Select(r => FormattableString.Invariant(
            $"| {r.Workload.Args[0]} | {Parameters(r):N0} | {Parameters(r) / (double)Parameters(plain):F2} | {r.RecurMs:F1} | {r.RecurMs / plain.RecurMs:F2} | {r.RecurTokensPerSecond:N0} |"));
        Write(write, "RESULTS-stacks.md", $"""
            # A 3-layer stack, plain and interconnected

            Written by `dotnet run -c Release --project Tests/Benchmarks -- --stacks` on {machine}; {threads} threads; {rounds} rounds, each the median of repetitions of a training step. The README's character model with three LSTM layers of 256 (embedding 64, dropout 0.1, 100 × 32 characters, Adam); interconnected, layers 1 and 2 also read the embedding, the layer below's C at every step and, skipping one layer, the output two layers down (the embedding under layer 1).

            | interconnect | parameters | vs plain | ms per step | vs plain | tokens/s |
            | --- | ---: | ---: | ---: | ---: | ---: |
            {string.Join(Environment.NewLine, rows)}

            """);
        return 0;
    }
}
