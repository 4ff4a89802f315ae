using System;
using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Recur;

/// <summary>Where tensors live and kernels run: an ILGPU accelerator (a CUDA GPU, or ILGPU's CPU accelerator, which runs
/// exactly the kernels CUDA runs). Loaded kernels and GEMM backends are cached here, once per device.</summary>
public sealed class Device : IDisposable
{
    private readonly Context _context;
    private readonly ConcurrentDictionary<(Type, Type), object> _programs = new();
    private readonly ConcurrentDictionary<Type, object> _gemms = new();
    private readonly ConcurrentDictionary<Type, object> _ops = new();

    private Device(Context context, Accelerator accelerator, string kind, int threads = 1)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        GroupSize = kind == "cuda" ? 128 : Math.Min(accelerator.MaxNumThreadsPerGroup, 64);
        Threads = threads;
        Workers = kind == "cpu" && threads > 1 ? new CpuWorkers(threads) : null;
        Pool = new TensorPool(this);
    }

    /// <summary>The ILGPU accelerator behind this device (for kernels of your own; the runtime's work goes through the device).</summary>
    public Accelerator Accelerator { get; }

    /// <summary>"cpu" (native .NET code), "cuda", or "ilgpu-cpu".</summary>
    public string Kind { get; }

    /// <summary>True for <see cref="Cpu"/>: cells run as generated native code and GEMMs on the CPU BLAS.</summary>
    public bool IsNativeCpu => Kind == "cpu";

    /// <summary>Threads the CPU device computes with.</summary>
    public int Threads { get; }

    internal CpuWorkers? Workers { get; }

    /// <summary>CPU device: the least pointwise work (batch rows × widest dimension) worth giving to another thread.</summary>
    internal int MinElementsPerThread { get; set; } = 1024;

    /// <summary>Threads per group for the fused kernels (one group per batch row).</summary>
    public int GroupSize { get; }

    /// <summary>The kind and the accelerator's name, e.g. "cpu: AMD EPYC …".</summary>
    public string Name => $"{Kind}: {Accelerator.Name}";

    /// <summary>The device's <see cref="Name"/>.</summary>
    public override string ToString() => Name;

    /// <summary>The fast CPU path: generated native code (SIMD over each row, rows split over <paramref name="threads"/> cores)
    /// and Recur's own AVX-512/AVX2 GEMM for float (OpenBLAS for double when the machine has it, a portable SIMD GEMM otherwise). Memory comes from ILGPU's CPU accelerator,
    /// so tensors work the same on every device. <paramref name="threads"/> defaults to the machine's core count.
    /// A device computes for one thread at a time: give each thread that runs models its own device.</summary>
    public static Device Cpu(int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be positive (or 0 for all {Environment.ProcessorCount} cores), not {threads}.");
        var context = Context.Create(b => b.CPU().EnableAlgorithms());
        return new Device(context, context.CreateCPUAccelerator(0), "cpu", threads == 0 ? Environment.ProcessorCount : threads);
    }

    /// <summary>The default device: the first CUDA GPU when there is one, else <see cref="Cpu"/>.</summary>
    public static Device Default() => CudaAvailable() ? Cuda() : Cpu();

    /// <summary>Parses a device name as the examples take it: cpu, ilgpu-cpu, cuda or cuda:N.</summary>
    public static Device FromName(string name) => name switch
    {
        "cpu" => Cpu(),
        "ilgpu-cpu" => IlgpuCpu(),
        "cuda" => Cuda(),
        _ when name.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), out var i) => Cuda(i),
        _ => throw new ArgumentException($"Unknown device '{name}'; use cpu, ilgpu-cpu, cuda or cuda:N."),
    };

    /// <summary>ILGPU's CPU accelerator: runs the same kernels as CUDA, slowly; the parity backend.</summary>
    public static Device IlgpuCpu()
    {
        var context = Context.Create(b => b.CPU().EnableAlgorithms().Math(MathMode.Default));
        return new Device(context, context.CreateCPUAccelerator(0), "ilgpu-cpu");
    }

    /// <summary>CUDA GPU number <paramref name="index"/>; throws with the list of devices found when there is none.</summary>
    public static Device Cuda(int index = 0)
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms().Math(MathMode.Default));
        var gpus = context.GetCudaDevices();
        if (index < 0 || index >= gpus.Count)
        {
            context.Dispose();
            throw new InvalidOperationException(gpus.Count == 0
                ? "No CUDA GPU was found (is the NVIDIA driver installed?). Use Device.IlgpuCpu() to run on the CPU."
                : $"CUDA device {index} does not exist; this machine has {gpus.Count} (0..{gpus.Count - 1}).");
        }
        return new Device(context, gpus[index].CreateAccelerator(context), "cuda");
    }

    /// <summary>True when a CUDA GPU can be used.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception)
        {
            return false;
        }
    }

    internal CellProgram<T> Program<TCell, T>() where TCell : IRnnCell where T : unmanaged =>
        (CellProgram<T>)_programs.GetOrAdd((typeof(TCell), typeof(T)), _ => TCell.CreateProgram<T>(this));

    /// <summary>Why the preferred GEMM backend was not used, if it was not (e.g. no OpenBLAS for double on this machine).</summary>
    public string? GemmNote { get; internal set; }

    /// <summary>The GEMM backend this device uses for <typeparamref name="T"/>.</summary>
    public string GemmName<T>() where T : unmanaged => Gemm<T>().Name;

    /// <summary>Buffers this device has allocated so far (tensors, pools, layer workspaces): constant over a training loop once it is
    /// warmed up, since every step's buffers come back to <see cref="Pool"/>.</summary>
    public long BuffersAllocated { get; private set; }

    internal TensorPool Pool { get; }

    /// <summary>Allocates device memory, counted in <see cref="BuffersAllocated"/>.</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        BuffersAllocated++;
        return Accelerator.Allocate1D<T>(Math.Max(1, length));
    }

    /// <summary>Frees the pooled buffers nobody is using (after a large one-off computation, say).</summary>
    public void TrimPool() => Pool.Trim();

    /// <summary>The device's elementwise, row and loss operations in <typeparamref name="T"/>, created once per device.</summary>
    internal TensorOps<T> Ops<T>() where T : unmanaged =>
        (TensorOps<T>)_ops.GetOrAdd(typeof(T), _ => TensorOps<T>.Create(this));

    internal IGemm<T> Gemm<T>() where T : unmanaged =>
        (IGemm<T>)_gemms.GetOrAdd(typeof(T), _ => GemmBackends.Create<T>(this));

    /// <summary>Waits until every kernel queued on the device has finished.</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>Frees the device's buffers, pools and accelerator; tensors made on it must not be used afterwards.</summary>
    public void Dispose()
    {
        Workers?.Dispose();
        foreach (var g in _gemms.Values) (g as IDisposable)?.Dispose();
        foreach (var o in _ops.Values) (o as IDisposable)?.Dispose();
        Pool.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
