using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Data-parallel training over MPI, as Horovod and PyTorch's DistributedDataParallel do it: every rank holds the whole model
/// and takes its <see cref="Shard"/> of every global batch; after each backward pass the gradients are averaged across ranks in a few
/// large buckets (all-reduce), so every rank applies the same update to the same weights and they stay bit-identical. Started by an
/// MPI launcher (<c>mpirun -np 2 …</c>, <c>srun</c>), which gives each process its rank. On the CPU the buckets go through MPI; on
/// CUDA devices each parameter's gradient is reduced in place on the GPU by NCCL (<c>libnccl.so.2</c>, loaded at run time; MPI still
/// starts the ranks and hands out NCCL's id), not yet in buckets.</summary>
public sealed unsafe class DataParallel : IDisposable
{
    /// <summary>Gradients travel in buckets of about this many bytes: few enough calls that latency does not matter, small enough
    /// that the first bucket's reduction overlaps the copying of the next.</summary>
    public const long BucketBytes = 8 << 20;

    private readonly Mpi _mpi;
    private readonly Nccl? _nccl;
    private readonly Device _device;
    private float[] _bucket = Array.Empty<float>();
    private double[] _bucketDouble = Array.Empty<double>();
    private bool _disposed;

    private DataParallel(Mpi mpi, Device device, Nccl? nccl)
    {
        _mpi = mpi;
        _device = device;
        _nccl = nccl;
        Rank = mpi.Rank;
        Size = mpi.Size;
    }

    /// <summary>True when an MPI launcher started this process (Open MPI's, MPICH's or Slurm's variables are set).</summary>
    public static bool Launched =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null ||
        Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>How many ranks share this machine (what a rank's thread count should be divided by): Open MPI's local size, else 1.</summary>
    public static int LocalSize =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out var n) && n > 0 ? n : 1;

    /// <summary>Joins the job the MPI launcher started: loads Open MPI, initializes it, and on a CUDA device opens an NCCL
    /// communicator. Throws with what to install or how to launch when that is not possible.</summary>
    public static DataParallel Start(Device device)
    {
        if (!Launched)
            throw new InvalidOperationException("Data-parallel training needs its ranks started by MPI: mpirun -np 2 dotnet … (this process has no MPI rank).");
        var mpi = Mpi.Load();
        mpi.Init();
        Nccl? nccl = null;
        if (device.Kind == "cuda")
        {
            try { nccl = Nccl.Open(mpi, device); }
            catch
            {
                mpi.Shutdown();
                throw;
            }
        }
        return new DataParallel(mpi, device, nccl);
    }

    /// <summary>This process's rank, from 0.</summary>
    public int Rank { get; }
    /// <summary>The number of ranks.</summary>
    public int Size { get; }
    /// <summary>True on rank 0, which prints progress and writes checkpoints.</summary>
    public bool IsRoot => Rank == 0;
    /// <summary>This rank's share of every global batch.</summary>
    public Shard Shard => new(Rank, Size);
    /// <summary>What carries the gradients: the MPI library, or NCCL.</summary>
    public string Engine => _nccl is not null ? $"NCCL over {_mpi.Library}" : _mpi.Library;
    /// <summary>Time spent averaging gradients so far (the all-reduce's share of training).</summary>
    public TimeSpan ReduceTime { get; private set; }

    /// <summary>Sets every parameter of <paramref name="model"/> to rank 0's values.</summary>
    public void BroadcastParameters(Part model)
    {
        foreach (var p in model.Parameters.Select(n => n.Parameter))
        {
            var values = p.Read();
            var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
            try
            {
                _mpi.Broadcast((void*)handle.AddrOfPinnedObject(), values.Length, values is float[] ? _mpi.Float : _mpi.Double, root: 0);
            }
            finally
            {
                handle.Free();
            }
            if (!IsRoot) p.Write(values);
        }
    }

    /// <summary>Replaces every gradient of <paramref name="model"/> by its mean over the ranks. Gradients are copied into buckets of
    /// about <see cref="BucketBytes"/>, and each bucket's all-reduce starts as soon as it is full, while the next one fills.</summary>
    public void AverageGradients(Part model)
    {
        var watch = Stopwatch.StartNew();
        var parameters = model.Parameters.Select(n => n.Parameter).Where(p => !p.Frozen).ToList();
        foreach (var group in parameters.GroupBy(p => p.ElementType))
        {
            if (group.Key == typeof(float)) Average(group.Cast<Parameter<float>>().ToList(), ref _bucket, _mpi.Float, 1f / Size);
            else Average(group.Cast<Parameter<double>>().ToList(), ref _bucketDouble, _mpi.Double, 1.0 / Size);
        }
        ReduceTime += watch.Elapsed;
    }

    private void Average<T>(List<Parameter<T>> parameters, ref T[] bucket, IntPtr type, T scale) where T : unmanaged, System.Numerics.INumber<T>
    {
        if (parameters.Count == 0) return;
        if (_nccl is not null)
        {
            foreach (var p in parameters) _nccl.AllReduceAverage(p.Grad, Size);
            return;
        }
        _device.Synchronize();
        long total = parameters.Sum(p => p.Length);
        if (bucket.Length < total) bucket = GC.AllocateUninitializedArray<T>((int)total, pinned: true);
        long perBucket = Math.Max(1, BucketBytes / sizeof(T));
        var pending = new List<(IntPtr Request, long Start, long End)>();
        fixed (T* b = bucket)
        {
            long filled = 0, start = 0;
            foreach (var p in parameters)
            {
                new ReadOnlySpan<T>((T*)p.Grad.LoadEffectiveAddressAsPtr(), (int)p.Length).CopyTo(new Span<T>(b + filled, (int)p.Length));
                filled += p.Length;
                if (filled - start >= perBucket || p == parameters[^1])
                {
                    pending.Add((_mpi.StartAllReduce(b + start, (int)(filled - start), type, _mpi.Sum), start, filled));
                    start = filled;
                }
            }
            foreach (var (request, _, _) in pending) _mpi.Wait(request);
            long at = 0;
            foreach (var p in parameters)
            {
                var src = new Span<T>(b + at, (int)p.Length);
                var dst = new Span<T>((T*)p.Grad.LoadEffectiveAddressAsPtr(), (int)p.Length);
                for (int i = 0; i < src.Length; i++) dst[i] = src[i] * scale;
                at += p.Length;
            }
        }
    }

    /// <summary>Sums small numbers over the ranks (losses, token counts, stop flags); every rank gets the sums.</summary>
    public double[] Sum(params double[] values)
    {
        var copy = values.ToArray();
        fixed (double* p = copy) _mpi.AllReduce(p, copy.Length, _mpi.Double, _mpi.Sum);
        return copy;
    }

    /// <summary>The largest of each number over the ranks; every rank gets them.</summary>
    public double[] Max(params double[] values)
    {
        var copy = values.ToArray();
        fixed (double* p = copy) _mpi.AllReduce(p, copy.Length, _mpi.Double, _mpi.Max);
        return copy;
    }

    /// <summary>Checks that every rank holds bit-for-bit the same weights (a 64-bit hash of every parameter's bytes, compared by
    /// its largest and smallest value over the ranks); throws naming the step when they differ. For tests and for hunting a bug:
    /// it costs a pass over the weights.</summary>
    public void VerifyReplicas(Part model, int step)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var p in model.Parameters.Select(n => n.Parameter))
        {
            var values = p.Read();
            var bytes = values is float[] f ? MemoryMarshal.AsBytes(f.AsSpan()) : MemoryMarshal.AsBytes(((double[])values).AsSpan());
            foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        }
        // Two 32-bit halves travel exactly as doubles; equal everywhere iff their maxima equal their minima.
        double hi = hash >> 32, lo = hash & 0xffffffffUL;
        var max = Max(hi, lo, -hi, -lo);
        if (max[0] != -max[2] || max[1] != -max[3])
            throw new InvalidOperationException($"The ranks' weights differ after step {step}: data-parallel replicas must stay identical (rank {Rank} holds hash {hash:x16}).");
    }

    /// <summary>The rows every rank carries, gathered on rank 0 in rank order: each entry's first axis is this rank's rows of the
    /// global batch, and rank 0 gets entries whose first axis is the whole batch (null on the other ranks). Every rank must carry the
    /// same names and shapes.</summary>
    internal List<SafeTensors.Entry>? GatherRows(IReadOnlyList<SafeTensors.Entry> entries)
    {
        var gathered = IsRoot ? new List<SafeTensors.Entry>() : null;
        foreach (var e in entries)
        {
            bool isFloat = e.Data is float[];
            int count = e.Data.Length;
            Array all = isFloat ? new float[IsRoot ? count * Size : 0] : new double[IsRoot ? count * Size : 0];
            var send = GCHandle.Alloc(e.Data, GCHandleType.Pinned);
            var receive = GCHandle.Alloc(all, GCHandleType.Pinned);
            try
            {
                _mpi.Gather((void*)send.AddrOfPinnedObject(), count, isFloat ? _mpi.Float : _mpi.Double, (void*)receive.AddrOfPinnedObject(), root: 0);
            }
            finally
            {
                send.Free();
                receive.Free();
            }
            if (gathered is not null)
            {
                var shape = e.Shape.ToArray();
                shape[0] *= Size;
                gathered.Add(new SafeTensors.Entry(e.Name, shape, all));
            }
        }
        return gathered;
    }

    /// <summary>Rank <see cref="Rank"/>'s rows of entries saved whole by <see cref="GatherRows"/>.</summary>
    internal IReadOnlyDictionary<string, SafeTensors.Entry> TakeRows(IReadOnlyDictionary<string, SafeTensors.Entry> entries, IEnumerable<string> names)
    {
        var taken = new Dictionary<string, SafeTensors.Entry>(entries);
        foreach (var name in names)
        {
            if (!entries.TryGetValue(name, out var e)) continue;
            int rows = e.Shape[0];
            var (start, count) = Shard.Rows(rows);
            int perRow = e.Data.Length / rows;
            var part = Array.CreateInstance(e.Data.GetType().GetElementType()!, count * perRow);
            Array.Copy(e.Data, start * perRow, part, 0, count * perRow);
            var shape = e.Shape.ToArray();
            shape[0] = count;
            taken[name] = new SafeTensors.Entry(name, shape, part);
        }
        return taken;
    }

    /// <summary>Says why this rank cannot go on and ends every rank (MPI_Abort), so none waits forever for it.</summary>
    public void Abort(string message)
    {
        Console.Error.WriteLine($"rank {Rank} of {Size}: {message}");
        Console.Error.Flush();
        _mpi.Abort(1);
    }

    /// <summary>Leaves the job (MPI_Finalize).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _nccl?.Dispose();
        _mpi.Shutdown();
    }
}
