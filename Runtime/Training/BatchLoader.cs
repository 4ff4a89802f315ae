using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Recur;

/// <summary>Hands the trainer its batches, each one prepared while the step before it trained, on a loader thread of its own, or
/// in the step itself when loading ahead is off. It measures how long the training thread waited for them: the part of the step time
/// that loading ahead can remove.</summary>
/// <remarks>A thread of its own rather than the thread pool: a pool busy with other work (a test host, an application's requests)
/// would start the preparation late or run it inline on the training thread when its batch is due.</remarks>
internal sealed class BatchLoader<T> : IDisposable where T : unmanaged
{
    private readonly ITrainingTask<T> _task;
    private readonly Thread? _thread;
    private readonly SemaphoreSlim _work = new(0);
    private readonly Stopwatch _waited = new();
    // The one batch being prepared ahead: set by the training thread before it signals the loader, read by the loader after.
    private BatchRequest? _pendingRequest;
    private TaskCompletionSource<Func<Tape, BatchLoss<T>>>? _pending;
    private volatile bool _stopping;

    public BatchLoader(ITrainingTask<T> task, bool ahead)
    {
        _task = task;
        if (!ahead) return;
        _thread = new Thread(Load) { IsBackground = true, Name = "Recur batch loader" };
        _thread.Start();
    }

    /// <summary>The training thread's time spent waiting for batches (preparing them itself when not loading ahead).</summary>
    public TimeSpan Waited => _waited.Elapsed;

    /// <summary>The batch <paramref name="request"/> names (the one prepared ahead if it is that one), and, loading ahead, starts
    /// preparing <paramref name="next"/> (null: no batch follows).</summary>
    public Func<Tape, BatchLoss<T>> Take(BatchRequest request, BatchRequest? next)
    {
        _waited.Start();
        try
        {
            Func<Tape, BatchLoss<T>> batch;
            if (_pending is { } pending && _pendingRequest == request)
            {
                batch = pending.Task.GetAwaiter().GetResult();
                (_pending, _pendingRequest) = (null, null);
            }
            else
            {
                // A task prepares one batch at a time: let one being prepared for another request finish first.
                Drain();
                batch = _task.Prepare(request);
            }
            if (_thread is not null && next is not null)
            {
                (_pendingRequest, _pending) = (next, new TaskCompletionSource<Func<Tape, BatchLoss<T>>>(TaskCreationOptions.RunContinuationsAsynchronously));
                _work.Release();
            }
            return batch;
        }
        finally
        {
            _waited.Stop();
        }
    }

    private void Load()
    {
        while (true)
        {
            _work.Wait();
            if (_stopping) return;
            var (request, done) = (_pendingRequest!, _pending!);
            try { done.SetResult(_task.Prepare(request)); }
            catch (Exception e) { done.SetException(e); }
        }
    }

    /// <summary>Waits for a batch prepared ahead that will not be trained (the run ended first); its failure, if any, is not this run's.</summary>
    private void Drain()
    {
        try { _pending?.Task.Wait(); }
        catch (AggregateException) { }
        (_pending, _pendingRequest) = (null, null);
    }

    public void Dispose()
    {
        Drain();
        if (_thread is null) return;
        _stopping = true;
        _work.Release();
        _thread.Join();
        _work.Dispose();
    }
}
