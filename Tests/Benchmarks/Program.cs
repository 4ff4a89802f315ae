using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Recur.Benchmarks;

/// <summary>Recur against libtorch (TorchSharp) on the CPU, same sizes, same thread count, same run.
///   dotnet run -c Release --project Tests/Benchmarks -- --charmodel  (a training step of the README's character model)
/// Each side runs in its own child process, so its peak memory is its own and the two thread pools never meet.
///   dotnet run -c Release --project Tests/Benchmarks -- --quick     (configuration S only)
///   dotnet run -c Release --project Tests/Benchmarks                 (S and M)
///   dotnet run -c Release --project Tests/Benchmarks -- --seq2seq    (the translator's model: training step, greedy decoding, attention layer)
/// Options: --threads N (2), --reps N (10, at least 10), --cells Lstm,Gru,... , --no-write (leave RESULTS.md alone),
/// --openblas-autodetect (let OpenBLAS choose its kernels even where OPENBLAS_CORETYPE pins them; RESULTS-autodetect.md).</summary>
public static class Program
{
    // Every shipped cell, Lstm first (the others' cost is given relative to it).
    private static readonly string[] AllCells = CellCatalog.Names.OrderBy(n => n == "Lstm" ? 0 : 1).ToArray();

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            if (args.Length > 0 && args[0] == "--gemm") { GemmProbe.Run(args.Length > 1 ? int.Parse(args[1]) : 2); return 0; }
            if (args.Length > 0 && args[0] == "--params") { PrintCellTable(); return 0; }
            if (args.Length > 0 && args[0] == "--charmodel") return RunCharModel(Options.Parse(args.Skip(1).ToArray()));
            if (args.Length > 0 && args[0] == "--stacks") return RunStacks(Options.Parse(args.Skip(1).ToArray()));
            if (args.Length > 0 && args[0] == "--seq2seq") return RunSeq2Seq(Options.Parse(args.Skip(1).ToArray()));
            var o = Options.Parse(args);
            return o.Child is { } side ? RunChild(side, o) : RunParent(o);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }

    private sealed record Options(bool Quick, int Threads, int Reps, string[] Cells, string? Child, string Config, bool Write, bool OpenBlasAutodetect)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(false, 2, 10, AllCells, null, "S", true, false);
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                o = args[i] switch
                {
                    "--quick" => o with { Quick = true },
                    "--threads" => o with { Threads = PositiveInt(Next(), "--threads") },
                    "--reps" => o with { Reps = Math.Max(10, PositiveInt(Next(), "--reps")) },
                    "--cells" => o with { Cells = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                    "--child" => o with { Child = Next() },
                    "--config" => o with { Config = Next() },
                    "--no-write" => o with { Write = false },
                    "--openblas-autodetect" => o with { OpenBlasAutodetect = true },
                    _ => throw new ArgumentException($"Unknown option '{args[i]}'. Options: --quick, --threads N, --reps N, --cells A,B, --no-write, --openblas-autodetect."),
                };
            }
            return o;
        }

        private static int PositiveInt(string s, string name) =>
            int.TryParse(s, out var v) && v > 0 ? v : throw new ArgumentException($"{name} takes a positive whole number, not '{s}'.");
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

    private static int RunChild(string side, Options o)
    {
        var config = Config.ByName(o.Config);
        void Report(string cell, string mode, double ms)
        {
            Console.WriteLine(FormattableString.Invariant($"measure {side} {cell} {mode} {config.Name} {ms:F2}"));
            Console.Out.Flush();
        }
        if (side == "recur-charmodel") Report("CharModel", "train", CharModelBench.Recur(o.Threads, o.Reps, out _));
        else if (side.StartsWith("recur-stack", StringComparison.Ordinal))
        {
            // recur-stack or recur-stack:inputs,states,skip:1 — three layers, plain or interconnected.
            var interconnect = side.Contains(':') ? side[(side.IndexOf(':') + 1)..] : null;
            double ms = CharModelBench.Recur(o.Threads, o.Reps, out long parameters, layers: 3, interconnect);
            Console.WriteLine($"parameters {parameters}");
            Report("Stack", interconnect ?? "plain", ms);
        }
        else if (side == "recur-seq2seq") Seq2SeqBench.Recur(o.Threads, o.Reps, Report);
        else if (side == "torch-seq2seq")
        {
            Console.Error.WriteLine(TorchSharpLoadFix.Apply());
            Seq2SeqBench.Torch(o.Threads, o.Reps, Report);
        }
        else if (side == "torch-charmodel")
        {
            Console.Error.WriteLine(TorchSharpLoadFix.Apply());
            Report("CharModel", "train", CharModelBench.Torch(o.Threads, o.Reps));
        }
        else if (side == "recur") RecurSide.Run(config, o.Cells, o.Threads, o.Reps, Report);
        else if (side == "torch")
        {
            Console.Error.WriteLine(TorchSharpLoadFix.Apply());
            TorchSide.Run(config, o.Cells, o.Threads, o.Reps, Report);
        }
        else throw new ArgumentException($"Unknown side '{side}'.");
        Console.WriteLine($"peak {side} {config.Name} {Timing.PeakBytes()}");
        return 0;
    }

    private sealed record Measurement(string Side, string Cell, string Mode, string Config, double Ms);

    /// <summary>Tokens per second of a training step of the README's character model: Recur's (built from parts on the tape) against
    /// libtorch's in the same run, and against the hand-wired model it replaced (a figure recorded before the rebuild).</summary>
    private static int RunCharModel(Options o)
    {
        var machine = $"{Environment.ProcessorCount} cores, {CpuName()}, {DateTime.UtcNow:yyyy-MM-dd}";
        Console.WriteLine($"Character model training step (2×{CharModelBench.Hidden} LSTM, {CharModelBench.Seq}×{CharModelBench.Batch} characters): {machine}; {o.Threads} threads each; median of {Math.Max(20, o.Reps)} steps after {CharModelBench.Warmup}.");
        var measurements = new List<Measurement>();
        var peaks = new Dictionary<(string, string), long>();
        var notes = new List<string>();
        foreach (var side in new[] { "recur-charmodel", "torch-charmodel" })
            if (!RunChildProcess(side, Config.S, o with { Reps = Math.Max(20, o.Reps) }, measurements, peaks, notes)) return 1;
        double tokens = CharModelBench.Seq * CharModelBench.Batch;
        double recur = measurements.Single(m => m.Side == "recur-charmodel").Ms, torchMs = measurements.Single(m => m.Side == "torch-charmodel").Ms;
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"charmodel recur {recur:F1} ms/step {tokens / recur * 1000:F0} tokens/s"));
        Console.WriteLine(FormattableString.Invariant($"charmodel libtorch {torchMs:F1} ms/step {tokens / torchMs * 1000:F0} tokens/s; libtorch/recur = {torchMs / recur:F2}"));
        Console.WriteLine(FormattableString.Invariant($"charmodel before the rebuild {CharModelBench.OldMsPerStep:F1} ms/step {tokens / CharModelBench.OldMsPerStep * 1000:F0} tokens/s (recorded 2026-11-24); old/new = {CharModelBench.OldMsPerStep / recur:F2}"));
        if (!o.Write || FindRepoRoot() is not { } root) return 0;
        var path = Path.Combine(root, "Tests", "Benchmarks", "RESULTS-charmodel.md");
        var backends = string.Join(Environment.NewLine, notes.Distinct().Select(n => "- " + n));
        File.WriteAllText(path, FormattableString.Invariant($$"""
            # The character model's training step: Recur vs libtorch

            Written by `dotnet run -c Release --project Tests/Benchmarks -- --charmodel` on {{machine}}; {{o.Threads}} threads each; median of {{Math.Max(20, o.Reps)}} steps after {{CharModelBench.Warmup}}, each side in its own process.
            The README's model: embedding 64 → 2 × LSTM 256 (dropout 0.1 around and between the layers) → dense to the 65 characters, cross-entropy, Adam (lr 2e-3) with the gradient norm clipped at 5; windows of 100 × 32 characters of tiny Shakespeare. libtorch: nn.Embedding, nn.LSTM(num_layers=2, dropout=0.1), nn.Linear, cross_entropy, clip_grad_norm_, Adam.
            "Before" is the hand-wired CharModel that the tape-built one replaced, timed by the same loop on the same machine on 2026-11-24 (a recorded figure, not remeasured by this run).

            | model | ms per step | tokens/s | vs Recur |
            | --- | ---: | ---: | ---: |
            | Recur, CharModel from parts on the tape | {{recur:F1}} | {{tokens / recur * 1000:N0}} | 1.00 |
            | libtorch 2.10 (TorchSharp) | {{torchMs:F1}} | {{tokens / torchMs * 1000:N0}} | {{torchMs / recur:F2}} |
            | Recur before the rebuild (recorded) | {{CharModelBench.OldMsPerStep:F1}} | {{tokens / CharModelBench.OldMsPerStep * 1000:N0}} | {{CharModelBench.OldMsPerStep / recur:F2}} |

            Backends as the run reported them:

            {{backends}}

            """));
        Console.WriteLine($"Wrote {path}");
        return 0;
    }

    /// <summary>The translator's model on both sides, in alternating rounds (Recur, libtorch, Recur, libtorch, …; each round a fresh
    /// pair of processes) so a neighbour's load falls on both: every ratio is the median of the rounds' paired ratios, with their range.</summary>
    private static int RunSeq2Seq(Options o)
    {
        const int rounds = 3;
        var machine = $"{Environment.ProcessorCount} cores, {CpuName()}, {DateTime.UtcNow:yyyy-MM-dd}";
        Console.WriteLine($"Seq2seq (batch {Seq2SeqBench.Batch}, source and target {Seq2SeqBench.Steps} tokens, embeddings {Seq2SeqBench.Embed}, bi-GRU {Seq2SeqBench.Encoder}, Bahdanau GRU {Seq2SeqBench.Decoder}): {machine}; {o.Threads} threads each; {rounds} alternating rounds, median of {o.Reps} repetitions after {Seq2SeqBench.Warmup} in each.");
        var notes = new List<string>();
        var peaks = new Dictionary<(string, string), long>();
        var recur = new List<Dictionary<string, double>>();
        var torch = new List<Dictionary<string, double>>();
        for (int k = 0; k < rounds; k++)
        {
            var m = new List<Measurement>();
            foreach (var side in new[] { "recur-seq2seq", "torch-seq2seq" })
                if (!RunChildProcess(side, Config.S, o, m, peaks, notes)) return 1;
            recur.Add(m.Where(x => x.Side == "recur-seq2seq").ToDictionary(x => $"{x.Cell} {x.Mode}", x => x.Ms));
            torch.Add(m.Where(x => x.Side == "torch-seq2seq").ToDictionary(x => $"{x.Cell} {x.Mode}", x => x.Ms));
        }
        static double Median(IEnumerable<double> v)
        {
            var a = v.OrderBy(x => x).ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }
        var what = new (string Key, string Text, bool Pairs)[]
        {
            ("Seq2Seq train", "training step (forward, backward, Adam)", true),
            ("Seq2Seq greedy", "greedy decoding, 12 steps", true),
            ("BahdanauGru fwd", "attention decoder layer, forward (inference)", false),
            ("BahdanauGru fwdbwd", "attention decoder layer, forward + backward", false),
            ("Gru fwd", "plain GRU layer, input 768, forward (inference)", false),
            ("Gru fwdbwd", "plain GRU layer, input 768, forward + backward", false),
        };
        var rows = new List<string>();
        foreach (var (key, text, pairs) in what)
        {
            double r = Median(recur.Select(x => x[key])), t = Median(torch.Select(x => x[key]));
            var ratios = recur.Zip(torch, (a, b) => b[key] / a[key]).ToArray();
            string rate(double ms) => pairs ? FormattableString.Invariant($" ({Seq2SeqBench.Batch / ms * 1000:N0} pairs/s)") : "";
            rows.Add(FormattableString.Invariant($"| {text} | {r:F1}{rate(r)} | {t:F1}{rate(t)} | **{Median(ratios):F2}** ({ratios.Min():F2}–{ratios.Max():F2}) |"));
            Console.WriteLine(FormattableString.Invariant($"{key,-20} recur {r,8:F1} ms  libtorch {t,8:F1} ms  libtorch/recur {Median(ratios):F2} ({ratios.Min():F2}–{ratios.Max():F2})"));
        }
        double attentionOverGru = Median(recur.Select(x => x["BahdanauGru fwdbwd"] / x["Gru fwdbwd"]));
        double attentionOverGruFwd = Median(recur.Select(x => x["BahdanauGru fwd"] / x["Gru fwd"]));
        Console.WriteLine(FormattableString.Invariant($"Recur's attention layer costs {attentionOverGruFwd:F2}× a plain GRU layer forward, {attentionOverGru:F2}× forward + backward."));
        if (!o.Write || FindRepoRoot() is not { } root) return 0;
        var path = Path.Combine(root, "Tests", "Benchmarks", "RESULTS-seq2seq.md");
        string Peak(string side) => peaks.TryGetValue((side, "S"), out var b) ? $"{b / (1024.0 * 1024):F0} MiB" : "?";
        File.WriteAllText(path, FormattableString.Invariant($$"""
            # Seq2seq with attention: Recur vs libtorch

            Written by `dotnet run -c Release --project Tests/Benchmarks -- --seq2seq` on {{machine}}; {{o.Threads}} threads each; {{rounds}} rounds alternating a Recur process and a libtorch process, each measuring the median of {{o.Reps}} repetitions after {{Seq2SeqBench.Warmup}}; the ratio is the median of the rounds' paired ratios (range in brackets).
            The model is the translator's default (Examples/Translate): embeddings 256, bidirectional GRU encoder 256 per direction (both final states start the decoder: as they are on Recur's side, through the tutorial's tanh bridge on libtorch's), Bahdanau-attention GRU decoder 512 (attention layer 512), dropout 0.2, projection to {{Seq2SeqBench.TargetVocab:N0}} French words, cross-entropy with label smoothing 0.1, Adam, clip 5; batch {{Seq2SeqBench.Batch}}, source and target {{Seq2SeqBench.Steps}} tokens.
            libtorch runs it as PyTorch's seq2seq tutorial writes it (`Tests/Benchmarks/seq2seq_reference.py`): nn.GRU encoder, then per decoder step Linear, add, tanh, Linear, masked_fill, softmax, bmm, cat and GRUCell. Recur runs the decoder as one generated cell: the memory's products once per sequence, each step's attention, context and GRU update in fused kernels.
            The plain GRU layer reads an input of 768 (embedding + context), the width of what the attention cell's gates read, so the difference is the attention itself.

            | measured | Recur, ms | libtorch, ms | libtorch / Recur |
            | --- | ---: | ---: | ---: |
            {{string.Join(Environment.NewLine, rows)}}

            Recur's attention decoder layer costs {{attentionOverGruFwd:F2}}× its plain GRU layer forward and {{attentionOverGru:F2}}× forward + backward.
            Peak memory (resident, last round): Recur {{Peak("recur-seq2seq")}}, libtorch {{Peak("torch-seq2seq")}}.

            Backends as the run reported them:

            {{string.Join(Environment.NewLine, notes.Distinct().Select(n => "- " + n))}}

            """));
        Console.WriteLine($"Wrote {path}");
        return 0;
    }

    /// <summary>A 3-layer character model (LSTM 256) plain and with the interconnects inputs,states,skip:1: parameters and the time of
    /// a training step, in one run.</summary>
    private static int RunStacks(Options o)
    {
        var machine = $"{Environment.ProcessorCount} cores, {CpuName()}, {DateTime.UtcNow:yyyy-MM-dd}";
        Console.WriteLine($"3-layer character model, plain and interconnected: {machine}; {o.Threads} threads; median of {Math.Max(20, o.Reps)} steps after {CharModelBench.Warmup}.");
        var rows = new List<string>();
        double? plainMs = null;
        long? plainParams = null;
        foreach (var side in new[] { "recur-stack", "recur-stack:inputs,states,skip:1" })
        {
            var measurements = new List<Measurement>();
            var notes = new List<string>();
            LastChildLines.Clear();
            if (!RunChildProcess(side, Config.S, o with { Reps = Math.Max(20, o.Reps) }, measurements, new Dictionary<(string, string), long>(), notes)) return 1;
            var m = measurements.Single();
            long parameters = long.Parse(LastChildLines.First(l => l.StartsWith("parameters ")).Split(' ')[1]);
            plainMs ??= m.Ms;
            plainParams ??= parameters;
            rows.Add(FormattableString.Invariant($"| {m.Mode} | {parameters:N0} | {parameters / (double)plainParams:F2} | {m.Ms:F1} | {m.Ms / plainMs:F2} | {CharModelBench.Seq * CharModelBench.Batch / m.Ms * 1000:N0} |"));
        }
        var table = string.Join(Environment.NewLine, new[] { "| interconnect | parameters | vs plain | ms per step | vs plain | tokens/s |", "| --- | ---: | ---: | ---: | ---: | ---: |" }.Concat(rows));
        Console.WriteLine();
        Console.WriteLine(table);
        if (!o.Write || FindRepoRoot() is not { } root) return 0;
        var path = Path.Combine(root, "Tests", "Benchmarks", "RESULTS-stacks.md");
        File.WriteAllText(path, $"# A 3-layer stack, plain and interconnected{Environment.NewLine}{Environment.NewLine}" +
            $"Written by `dotnet run -c Release --project Tests/Benchmarks -- --stacks` on {machine}; {o.Threads} threads; median of {Math.Max(20, o.Reps)} training steps after {CharModelBench.Warmup}. " +
            $"The README's character model with three LSTM layers of 256 (embedding 64, dropout 0.1, 100 × 32 characters, Adam); interconnected, layers 1 and 2 also read the embedding, the layer below's C at every step and, skipping one layer, the output two layers down (the embedding under layer 1).{Environment.NewLine}{Environment.NewLine}{table}{Environment.NewLine}");
        Console.WriteLine($"Wrote {path}");
        return 0;
    }

    private static int RunParent(Options o)
    {
        var configs = o.Quick ? new[] { Config.S } : new[] { Config.S, Config.M };
        var machine = $"{Environment.ProcessorCount} cores, {CpuName()}, {DateTime.UtcNow:yyyy-MM-dd}";
        Console.WriteLine($"Recur vs libtorch on the CPU: {machine}; {o.Threads} threads each; median of {o.Reps} runs after 5 warm-ups.");
        var measurements = new List<Measurement>();
        var peaks = new Dictionary<(string, string), long>();
        var notes = new List<string>();
        foreach (var c in configs)
            foreach (var side in new[] { "recur", "torch" })
            {
                if (side == "torch" && !o.Cells.Any(TorchSide.Cells.Contains)) continue;
                Console.WriteLine($"[{c.Name}: seq {c.Steps}, batch {c.Batch}, input {c.Input}, hidden {c.Hidden}] running {(side == "recur" ? "Recur" : "libtorch")}...");
                if (!RunChildProcess(side, c, o, measurements, peaks, notes)) return 1;
            }

        Console.WriteLine();
        foreach (var m in measurements.Where(m => m.Side == "recur"))
            Console.WriteLine(FormattableString.Invariant($"result {m.Cell} {m.Mode} {m.Config} {m.Ms:F2}"));
        foreach (var m in measurements.Where(m => m.Side == "torch"))
            Console.WriteLine(FormattableString.Invariant($"libtorch {m.Cell} {m.Mode} {m.Config} {m.Ms:F2}"));
        var rows = new List<string>();
        foreach (var r in measurements.Where(m => m.Side == "recur"))
        {
            var t = measurements.FirstOrDefault(m => m.Side == "torch" && m.Cell == r.Cell && m.Mode == r.Mode && m.Config == r.Config);
            var lstm = measurements.FirstOrDefault(m => m.Side == "recur" && m.Cell == "Lstm" && m.Mode == r.Mode && m.Config == r.Config);
            var c = Config.ByName(r.Config);
            double tokens = c.Steps * c.Batch / (r.Ms / 1000);
            string peer = t is null ? "— | —" : FormattableString.Invariant($"{t.Ms:F2} | **{t.Ms / r.Ms:F2}**");
            string vsLstm = lstm is null ? "—" : FormattableString.Invariant($"{r.Ms / lstm.Ms:F2}");
            if (t is not null) Console.WriteLine(FormattableString.Invariant($"ratio {r.Cell} {r.Mode} {r.Config} libtorch/recur = {t.Ms / r.Ms:F2}"));
            rows.Add(FormattableString.Invariant($"| {r.Cell} | {r.Mode} | {r.Config} | {r.Ms:F2} | {vsLstm} | {peer} | {tokens:N0} |"));
        }
        foreach (var c in configs)
        {
            var lstm = measurements.FirstOrDefault(m => m.Side == "recur" && m.Cell == "Lstm" && m.Mode == "fwdbwd" && m.Config == c.Name);
            if (lstm is null) continue;
            foreach (var m in measurements.Where(m => m.Side == "recur" && m.Mode == "fwdbwd" && m.Config == c.Name && m.Cell != "Lstm"))
                Console.WriteLine(FormattableString.Invariant($"cost {m.Cell} fwdbwd {c.Name} vs Lstm = {m.Ms / lstm.Ms:F2}"));
        }
        foreach (var ((side, config), bytes) in peaks)
            Console.WriteLine(FormattableString.Invariant($"peak {side} {config} {bytes / (1024.0 * 1024):F0} MiB"));

        if (o.Write) WriteResults(o, machine, rows, measurements, peaks, notes, configs);
        return 0;
    }

    /// <summary>What the children printed besides measurements (a model's parameter count).</summary>
    private static readonly List<string> LastChildLines = new();

    private static bool RunChildProcess(string side, Config c, Options o, List<Measurement> measurements, Dictionary<(string, string), long> peaks, List<string> notes)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        var cells = side == "torch" ? o.Cells.Where(TorchSide.Cells.Contains) : side.EndsWith("charmodel") ? new[] { "Lstm" } : o.Cells;
        foreach (var a in new[] { "--child", side, "--config", c.Name, "--threads", o.Threads.ToString(), "--reps", o.Reps.ToString(), "--cells", string.Join(",", cells) })
            psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = o.Threads.ToString();
        psi.Environment["OPENBLAS_NUM_THREADS"] = o.Threads.ToString();
        if (o.OpenBlasAutodetect && side == "recur")
        {
            // Some machines pin OpenBLAS to its Haswell kernels (older builds misbehave on newer CPUs); this lets it pick its own.
            psi.Environment.Remove("OPENBLAS_CORETYPE");
            psi.Environment.Remove("OPENBLAS_L2_SIZE");
        }
        using var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.WriteLine("  " + line); lock (notes) notes.Add(line); } };
        p.BeginErrorReadLine();
        string? l;
        while ((l = p.StandardOutput.ReadLine()) is not null)
        {
            var f = l.Split(' ');
            if (f[0] == "measure")
            {
                var m = new Measurement(f[1], f[2], f[3], f[4], double.Parse(f[5], CultureInfo.InvariantCulture));
                measurements.Add(m);
                Console.WriteLine(FormattableString.Invariant($"  {m.Cell,-14} {m.Mode,-7} {m.Ms,9:F2} ms"));
            }
            else if (f[0] == "peak") peaks[(f[1], f[2])] = long.Parse(f[3]);
            else
            {
                Console.WriteLine("  " + l);
                LastChildLines.Add(l);
            }
        }
        p.WaitForExit();
        if (p.ExitCode != 0) Console.Error.WriteLine($"The {side} side failed (exit code {p.ExitCode}); see its output above.");
        return p.ExitCode == 0;
    }

    private static void WriteResults(Options o, string machine, List<string> rows, List<Measurement> measurements,
        Dictionary<(string, string), long> peaks, List<string> notes, Config[] configs)
    {
        var root = FindRepoRoot();
        if (root is null) { Console.WriteLine("RESULTS.md not written: run from inside the repository."); return; }
        var path = Path.Combine(root, "Tests", "Benchmarks", o.OpenBlasAutodetect ? "RESULTS-autodetect.md" : "RESULTS.md");
        var sb = new StringBuilder();
        sb.AppendLine("# CPU benchmark: Recur vs libtorch");
        sb.AppendLine();
        sb.AppendLine($"Written by `dotnet run -c Release --project Tests/Benchmarks{(o.Quick ? " -- --quick" : "")}` on {machine}.");
        sb.AppendLine(o.OpenBlasAutodetect
            ? "Recur's OpenBLAS chose its own kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment)."
            : $"OpenBLAS as the environment configures it (OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}).");
        sb.AppendLine($"Both sides: {o.Threads} threads, float32, median of {o.Reps} runs after 5 warm-ups, each side in its own process.");
        sb.AppendLine("Configurations: " + string.Join("; ", configs.Select(c => $"{c.Name} = seq {c.Steps}, batch {c.Batch}, input {c.Input}, hidden {c.Hidden}")) + ".");
        sb.AppendLine("`fwd` is inference (no stored activations, no_grad for libtorch); `fwdbwd` is a training forward plus backward to inputs and all parameters.");
        sb.AppendLine("libtorch's Lstm, Gru and BasicRnn are nn.LSTM, nn.GRU and nn.RNN; its LayerNormLstm and Jzs1 are composed from ops in a loop; the other cells have no libtorch counterpart here (—). libtorch/Recur > 1: Recur is faster.");
        sb.AppendLine("`vs Lstm` is the cell's time over our Lstm's in the same mode and configuration (HyperLstm: 128 hyper units, embeddings of 4; ProjectedPeepholeLstm: projection to hidden/2; MultiTransformGru: 3 transforms).");
        if (!o.OpenBlasAutodetect)
            sb.AppendLine("Where the environment pins OpenBLAS's kernels, `-- --openblas-autodetect` runs Recur with the kernels OpenBLAS picks itself and writes RESULTS-autodetect.md.");
        sb.AppendLine();
        sb.AppendLine("| cell | mode | config | Recur ms | vs Lstm | libtorch ms | libtorch/Recur | Recur tokens/s |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows) sb.AppendLine(r);
        sb.AppendLine();
        sb.AppendLine("Peak resident memory of each side's process:");
        sb.AppendLine();
        foreach (var ((side, config), bytes) in peaks.OrderBy(p => p.Key.Item2).ThenBy(p => p.Key.Item1))
            sb.AppendLine(FormattableString.Invariant($"- {config}, {(side == "recur" ? "Recur" : "libtorch")}: {bytes / (1024.0 * 1024):F0} MiB"));
        sb.AppendLine();
        sb.AppendLine("Backends as the run reported them:");
        sb.AppendLine();
        foreach (var n in notes.Distinct()) sb.AppendLine("- " + n);
        File.WriteAllText(path, sb.ToString());
        Console.WriteLine($"Wrote {path}");
    }

    private static string? FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var d = new DirectoryInfo(start);
            while (d is not null && !File.Exists(Path.Combine(d.FullName, "Dsl.sln"))) d = d.Parent;
            if (d is not null) return d.FullName;
        }
        return null;
    }

    private static string CpuName()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }
}
