using System;
using System.Threading;

namespace Recur;

/// <summary>A few dedicated threads that run chunks of one job at a time, the calling thread taking chunk 0.
/// Workers spin briefly after a job (steps come back quickly) and then sleep, so they leave the cores to BLAS between steps.</summary>
internal sealed unsafe class CpuWorkers : IDisposable
{
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private delegate*<void*, int, void> _body;
    private void* _state;
    private int _chunks;
    private volatile int _generation;
    private int _pending;
    private volatile bool _stop;
    private int _busy;

    public CpuWorkers(int count)
    {
        Count = count;
        _threads = new Thread[count - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"Recur CPU worker {worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads, the caller included.</summary>
    public int Count { get; }

    /// <summary>Runs <paramref name="body"/>(state, chunk) for every chunk in [0, chunks), chunks ≤ <see cref="Count"/>; returns when all are done.</summary>
    public void Run(int chunks, delegate*<void*, int, void> body, void* state)
    {
        if (chunks > Count) throw new ArgumentOutOfRangeException(nameof(chunks));
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("A Device.Cpu() computes on one thread at a time; give each thread that trains or runs a model its own device.");
        try
        {
            RunJob(chunks, body, state);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void RunJob(int chunks, delegate*<void*, int, void> body, void* state)
    {
        Volatile.Write(ref _pending, chunks - 1);
        lock (_gate)
        {
            _body = body;
            _state = state;
            _chunks = chunks;
            _generation++;
            Monitor.PulseAll(_gate);
        }
        body(state, 0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
    }

    private void Loop(int worker)
    {
        int seen = 0;
        while (true)
        {
            var spin = new SpinWait();
            while (_generation == seen && !_stop && spin.Count < 200) spin.SpinOnce(sleep1Threshold: -1);
            delegate*<void*, int, void> body;
            void* state;
            int chunks;
            lock (_gate)
            {
                while (_generation == seen && !_stop) Monitor.Wait(_gate);
                if (_stop) return;
                // Read the job under the lock, so it always belongs to the generation seen.
                seen = _generation;
                body = _body;
                state = _state;
                chunks = _chunks;
            }
            if (worker >= chunks) continue;
            body(state, worker);
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
