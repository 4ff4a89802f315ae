using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using static Recur.Benchmarks.Models;

namespace Recur.Benchmarks;

/// <summary>The main benchmark: GEMM probes, every cell's layer (S, M, L), the model workloads (batch-1 generation, the README
/// model's training step, the r2rt tutorial's small models), at each thread count, Recur and libtorch measured in alternating
/// rounds; then a table with every ratio's median and range, GFLOP/s against the best GEMM the machine showed, peak memory, and
/// the issue's targets, met or not.</summary>
internal static class SpeedReport
{
    /// <summary>The products of a recurrent layer at S, M and L: per-step (B × 4H × H), input (T·B × 4H × In), gradient into the
    /// input (T·B × In × 4H) and weight gradient (4H × H × T·B).</summary>
    private static IEnumerable<string> Products(Config c)
    {
        int g = 4 * c.Hidden, rows = c.Steps * c.Batch;
        yield return $"nt {c.Batch} {g} {c.Hidden}";
        yield return $"nt {rows} {g} {c.Input}";
        yield return $"nn {rows} {c.Input} {g}";
        yield return $"tn {g} {c.Hidden} {rows}";
    }

    public static IEnumerable<WorkloadSpec> Plan(bool quick, int threads, bool mostThreads, string[] cells)
    {
        var peers = cells.Where(TorchWorkloads.Cells.Contains).ToArray();
        var configs = quick ? new[] { Config.S } : new[] { Config.S, Config.M };
        var products = (quick ? new[] { Config.S } : Config.All).SelectMany(Products).ToArray();
        foreach (var p in products) yield return WorkloadSpec.Parse("gemm " + p);
        if (mostThreads)
            foreach (var p in products)
            {
                yield return WorkloadSpec.Parse("gemm-avx2 " + p);
                yield return WorkloadSpec.Parse("gemm-openblas " + p);
            }
        // At the most threads every cell; at fewer, the cells libtorch has, to show the growth with cores.
        var layerCells = mostThreads ? cells : peers.Where(c => c is "Lstm" or "Gru").ToArray();
        foreach (var c in configs)
            foreach (var cell in layerCells)
                foreach (var mode in new[] { "fwd", "fwdbwd" })
                    yield return WorkloadSpec.Cell(cell, mode, c);
        foreach (var cell in peers.Where(c => c is "Lstm" or "Gru"))
            foreach (var c in quick ? new[] { Config.M } : new[] { Config.L })
                foreach (var mode in new[] { "fwd", "fwdbwd" })
                    yield return WorkloadSpec.Cell(cell, mode, c);
        yield return new WorkloadSpec("generate");
        yield return new WorkloadSpec("charmodel");
        foreach (var cell in quick ? new[] { "Lstm" } : new[] { "Gru", "Lstm", "LayerNormLstm" })
            yield return new WorkloadSpec("small", cell);
    }

    public static int Run(bool quick, int[] threadCounts, string[] cells, int rounds, string[] only, bool write)
    {
        var machine = Machine.Describe();
        var runner = new PairedRunner(rounds, quick ? 0.3 : 0.6);
        Console.WriteLine($"Recur vs libtorch on the CPU: {machine}; threads {string.Join(" and ", threadCounts)}; {rounds} alternating rounds per workload.");
        var notes = new List<string>();
        var results = new List<PairedResult>();
        int most = threadCounts.Max();
        foreach (var threads in threadCounts.OrderByDescending(t => t))
        {
            var plan = Plan(quick, threads, threads == most, cells)
                .Where(w => only.Length == 0 || only.Any(o => w.Kind.StartsWith(o, StringComparison.Ordinal))).ToList();
            if (plan.Count == 0) continue;
            results.AddRange(runner.MeasureAll(plan, threads, notes, w => w.Kind is not ("gemm-avx2" or "gemm-openblas") && TorchWorkloads.Has(w)));
        }
        Program.Write(write && only.Length == 0, quick ? "RESULTS-quick.md" : "RESULTS.md", Render(quick, machine, rounds, results, notes));
        return 0;
    }

    private static string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);
    private static string Mib(long? bytes) => bytes is { } b ? F(b / (1024.0 * 1024), "F0") : "—";

    /// <summary>The best rate any GEMM showed at each thread count (Recur's, OpenBLAS's, the managed one's or libtorch's).</summary>
    private static Dictionary<int, double> BestGemm(List<PairedResult> results) => results
        .Where(r => r.Workload.Kind.StartsWith("gemm", StringComparison.Ordinal))
        .GroupBy(r => r.Threads)
        .ToDictionary(g => g.Key, g => g.Max(r => Math.Max(r.RecurGflops, r.TorchGflops ?? 0)));

    public static string Render(bool quick, string machine, int rounds, List<PairedResult> results, List<string> notes)
    {
        var best = BestGemm(results);
        var sb = new StringBuilder();
        sb.AppendLine("# CPU benchmark: Recur vs libtorch");
        sb.AppendLine();
        sb.AppendLine($"Written by `dotnet run -c Release --project Tests/Benchmarks{(quick ? " -- --quick" : "")}` on {machine}.");
        sb.AppendLine($"Each side runs in its own process, kept alive for the whole run (float32, the same thread count on both; OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}). " +
                      $"Every workload is measured in {rounds} rounds within one time window: in each round both sides run the same number of repetitions " +
                      "(sized to a fraction of a second) and report their median, Recur first in odd rounds and libtorch first in even ones. " +
                      "A side's time is the median of its rounds; **libtorch/Recur is the median of the rounds' paired ratios** (> 1: Recur is faster), with their range in brackets.");
        sb.AppendLine("Configurations: " + string.Join("; ", Config.All.Select(c => $"{c.Name} = {c.Describe()}")) + ". " +
                      "`fwd` is inference (no stored activations; no_grad for libtorch), `fwdbwd` a training forward plus backward to the input and every parameter. " +
                      "GFLOP/s counts the layer's matrix products (forward: 2·T·B per weight element; forward + backward: three times that) for both sides, " +
                      "and `% GEMM` is that rate over the best GEMM rate this run measured at the same thread count.");
        sb.AppendLine("libtorch's Lstm, Gru and BasicRnn are nn.LSTM, nn.GRU and nn.RNN; its LayerNormLstm and Jzs1 are composed from ops in a loop; the other cells have no libtorch counterpart here (—). " +
                      "`vs Lstm` is the cell's time over our Lstm's in the same mode, configuration and thread count (HyperLstm: 128 hyper units, embeddings of 4; ProjectedPeepholeLstm: projection to hidden/2; MultiTransformGru: 3 transforms).");
        sb.AppendLine();

        sb.AppendLine("## Targets");
        sb.AppendLine();
        sb.AppendLine("| target | measured | met |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var (target, measured, met) in Targets(results, best)) sb.AppendLine($"| {target} | {measured} | {(met is null ? "not measured" : met.Value ? "yes" : "**no**")} |");
        sb.AppendLine();

        sb.AppendLine("## GEMM");
        sb.AppendLine();
        sb.AppendLine("The products a layer runs at S, M and L (`nt`: input and per-step products A·Wᵀ, `nn`: gradient into the operand, `tn`: weight gradient): Recur's GEMM as the CPU device uses it (managed code, no native library), " +
                      "the same GEMM with its AVX2 tile (what a CPU without AVX-512 runs), OpenBLAS (with the kernels OPENBLAS_CORETYPE selects), each in Recur's process, and libtorch's torch.mm.");
        sb.AppendLine();
        sb.AppendLine("| threads | product (m × n × k) | Recur GFLOP/s | Recur, AVX2 tile | OpenBLAS | Recur / OpenBLAS | AVX2 tile / OpenBLAS | libtorch | libtorch/Recur |");
        sb.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results.Where(r => r.Workload.Kind == "gemm"))
        {
            string shape = string.Join(" ", r.Workload.Args);
            PairedResult? Other(string kind) => results.FirstOrDefault(o => o.Workload.Kind == kind && o.Threads == r.Threads && string.Join(" ", o.Workload.Args) == shape);
            var avx2 = Other("gemm-avx2");
            var openblas = Other("gemm-openblas");
            var a = r.Workload.Args;
            sb.AppendLine($"| {r.Threads} | {a[0]} {a[1]} × {a[2]} × {a[3]} | {F(r.RecurGflops, "F0")} | {(avx2 is null ? "—" : F(avx2.RecurGflops, "F0"))} | " +
                          $"{(openblas is null ? "—" : F(openblas.RecurGflops, "F0"))} | {(openblas is null ? "—" : F(r.RecurGflops / openblas.RecurGflops))} | {(avx2 is null || openblas is null ? "—" : F(avx2.RecurGflops / openblas.RecurGflops))} | " +
                          $"{(r.TorchGflops is { } t ? F(t, "F0") : "—")} | {(r.Ratio is { } q ? $"{F(q)} ({r.Spread})" : "—")} |");
        }
        sb.AppendLine();
        sb.AppendLine("Best GEMM rate measured: " + string.Join("; ", best.OrderBy(b => b.Key).Select(b => $"{b.Key} thread{(b.Key == 1 ? "" : "s")}: {F(b.Value, "F0")} GFLOP/s")) + ".");
        sb.AppendLine();

        sb.AppendLine("## Layers");
        sb.AppendLine();
        sb.AppendLine("| cell | mode | config | threads | Recur ms | libtorch ms | libtorch/Recur | Recur GFLOP/s (% GEMM) | libtorch GFLOP/s (% GEMM) | vs Lstm | Recur tokens/s | peak MiB Recur / libtorch |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results.Where(r => r.Workload.Kind == "cell"))
        {
            var (cell, mode, config) = (r.Workload.Args[0], r.Workload.Args[1], r.Workload.Args[2]);
            var lstm = results.FirstOrDefault(o => o.Workload.Kind == "cell" && o.Workload.Args[0] == "Lstm" && o.Workload.Args[1] == mode && o.Workload.Args[2] == config && o.Threads == r.Threads);
            double g = best.GetValueOrDefault(r.Threads, double.NaN);
            string Rate(double? rate) => rate is { } v ? $"{F(v, "F0")} ({F(100 * v / g, "F0")} %)" : "—";
            sb.AppendLine($"| {cell} | {mode} | {config} | {r.Threads} | {F(r.RecurMs)} | {(r.TorchMs is { } t ? F(t) : "—")} | {(r.Ratio is { } q ? $"**{F(q)}** ({r.Spread})" : "—")} | " +
                          $"{Rate(r.RecurGflops)} | {Rate(r.TorchGflops)} | {(lstm is null ? "—" : F(r.RecurMs / lstm.RecurMs))} | {F(r.RecurTokensPerSecond, "N0")} | {Mib(r.RecurPeak)} / {Mib(r.TorchPeak)} |");
        }
        sb.AppendLine();

        sb.AppendLine("## Models");
        sb.AppendLine();
        sb.AppendLine($"`generate`: batch-1 sampling of {GenerateTokens} characters from a {GenerateLayers} × {GenerateHidden} LSTM character model (embedding {CharEmbed}), one step at a time with the state carried (libtorch: nn.Embedding, nn.LSTM, nn.Linear, softmax, multinomial per step). " +
                      $"`charmodel`: a training step of the README's main command's model (embedding {CharEmbed} → {CharLayers} × LSTM {CharHidden}, dropout {CharDropout} → dense; {CharSeq} × {CharBatch} characters; cross-entropy, Adam, clip 5). " +
                      $"`small`: the r2rt tutorial's model ({SmallLayers} layers × {SmallHidden} units, embedding {SmallEmbed}, batch {SmallBatch}, {SmallSeq} steps, Adam), a training step; libtorch's LayerNormLstm is composed from ops.");
        sb.AppendLine();
        sb.AppendLine("| workload | threads | Recur ms | libtorch ms | Recur tokens/s | libtorch tokens/s | Recur / libtorch speed | peak MiB Recur / libtorch | |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results.Where(r => r.Workload.Kind is "generate" or "charmodel" or "small"))
            sb.AppendLine($"| {r.Workload} | {r.Threads} | {F(r.RecurMs)} | {(r.TorchMs is { } t ? F(t) : "—")} | {F(r.RecurTokensPerSecond, "N0")} | {(r.TorchTokensPerSecond is { } tt ? F(tt, "N0") : "—")} | " +
                          $"{(r.Ratio is { } q ? $"**{F(q)}** ({r.Spread})" : "—")} | {Mib(r.RecurPeak)} / {Mib(r.TorchPeak)} | {r.Note} |");
        sb.AppendLine();
        sb.AppendLine("Backends as the run reported them:");
        sb.AppendLine();
        foreach (var n in notes.Where(n => !n.Contains("parameters", StringComparison.Ordinal)).Distinct()) sb.AppendLine("- " + n);
        return sb.ToString();
    }

    /// <summary>The issue's targets (#14), each with what this run measured and whether it is met; not measured when the run did not
    /// include the workload.</summary>
    private static IEnumerable<(string Target, string Measured, bool? Met)> Targets(List<PairedResult> results, Dictionary<int, double> best)
    {
        int most = results.Count == 0 ? 2 : results.Max(r => r.Threads);
        PairedResult? Find(string spec, int threads) => results.FirstOrDefault(r => r.Workload.ToString() == spec && r.Threads == threads);
        (string, bool?) Ratio(string spec, double goal, int threads)
        {
            var r = Find(spec, threads);
            return r?.Ratio is { } q ? ($"{F(q)} ({r.Spread})", q >= goal) : ("—", null);
        }
        foreach (var (spec, goal) in new[] { ("cell Lstm fwd S", 1.0), ("cell Lstm fwd M", 1.0), ("cell Lstm fwdbwd S", 1.3), ("cell Lstm fwdbwd M", 1.2) })
        {
            var (m, met) = Ratio(spec, goal, most);
            yield return ($"{spec}, {most} threads: libtorch/Recur ≥ {F(goal, "F1")}", m, met);
        }
        foreach (var (spec, _) in new[] { ("cell Lstm fwd S", 0), ("cell Lstm fwd M", 0) })
        {
            var (m, met) = Ratio(spec, 1.3, most);
            yield return ($"(stretch) {spec}, {most} threads: ≥ 1.3", m, met);
        }
        var others = results.Where(r => r.Workload.Kind == "cell" && r.Workload.Args[0] != "Lstm" && r.Ratio is not null).ToList();
        if (others.Count > 0)
        {
            var worst = others.MinBy(r => r.Ratio!.Value)!;
            yield return ("every other cell with a libtorch counterpart keeps its lead (libtorch/Recur > 1)", $"lowest: {worst.Workload}, {worst.Threads} threads: {F(worst.Ratio!.Value)} ({worst.Spread})", worst.Ratio > 1);
        }
        foreach (var config in new[] { "M", "L" })
            foreach (var threads in results.Select(r => r.Threads).Distinct().OrderByDescending(t => t))
            {
                var r = Find($"cell Lstm fwdbwd {config}", threads);
                if (r is null || !best.TryGetValue(threads, out var g)) continue;
                double share = r.RecurGflops / g;
                yield return ($"Lstm fwdbwd {config}, {threads} thread{(threads == 1 ? "" : "s")}: ≥ 70 % of the best GEMM rate", $"{F(r.RecurGflops, "F0")} of {F(g, "F0")} GFLOP/s = {F(100 * share, "F0")} %", share >= 0.7);
            }
        foreach (var cell in new[] { "Gru", "Lstm", "LayerNormLstm" })
        {
            var (m, met) = Ratio($"small {cell}", 2.0, most);
            yield return ($"r2rt small model ({cell}), {most} threads: Recur tokens/s ≥ 2 × libtorch's", m, met);
        }
        {
            var (m, met) = Ratio("generate", 2.0, most);
            yield return ($"generation, batch 1, {most} threads: ≥ 2 × libtorch's tokens/s", m, met);
            (m, met) = Ratio("charmodel", 1.3, most);
            yield return ($"the main job's training step, {most} threads: ≥ 1.3 × libtorch's tokens/s", m, met);
        }
        var paired = results.Where(r => r.TorchPeak is not null && r.Workload.Kind is not "gemm").ToList();
        if (paired.Count > 0)
        {
            var over = paired.Where(r => r.RecurPeak >= r.TorchPeak).ToList();
            yield return ("peak memory below libtorch's in every configuration", over.Count == 0 ? $"all {paired.Count} below"
                : $"{over.Count} of {paired.Count} not below: " + string.Join(", ", over.Select(r => $"{r.Workload} ({r.Threads}t: {Mib(r.RecurPeak)} vs {Mib(r.TorchPeak)} MiB)")), over.Count == 0);
        }
        // Without OpenBLAS a fresh machine runs Recur's own GEMM: it must not be the slow path.
        foreach (var (kind, text) in new[] { ("gemm", "Recur's GEMM (managed code) ≥ 90 % of OpenBLAS on every product"), ("gemm-avx2", "its AVX2 tile ≥ 90 % of OpenBLAS on every product") })
        {
            var shares = results.Where(r => r.Workload.Kind == kind)
                .Select(m => (m, o: results.FirstOrDefault(o => o.Workload.Kind == "gemm-openblas" && o.Threads == m.Threads && string.Join(" ", o.Workload.Args) == string.Join(" ", m.Workload.Args))))
                .Where(p => p.o is not null).Select(p => (p.m, share: p.m.RecurGflops / p.o!.RecurGflops)).ToList();
            if (shares.Count == 0) continue;
            var worst = shares.MinBy(s => s.share);
            yield return (text, $"lowest {F(100 * worst.share, "F0")} % ({string.Join(" ", worst.m.Workload.Args)}, {worst.m.Threads} threads)", worst.share >= 0.9);
        }
    }
}

/// <summary>What the reports say about where they ran.</summary>
internal static class Machine
{
    public static string Describe() => $"{Environment.ProcessorCount} cores, {CpuName()}, {DateTime.UtcNow:yyyy-MM-dd}";

    public static string? RepoRoot()
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
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
            return (line?.Split(':', 2)[1].Trim() ?? "unknown CPU") + (flags.Contains(" avx512f", StringComparison.Ordinal) ? " (AVX-512)" : flags.Contains(" avx2", StringComparison.Ordinal) ? " (AVX2)" : "");
        }
        catch (IOException) { return "unknown CPU"; }
    }
}
