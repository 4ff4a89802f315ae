using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Recur;

/// <summary>Turns Ctrl-C (SIGINT) and SIGTERM into a request the training loop sees between steps, so it can finish the step and
/// save a checkpoint before it stops. A second signal ends the process at once, as usual.</summary>
internal sealed class StopRequest : IDisposable
{
    private readonly PosixSignalRegistration? _interrupt, _terminate;
    private int _signals;

    public StopRequest()
    {
        try
        {
            _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
            _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        }
        catch (PlatformNotSupportedException)
        {
            // Where signals cannot be caught, the run still checkpoints on its schedule.
        }
    }

    public bool Requested => Volatile.Read(ref _signals) > 0;

    /// <summary>The signal that asked to stop, for the message.</summary>
    public string Signal { get; private set; } = "";

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return; // the second one: let it end the process
        Signal = context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : context.Signal.ToString();
        context.Cancel = true;
    }

    public void Dispose()
    {
        _interrupt?.Dispose();
        _terminate?.Dispose();
    }
}
