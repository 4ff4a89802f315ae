using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Recur.Benchmarks;

internal static class Timing
{
    /// <summary>Median wall time in ms of <paramref name="reps"/> runs after <paramref name="warmup"/> unmeasured ones.</summary>
    public static double MedianMs(Action run, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) run();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
    }

    /// <summary>The process's peak resident memory (VmHWM), in bytes.</summary>
    public static long PeakBytes()
    {
        if (!File.Exists("/proc/self/status")) return Process.GetCurrentProcess().PeakWorkingSet64;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
        return line is null ? Process.GetCurrentProcess().PeakWorkingSet64 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
