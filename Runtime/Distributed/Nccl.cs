using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Recur;

/// <summary>NVIDIA's collective library (<c>libnccl.so.2</c>), loaded at run time, for averaging gradients that live on the GPU
/// without copying them to the host: rank 0 makes the communicator's id, MPI hands it to the others, and every all-reduce runs on
/// the device's stream.</summary>
internal sealed unsafe class Nccl : IDisposable
{
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    private struct UniqueId { }

    private const int NcclFloat = 7, NcclDouble = 8, NcclSum = 0;
    private readonly IntPtr _library, _comm, _stream;
    private readonly Device _device;
    private readonly delegate* unmanaged<void*, void*, nuint, int, int, IntPtr, IntPtr, int> _allReduce;
    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<int, IntPtr> _error;

    private Nccl(IntPtr library, Mpi mpi, Device device)
    {
        _library = library;
        _device = device;
        var getId = (delegate* unmanaged<UniqueId*, int>)NativeLibrary.GetExport(library, "ncclGetUniqueId");
        var init = (delegate* unmanaged<IntPtr*, int, UniqueId, int, int>)NativeLibrary.GetExport(library, "ncclCommInitRank");
        _allReduce = (delegate* unmanaged<void*, void*, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "ncclAllReduce");
        _destroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(library, "ncclCommDestroy");
        _error = (delegate* unmanaged<int, IntPtr>)NativeLibrary.GetExport(library, "ncclGetErrorString");
        UniqueId id;
        if (mpi.Rank == 0) Check(getId(&id), "ncclGetUniqueId");
        mpi.Broadcast(&id, sizeof(UniqueId), mpi.Byte, root: 0);
        IntPtr comm;
        Check(init(&comm, mpi.Size, id, mpi.Rank), "ncclCommInitRank");
        _comm = comm;
        _stream = ((CudaStream)device.Accelerator.DefaultStream).StreamPtr;
    }

    /// <summary>An NCCL communicator over the MPI job's ranks, one GPU each; throws with what to install when NCCL is missing.</summary>
    public static Nccl Open(Mpi mpi, Device device)
    {
        var library = LoadLibrary();
        try { return new Nccl(library, mpi, device); }
        catch (EntryPointNotFoundException e)
        {
            NativeLibrary.Free(library);
            throw new InvalidOperationException($"libnccl.so.2 lacks {e.Message}: it is not NCCL 2.", e);
        }
    }

    /// <summary>Loads libnccl.so.2, or says what to install.</summary>
    internal static IntPtr LoadLibrary()
    {
        if (NativeLibrary.TryLoad("libnccl.so.2", out var library) || NativeLibrary.TryLoad("libnccl.so", out library)) return library;
        throw new InvalidOperationException("NCCL (libnccl.so.2) was not found: data-parallel training on CUDA devices averages gradients with it. " +
                                            "Install it (NVIDIA's libnccl2 package, or the nvidia-nccl-cu12 wheel's lib folder on LD_LIBRARY_PATH), or train on the CPU.");
    }

    /// <summary>Replaces <paramref name="values"/> on every rank by their mean over the <paramref name="ranks"/> ranks.</summary>
    public void AllReduceAverage<T>(ArrayView<T> values, int ranks) where T : unmanaged
    {
        var p = (void*)values.LoadEffectiveAddressAsPtr();
        Check(_allReduce(p, p, (nuint)values.Length, typeof(T) == typeof(float) ? NcclFloat : NcclDouble, NcclSum, _comm, _stream), "ncclAllReduce");
        _device.Ops<T>().Affine(values, 1.0 / ranks, 0, values);
    }

    private void Check(int result, string call)
    {
        if (result != 0) throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringAnsi(_error(result))} (NCCL result {result}).");
    }

    public void Dispose()
    {
        _destroy(_comm);
        NativeLibrary.Free(_library);
    }
}
