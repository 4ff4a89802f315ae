using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Recur.Benchmarks;

/// <summary>The parent's handle on a side's process (<see cref="WorkloadServer"/>): one command, one answer.</summary>
internal sealed class SideProcess : IDisposable
{
    private readonly Process _process;

    public SideProcess(string side, int threads, Action<string> note)
    {
        Side = side;
        Threads = threads;
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in new[] { "--serve", side, "--threads", threads.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) note($"{side} ({threads} thread{(threads == 1 ? "" : "s")}): {line}"); };
        _process.BeginErrorReadLine();
    }

    public string Side { get; }
    public int Threads { get; }

    /// <summary>Sends one command and returns the answer's words after its keyword; an <c>error</c> answer throws.</summary>
    public string Ask(string command, string expect)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"The {Side} process ended (exit code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)}) while answering '{command}'.");
        var space = line.IndexOf(' ');
        var (keyword, rest) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
        if (keyword == "error") throw new InvalidOperationException($"{Side} failed '{command}': {rest}");
        if (keyword != expect) throw new InvalidOperationException($"{Side} answered '{line}' to '{command}'.");
        return rest;
    }

    public void Dispose()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(30_000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

/// <summary>A workload measured on one or both sides: each side's median time (the median of its rounds' medians), the paired
/// ratios libtorch/Recur (one per round), the work per repetition and each side's peak memory.</summary>
internal sealed record PairedResult(WorkloadSpec Workload, int Threads, double RecurMs, double? TorchMs, double[] Ratios, double Flops, double Tokens,
    long RecurPeak, long? TorchPeak, string Note)
{
    public double? Ratio => Ratios.Length == 0 ? null : Models.Median(Ratios);
    public string Spread => Ratios.Length == 0 ? "" : FormattableString.Invariant($"{Ratios.Min():F2}–{Ratios.Max():F2}");
    public double RecurTokensPerSecond => Tokens / RecurMs * 1000;
    public double? TorchTokensPerSecond => TorchMs is { } t ? Tokens / t * 1000 : null;
    public double RecurGflops => Flops / RecurMs / 1e6;
    public double? TorchGflops => TorchMs is { } t ? Flops / t / 1e6 : null;
}

/// <summary>Measures a workload on both sides in alternating rounds within one time window: each round, each side runs the same
/// number of repetitions and reports their median, the sides' order flipping every round (Recur first, then libtorch first), so a
/// neighbour's load or the machine's clock falls on both. A ratio is the median of the rounds' paired ratios, given with its range.</summary>
internal sealed class PairedRunner
{
    private const int SettleMs = 100;
    private readonly int _rounds;
    private readonly double _secondsPerRound, _warmSeconds;

    public PairedRunner(int rounds, double secondsPerRound, double warmSeconds = 1.5)
    {
        _rounds = rounds;
        _secondsPerRound = secondsPerRound;
        _warmSeconds = warmSeconds;
    }

    /// <summary>Measures every workload of <paramref name="plan"/> at <paramref name="threads"/>, each side's process started once for
    /// them all; <paramref name="paired"/> says which workloads libtorch runs too. Prints a line per workload as it goes.</summary>
    public List<PairedResult> MeasureAll(IReadOnlyList<WorkloadSpec> plan, int threads, List<string> notes, Func<WorkloadSpec, bool> paired)
    {
        void Note(string n) { lock (notes) notes.Add(n); }
        using var recur = new SideProcess("recur", threads, Note);
        using var torch = plan.Any(paired) ? new SideProcess("torch", threads, Note) : null;
        var results = new List<PairedResult>();
        for (int i = 0; i < plan.Count; i++)
        {
            var w = plan[i];
            Console.Write($"[{threads} thread{(threads == 1 ? "" : "s")} {i + 1}/{plan.Count}] {w,-28}");
            var r = Measure(w, recur, paired(w) ? torch : null);
            results.Add(r);
            Console.WriteLine(FormattableString.Invariant($" Recur {r.RecurMs,9:F3} ms") +
                              (r.TorchMs is { } t ? FormattableString.Invariant($"  libtorch {t,9:F3} ms  libtorch/Recur {r.Ratio:F2} ({r.Spread})") : "") +
                              (r.Flops > 0 ? FormattableString.Invariant($"  {r.RecurGflops:F0} GFLOP/s") : "") + (r.Note.Length > 0 ? "  " + r.Note : ""));
        }
        return results;
    }

    public PairedResult Measure(WorkloadSpec workload, SideProcess recur, SideProcess? torch)
    {
        var sides = torch is null ? new[] { recur } : new[] { recur, torch };
        var ready = sides.Select(s => s.Ask($"setup {workload}", "ready").Split(' ', 3)).ToArray();
        double flops = double.Parse(ready[0][0], CultureInfo.InvariantCulture), tokens = double.Parse(ready[0][1], CultureInfo.InvariantCulture);
        // Unmeasured repetitions for a second or more: the first pays for first-touch memory and the JIT, and .NET's tiered JIT
        // replaces the first code of the runtime's hot methods with optimized code only after some thirty calls. The last one
        // sizes the rounds.
        double slowest = sides.Max(Warm);
        int reps = Math.Clamp((int)Math.Round(_secondsPerRound * 1000 / Math.Max(slowest, 1e-3)), 1, 200);
        var medians = sides.ToDictionary(s => s, _ => new List<double>());
        for (int round = 0; round < _rounds; round++)
            foreach (var side in round % 2 == 0 ? sides : sides.Reverse())
            {
                // A pause before each turn: the other side's worker threads (OpenMP's, Recur's) spin for a while after their
                // last job before they sleep, and on a small machine that spinning would be charged to this side.
                System.Threading.Thread.Sleep(SettleMs);
                medians[side].Add(Models.Median(Times(side.Ask($"run {reps}", "times"))));
            }
        var peaks = sides.Select(s => long.Parse(s.Ask("release", "peak"), CultureInfo.InvariantCulture)).ToArray();
        var ratios = torch is null ? Array.Empty<double>() : medians[recur].Zip(medians[torch], (r, t) => t / r).ToArray();
        string note = string.Join("; ", ready.Select((r, i) => r.Length > 2 && r[2].Length > 0 ? $"{sides[i].Side}: {r[2]}" : null).Where(n => n is not null));
        return new PairedResult(workload, recur.Threads, Models.Median(medians[recur]), torch is null ? null : Models.Median(medians[torch]), ratios,
            flops, tokens, peaks[0], torch is null ? null : peaks[1], note);
    }

    private double Warm(SideProcess side)
    {
        double spent = 0, last = 0;
        for (int n = 0; n < 300 && (n < 3 || spent < 1000 * _warmSeconds); n++)
        {
            last = Times(side.Ask("run 1", "times"))[0];
            spent += last;
        }
        return last;
    }

    private static double[] Times(string answer) =>
        answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
}
