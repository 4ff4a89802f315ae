using System;
using System.Diagnostics;
using System.Threading;

namespace Recur;

/// <summary>A few dedicated threads that run chunks of one job at a time, the calling thread taking chunk 0.
/// A recurrent layer hands out two or three jobs per time step, a few microseconds each, so the hand-off must cost well under a
/// microsecond: a job is published by a sequence number (a seqlock: odd while the job's fields are written), idle workers watch
/// it with the CPU's pause instruction, not with system calls, and only after <see cref="SpinMicroseconds"/> without work do they
/// sleep on a monitor, so they leave the cores to other work between passes.</summary>
internal sealed unsafe class CpuWorkers : IDisposable
{
    /// <summary>How long an idle worker keeps watching for the next job before it sleeps.</summary>
    private const int SpinMicroseconds = 200;
    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private delegate*<void*, int, void> _body;
    private void* _state;
    private int _chunks;
    private int _sequence;
    private int _pending;
    private int _sleepers;
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
        // Every participant of the last job has finished (its Run waited for them), so only idle readers can see these writes,
        // and the odd sequence number tells them to read again.
        Volatile.Write(ref _pending, chunks - 1);
        Interlocked.Increment(ref _sequence);
        _body = body;
        _state = state;
        _chunks = chunks;
        Interlocked.Increment(ref _sequence);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);
        body(state, 0);
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _pending) > 0)
        {
            // A chunk takes microseconds; should one take far longer (a preempted worker), stop burning this core.
            if (Stopwatch.GetTimestamp() - start > SpinTicks) Thread.Yield();
            else Thread.SpinWait(1);
        }
    }

    private void Loop(int worker)
    {
        int seen = 0; // the sequence before any job: a job published before this thread started is still run
        long idleSince = Stopwatch.GetTimestamp();
        while (!_stop)
        {
            int sequence = Volatile.Read(ref _sequence);
            if (sequence == seen || (sequence & 1) == 1)
            {
                if (Stopwatch.GetTimestamp() - idleSince < SpinTicks) Thread.SpinWait(1);
                else
                {
                    Sleep(seen);
                    idleSince = Stopwatch.GetTimestamp();
                }
                continue;
            }
            var body = _body;
            var state = _state;
            int chunks = _chunks;
            // Changed while being read (a new job): read it again.
            if (Volatile.Read(ref _sequence) != sequence) continue;
            seen = sequence;
            if (worker < chunks)
            {
                body(state, worker);
                Interlocked.Decrement(ref _pending);
            }
            idleSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Blocks until a job after <paramref name="seen"/> is published. The sleeper count is raised (a full fence) before
    /// the sequence is read again, and the publisher raises the sequence before it reads the count, so one always sees the other.</summary>
    private void Sleep(int seen)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _sleepers);
            while (Volatile.Read(ref _sequence) == seen && !_stop) Monitor.Wait(_gate);
            Interlocked.Decrement(ref _sleepers);
        }
    }

    public void Dispose()
    {
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
