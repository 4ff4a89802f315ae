using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Recur.Examples;

namespace Recur.GpuCheck;

/// <summary>Runs every check the CUDA path needs on one device and writes gpu-check.json and gpu-check.md:
///   recur-gpu-check --device cuda --out results --peer results/peer.json     (on a GPU machine; see run.sh and pack.sh)
///   dotnet run --project Tests/GpuCheck -c Release -- --device ilgpu-cpu --size tiny   (.ci/run: ILGPU's CPU accelerator runs the
///                                                                                       very kernels CUDA runs)
/// Exit code 0 when every check passed, 1 when one failed, 2 on a usage mistake.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var device = new Option<string>("--device") { Description = "cuda, cuda:N or ilgpu-cpu (default cuda)", DefaultValueFactory = _ => "cuda" };
        var size = new Option<string>("--size") { Description = "full (the GPU run) or tiny (seconds, for CI on ilgpu-cpu); default full", DefaultValueFactory = _ => "full" };
        size.AcceptOnlyFromAmong("full", "tiny");
        var output = new Option<string>("--out") { Description = "folder for gpu-check.json and gpu-check.md (default gpu-check-results)", DefaultValueFactory = _ => "gpu-check-results" };
        var peer = new Option<string?>("--peer") { Description = "the PyTorch peer's JSON (peer.py), for the ratio table" };
        var skipTimings = new Option<bool>("--no-timings") { Description = "only the correctness checks" };
        var root = new RootCommand("Checks Recur's generated kernels on a device: parity with the CPU, finite differences, composed models, timings.")
            { device, size, output, peer, skipTimings };
        return CommandLine.Run(root, args, p => Run(p.GetValue(device)!, p.GetValue(size) == "tiny", p.GetValue(output)!, p.GetValue(peer), !p.GetValue(skipTimings)));
    }

    private static int Run(string deviceName, bool tiny, string folder, string? peerPath, bool time)
    {
        if (!deviceName.StartsWith("cuda", StringComparison.Ordinal) && deviceName != "ilgpu-cpu")
            throw new ArgumentException($"--device takes cuda, cuda:N or ilgpu-cpu, not '{deviceName}' (the CPU is the reference the device is compared with).");
        List<PeerTiming> peerTimings = new();
        string? peerAbout = null;
        if (peerPath is not null)
        {
            if (File.Exists(peerPath)) peerTimings = Report.ReadPeer(peerPath, out peerAbout);
            else Console.Error.WriteLine($"warning: the peer's results {peerPath} do not exist (did peer.py fail?); timings are reported without ratios.");
        }
        using var device = Device.FromName(deviceName);
        using var cpu = Device.Cpu();
        Console.WriteLine($"Device: {device.Name}; GEMM: {device.GemmName<float>()}; reference: {cpu.Name}; size: {(tiny ? "tiny" : "full")}");
        var watch = Stopwatch.StartNew();
        var checks = new List<CheckResult>();
        void Record(CheckResult c)
        {
            checks.Add(c);
            Console.WriteLine($"  {(c.Passed ? "ok    " : "FAILED")} {c.Kind,-18} {c.Name,-28} error {c.Error:E2} (tolerance {c.Tolerance:E0}){(c.Passed ? "" : "  " + c.Detail)}");
        }
        var cells = CellCase.All;
        // Parity at shapes that exercise the kernels' layouts: a hidden size that is no multiple of a vector or a group, several
        // groups per row on the GPU (hidden above the group size), ragged memories.
        var parity = tiny ? new Sizes(4, 3, 5, 37, 5) : new Sizes(20, 64, 48, 300, 12);
        var fd = new Sizes(3, 2, 3, 5, 4);
        Console.WriteLine($"Parity with the CPU in float ({parity}):");
        foreach (var c in cells) Record(Guard("parity", c.Name, () => Checks.Parity(c, device, cpu, parity)));
        Console.WriteLine($"Finite differences in double on the device ({fd}):");
        foreach (var c in cells) Record(Guard("finite differences", c.Name, () => Checks.FiniteDifferences(c, device, fd, samples: tiny ? 10 : 60)));
        Console.WriteLine("Composed models, trained side by side with the CPU:");
        int steps = tiny ? 6 : 50;
        Record(Guard("model", "character model", () => ModelChecks.CharModel(device, cpu, tiny, steps)));
        Record(Guard("model", "seq2seq with attention", () => ModelChecks.Seq2Seq(device, cpu, tiny, steps)));

        var timings = new List<Timing>();
        if (time)
        {
            Console.WriteLine("Timings (median ms):");
            foreach (var (grid, cell, shape) in Timings.Plan(tiny, cells))
                try
                {
                    foreach (var t in Timings.Measure(device, grid, cell, shape, reps: tiny ? 3 : 10))
                    {
                        timings.Add(t);
                        Console.WriteLine($"  {grid,-9} {cell,-22} {t.Mode,-7} {shape,-22} {t.Ms,10:F3}");
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Record(new CheckResult("timing", $"{grid} {cell} {shape}", double.PositiveInfinity, 0, $"{e.GetType().Name}: {e.Message}"));
                }
        }
        Report.Write(folder, device.Name, checks, timings, peerTimings, peerAbout);
        Console.WriteLine();
        Console.WriteLine(Report.Markdown(device.Name, checks, timings, peerTimings, peerAbout));
        int failed = checks.Count(c => !c.Passed);
        Console.WriteLine($"{checks.Count - failed} of {checks.Count} checks passed in {watch.Elapsed.TotalSeconds:F0} s; results in {Path.GetFullPath(folder)}.");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>A check that throws fails with the exception's message, and the others still run.</summary>
    private static CheckResult Guard(string kind, string name, Func<CheckResult> check)
    {
        try { return check(); }
        catch (Exception e) { return new CheckResult(kind, name, double.PositiveInfinity, 0, $"{e.GetType().Name}: {e.Message}".ReplaceLineEndings(" ")); }
    }
}

/// <summary>The shapes a check runs at: steps, batch, input, hidden, and memory positions for attention cells.</summary>
internal sealed record Sizes(int Steps, int Batch, int Input, int Hidden, int Positions)
{
    public override string ToString() => $"T {Steps}, B {Batch}, input {Input}, hidden {Hidden}, memory {Positions}";
}
