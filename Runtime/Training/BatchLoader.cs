using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Recur;

/// <summary>Hands the trainer its batches, each one prepared while the step before it trained (on a thread-pool thread), or in the
/// step itself when loading ahead is off. It measures how long the training thread waited for them: the part of the step time that
/// loading ahead can remove.</summary>
internal sealed class BatchLoader<T> : IDisposable where T : unmanaged
{
    private readonly ITrainingTask<T> _task;
    private readonly bool _ahead;
    private BatchRequest? _pendingRequest;
    private Task<Func<Tape, BatchLoss<T>>>? _pending;
    private readonly Stopwatch _waited = new();

    public BatchLoader(ITrainingTask<T> task, bool ahead) => (_task, _ahead) = (task, ahead);

    /// <summary>The training thread's time spent waiting for batches (preparing them itself when not loading ahead).</summary>
    public TimeSpan Waited => _waited.Elapsed;

    /// <summary>The batch <paramref name="request"/> names (the one prepared ahead if it is that one), and, loading ahead, starts
    /// preparing <paramref name="next"/> (null: no batch follows).</summary>
    public Func<Tape, BatchLoss<T>> Take(BatchRequest request, BatchRequest? next)
    {
        _waited.Start();
        try
        {
            var batch = _pending is { } pending && _pendingRequest == request ? pending.GetAwaiter().GetResult() : Prepare(request);
            (_pending, _pendingRequest) = (null, null);
            if (_ahead && next is not null) (_pending, _pendingRequest) = (Task.Run(() => _task.Prepare(next)), next);
            return batch;
        }
        finally
        {
            _waited.Stop();
        }
    }

    /// <summary>Prepares a batch on this thread, once a batch being prepared ahead for another request is done (a task prepares one
    /// batch at a time).</summary>
    private Func<Tape, BatchLoss<T>> Prepare(BatchRequest request)
    {
        Drain();
        return _task.Prepare(request);
    }

    /// <summary>Waits for a batch prepared ahead that will not be trained (the run ended first); its failure, if any, is not this run's.</summary>
    private void Drain()
    {
        try { _pending?.Wait(); }
        catch (AggregateException) { }
        (_pending, _pendingRequest) = (null, null);
    }

    public void Dispose() => Drain();
}
