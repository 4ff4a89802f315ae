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

    private Device(Context context, Accelerator accelerator, string kind)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        GroupSize = kind == "cuda" ? 128 : Math.Min(accelerator.MaxNumThreadsPerGroup, 64);
    }

    public Accelerator Accelerator { get; }

    /// <summary>"cuda" or "ilgpu-cpu".</summary>
    public string Kind { get; }

    /// <summary>Threads per group for the fused kernels (one group per batch row).</summary>
    public int GroupSize { get; }

    public string Name => $"{Kind}: {Accelerator.Name}";

    public override string ToString() => Name;

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
        (CellProgram<T>)_programs.GetOrAdd((typeof(TCell), typeof(T)), _ => TCell.CreateProgram<T>(Accelerator));

    internal IGemm<T> Gemm<T>() where T : unmanaged =>
        (IGemm<T>)_gemms.GetOrAdd(typeof(T), _ => GemmBackends.Create<T>(this));

    public void Synchronize() => Accelerator.Synchronize();

    public void Dispose()
    {
        foreach (var g in _gemms.Values) (g as IDisposable)?.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
