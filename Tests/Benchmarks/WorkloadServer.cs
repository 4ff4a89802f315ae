using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Recur.Benchmarks;

/// <summary>A side's process (<c>--serve recur|torch --threads N</c>), kept alive for the whole run so that the two sides can take
/// turns within seconds of each other. It reads one command per line and answers each with one line:
/// <c>setup WORKLOAD</c> → <c>ready FLOPS TOKENS NOTE</c>; <c>run N</c> → <c>times MS MS …</c> (each repetition timed);
/// <c>release</c> → <c>peak BYTES</c> (the most memory the process held since the setup); a failure → <c>error MESSAGE</c>.</summary>
internal static class WorkloadServer
{
    public static int Serve(string side, int threads)
    {
        // The protocol owns standard output: a workload's own printing goes to standard error.
        var protocol = Console.Out;
        Console.SetOut(Console.Error);
        using var recur = side == "recur" ? new RecurWorkloads(threads) : null;
        using var torch = side == "torch" ? new TorchWorkloads(threads) : null;
        if (recur is null && torch is null) throw new ArgumentException($"--serve takes recur or torch, not '{side}'.");
        IWorkload? current = null;
        void Reply(string line)
        {
            protocol.WriteLine(line);
            protocol.Flush();
        }
        string? command;
        while ((command = Console.In.ReadLine()) is not null)
        {
            var words = command.Split(' ', 2);
            try
            {
                switch (words[0])
                {
                    case "setup":
                        current?.Dispose();
                        recur?.Trim();
                        GC.Collect();
                        ResetPeak();
                        var spec = WorkloadSpec.Parse(words[1]);
                        current = recur?.Create(spec) ?? torch!.Create(spec);
                        Reply(FormattableString.Invariant($"ready {current.Flops:R} {current.Tokens:R} {current.Note}"));
                        break;
                    case "run":
                        if (current is null) throw new InvalidOperationException("run before setup");
                        int reps = int.Parse(words[1], CultureInfo.InvariantCulture);
                        var times = new double[reps];
                        for (int i = 0; i < reps; i++)
                        {
                            long start = System.Diagnostics.Stopwatch.GetTimestamp();
                            current.Run();
                            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        }
                        Reply("times " + string.Join(' ', times.Select(t => t.ToString("R", CultureInfo.InvariantCulture))));
                        break;
                    case "release":
                        long peak = PeakBytes();
                        current?.Dispose();
                        current = null;
                        Reply($"peak {peak}");
                        break;
                    default:
                        throw new ArgumentException($"unknown command '{words[0]}'");
                }
            }
            catch (Exception e)
            {
                Reply("error " + (e.GetType().Name + ": " + e.Message).ReplaceLineEndings(" "));
            }
        }
        current?.Dispose();
        return 0;
    }

    /// <summary>The process's peak resident memory (VmHWM), in bytes.</summary>
    private static long PeakBytes()
    {
        if (!File.Exists("/proc/self/status")) return System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>Starts the process's peak-memory count afresh (Linux: writing 5 to /proc/self/clear_refs resets VmHWM to what the
    /// process holds now), so each workload's peak is its own plus what the process keeps between workloads.</summary>
    private static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
