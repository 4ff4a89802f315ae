using System;
using System.IO;
using Recur;

namespace Recur.Examples;

/// <summary>How the examples train with --distributed (compiled into each example): the device (on the CPU, the machine's cores
/// shared among the ranks on it), the MPI job joined, only rank 0 printing, and a rank that fails ending the whole job with its
/// message instead of leaving the others waiting for it.</summary>
internal static class DataParallelRun
{
    public static int Run(bool distributed, string deviceName, int threads, Func<Device, DataParallel?, int> train)
    {
        int cores = threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount / (distributed ? DataParallel.LocalSize : 1));
        using var device = deviceName == "cpu" ? Device.Cpu(cores) : Device.FromName(deviceName);
        using var parallel = distributed ? DataParallel.Start(device) : null;
        if (parallel is not null) Console.Error.WriteLine($"rank {parallel.Rank} of {parallel.Size}: pid {Environment.ProcessId}, {device.Name}, {device.Threads} thread(s)");
        if (parallel is { IsRoot: false }) Console.SetOut(TextWriter.Null);
        try
        {
            return train(device, parallel);
        }
        catch (Exception e) when (parallel is not null)
        {
            parallel.Abort($"{e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    /// <summary>The command that resumes a run, as it was started.</summary>
    public static string ResumeCommand(string project, string dir, DataParallel? parallel) => parallel is null
        ? $"dotnet run -c Release --project Examples/{project} -- --resume \"{dir}\""
        : $"mpirun -np {parallel.Size} dotnet run -c Release --no-build --project Examples/{project} -- --distributed --resume \"{dir}\"";
}
