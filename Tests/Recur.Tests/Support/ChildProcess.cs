using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Recur.Tests;

/// <summary>A program of the test's output folder (CharRnn, CheckpointCrash) run as a child process, read line by line, and sent
/// signals, for the tests of what survives Ctrl-C and kill -9.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    public ChildProcess(string program, params string[] args) : this(null, program, args) { }

    private ChildProcess(string[]? launcher, string program, string[] args)
    {
        // The SDK tells child processes which dotnet runs them; a plain "dotnet" from PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var psi = new ProcessStartInfo(launcher?[0] ?? dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (launcher is not null)
        {
            foreach (var a in launcher.Skip(1)) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(dotnet);
            // CI machines run as root, which Open MPI refuses unless told twice.
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
            psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        }
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_gate) return _output.ToString(); } }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output so far after the timeout.</summary>
    public void WaitFor(string text, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Output.Contains(text))
        {
            if (_process.HasExited && !Output.Contains(text)) throw new InvalidOperationException($"The child exited ({_process.ExitCode}) before printing '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The child did not print '{text}' within {seconds} s:\n{Output}");
            Thread.Sleep(50);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public const int SigInt = 2, SigKill = 9, SigTerm = 15;

    /// <summary>Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status), as a job started in the background
    /// by a non-interactive shell does; its children inherit that, so a Ctrl-C test cannot run.</summary>
    public static bool IgnoresSigInt
    {
        get
        {
            const string status = "/proc/self/status";
            if (!System.IO.File.Exists(status)) return false;
            foreach (var line in System.IO.File.ReadLines(status))
                if (line.StartsWith("SigIgn:"))
                    return (System.Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
            return false;
        }
    }

    /// <summary><paramref name="program"/> on <paramref name="ranks"/> MPI ranks: <c>mpirun --oversubscribe -np N dotnet program.dll …</c>.</summary>
    public static ChildProcess Mpirun(int ranks, string program, params string[] args) =>
        new(new[] { "mpirun", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture) }, program, args);

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/> (a rank that a launcher started).</summary>
    public static void Kill(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastWin32Error()}.");
    }

    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastWin32Error()}.");
    }

    public int WaitForExit(int seconds = 120)
    {
        if (!_process.WaitForExit(seconds * 1000)) throw new TimeoutException($"The child did not exit within {seconds} s:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
