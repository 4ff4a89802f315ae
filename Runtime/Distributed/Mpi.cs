using System;
using System.Runtime.InteropServices;

namespace Recur;

/// <summary>The few MPI calls data-parallel training needs, bound at run time to Open MPI's C library (<c>libmpi.so.40</c>, Debian's
/// <c>libopenmpi3</c>/<c>openmpi-bin</c>); no MPI binding is on NuGet, and the ABI is small. Open MPI's handles (MPI_COMM_WORLD,
/// MPI_FLOAT, MPI_SUM, …) are the addresses of its exported <c>ompi_mpi_*</c> objects, which is how its own mpi.h defines them.</summary>
internal sealed unsafe class Mpi
{
    private static readonly string[] Candidates = { "libmpi.so.40", "libmpi.so", "libmpi.so.12" };

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<IntPtr, int*, int> _rank, _size;
    private readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int> _allreduce;
    private readonly delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, IntPtr*, int> _iallreduce;
    private readonly delegate* unmanaged<IntPtr*, void*, int> _wait;
    private readonly delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int> _bcast;
    private readonly delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, int, IntPtr, int> _gather;
    private readonly delegate* unmanaged<IntPtr, int, int> _abort;

    private Mpi(IntPtr library, string name)
    {
        Library = name;
        IntPtr Get(string symbol) => NativeLibrary.GetExport(library, symbol);
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Get("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Get("MPI_Initialized");
        _finalize = (delegate* unmanaged<int>)Get("MPI_Finalize");
        _rank = (delegate* unmanaged<IntPtr, int*, int>)Get("MPI_Comm_rank");
        _size = (delegate* unmanaged<IntPtr, int*, int>)Get("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, int>)Get("MPI_Allreduce");
        _iallreduce = (delegate* unmanaged<void*, void*, int, IntPtr, IntPtr, IntPtr, IntPtr*, int>)Get("MPI_Iallreduce");
        _wait = (delegate* unmanaged<IntPtr*, void*, int>)Get("MPI_Wait");
        _bcast = (delegate* unmanaged<void*, int, IntPtr, int, IntPtr, int>)Get("MPI_Bcast");
        _gather = (delegate* unmanaged<void*, int, IntPtr, void*, int, IntPtr, int, IntPtr, int>)Get("MPI_Gather");
        _abort = (delegate* unmanaged<IntPtr, int, int>)Get("MPI_Abort");
        World = NativeLibrary.GetExport(library, "ompi_mpi_comm_world");
        Float = NativeLibrary.GetExport(library, "ompi_mpi_float");
        Double = NativeLibrary.GetExport(library, "ompi_mpi_double");
        Byte = NativeLibrary.GetExport(library, "ompi_mpi_byte");
        Sum = NativeLibrary.GetExport(library, "ompi_mpi_op_sum");
        Max = NativeLibrary.GetExport(library, "ompi_mpi_op_max");
    }

    /// <summary>Which library was loaded.</summary>
    public string Library { get; }
    public IntPtr World { get; }
    public IntPtr Float { get; }
    public IntPtr Double { get; }
    public IntPtr Byte { get; }
    public IntPtr Sum { get; }
    public IntPtr Max { get; }

    /// <summary>Open MPI's MPI_IN_PLACE.</summary>
    public static readonly void* InPlace = (void*)1;

    /// <summary>Loads Open MPI, or says why it cannot (and how to install it).</summary>
    public static Mpi Load()
    {
        string tried = "";
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            try { return new Mpi(lib, name); }
            catch (EntryPointNotFoundException e) { tried = $" ({name} lacks {e.Message}: data-parallel training needs Open MPI, whose handles it binds)"; }
        }
        throw new InvalidOperationException("Open MPI's library (libmpi.so.40) was not found" + tried +
                                            ". Install it (Debian/Ubuntu: sudo apt-get install openmpi-bin libopenmpi-dev) and start the ranks with mpirun.");
    }

    /// <summary>MPI_Init_thread with MPI_THREAD_FUNNELED: only the main thread calls MPI (the device's workers never do).</summary>
    public void Init()
    {
        int done;
        Check(_initialized(&done), "MPI_Initialized");
        if (done != 0) return;
        // Open MPI catches SIGSEGV and friends to print its own traces; .NET turns those signals into exceptions itself.
        SetEnv("OMPI_MCA_opal_signal", "");
        int provided;
        Check(_initThread(null, null, 1, &provided), "MPI_Init_thread");
    }

    public void Shutdown() => _finalize();

    public int Rank { get { int r; Check(_rank(World, &r), "MPI_Comm_rank"); return r; } }
    public int Size { get { int s; Check(_size(World, &s), "MPI_Comm_size"); return s; } }

    public void AllReduce(void* buffer, int count, IntPtr type, IntPtr op) => Check(_allreduce(InPlace, buffer, count, type, op, World), "MPI_Allreduce");

    /// <summary>Starts a nonblocking in-place all-reduce; <see cref="Wait"/> finishes it.</summary>
    public IntPtr StartAllReduce(void* buffer, int count, IntPtr type, IntPtr op)
    {
        IntPtr request;
        Check(_iallreduce(InPlace, buffer, count, type, op, World, &request), "MPI_Iallreduce");
        return request;
    }

    public void Wait(IntPtr request) => Check(_wait(&request, null), "MPI_Wait");

    public void Broadcast(void* buffer, int count, IntPtr type, int root) => Check(_bcast(buffer, count, type, root, World), "MPI_Bcast");

    /// <summary>Gathers <paramref name="count"/> values of every rank into <paramref name="received"/> on <paramref name="root"/>,
    /// rank by rank.</summary>
    public void Gather(void* send, int count, IntPtr type, void* received, int root) => Check(_gather(send, count, type, received, count, type, root, World), "MPI_Gather");

    /// <summary>Ends every rank of the job with <paramref name="code"/> (MPI_Abort on MPI_COMM_WORLD).</summary>
    public void Abort(int code) => _abort(World, code);

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"{call} failed with MPI error code {status}.");
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvNative(string name, string value, int overwrite);

    private static void SetEnv(string name, string value)
    {
        try { SetEnvNative(name, value, 1); } catch (DllNotFoundException) { } catch (EntryPointNotFoundException) { }
    }
}
