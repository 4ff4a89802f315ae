using System;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Gradients the CPU workers add without atomics: while a fused backward kernel is split over rows, each thread other than
/// the caller adds the gradients of vector parameters (biases, gains) into its own copy of the gradient buffer, reached from the
/// real buffer by a fixed shift (<see cref="Shifts"/>, handed to the kernels), and <see cref="Reduce"/> adds the copies in after the
/// backward pass. Only the tail of the buffer from the first vector parameter is ever written this way.</summary>
internal sealed unsafe class PartialGradients<T> : IDisposable where T : unmanaged
{
    private readonly Device _device;
    private readonly ArrayView<T> _grads;
    private readonly MemoryBuffer1D<T, Stride1D.Dense> _copies;
    private readonly long _length, _vectorOffset;

    /// <param name="grads">The real gradient buffer, <paramref name="length"/> values.</param>
    /// <param name="vectorOffset">Where the vector parameters start (they are laid out after every matrix).</param>
    public PartialGradients(Device device, CpuWorkers workers, ArrayView<T> grads, long length, long vectorOffset)
    {
        _device = device;
        _grads = grads;
        _length = Math.Max(1, length);
        _vectorOffset = vectorOffset;
        _copies = device.Allocate<T>((workers.Count - 1) * _length);
        _copies.MemSetToZero();
        long size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        long baseAddress = (long)grads.LoadEffectiveAddressAsPtr();
        Shifts = new nint[workers.Count];
        for (int w = 1; w < workers.Count; w++)
            Shifts[w] = (nint)(((long)Copy(w).LoadEffectiveAddressAsPtr() - baseAddress) / size);
    }

    /// <summary>Per thread, how far its copy lies from the real buffer, in elements (0 for the caller).</summary>
    public nint[] Shifts { get; }

    private ArrayView<T> Copy(int worker) => ((ArrayView<T>)_copies.View).SubView((worker - 1) * _length, _length);

    /// <summary>Adds every thread's copy into the real buffer and clears the copies.</summary>
    public void Reduce()
    {
        long count = _length - _vectorOffset;
        if (count <= 0) return;
        _device.Synchronize();
        var grads = new Span<T>((T*)_grads.SubView(_vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
        for (int w = 1; w < Shifts.Length; w++)
        {
            var partial = new Span<T>((T*)Copy(w).SubView(_vectorOffset, count).LoadEffectiveAddressAsPtr(), (int)count);
            if (typeof(T) == typeof(float))
                System.Numerics.Tensors.TensorPrimitives.Add(MemoryMarshal.Cast<T, float>(grads), MemoryMarshal.Cast<T, float>(partial), MemoryMarshal.Cast<T, float>(grads));
            else
                System.Numerics.Tensors.TensorPrimitives.Add(MemoryMarshal.Cast<T, double>(grads), MemoryMarshal.Cast<T, double>(partial), MemoryMarshal.Cast<T, double>(grads));
            partial.Clear();
        }
    }

    public void Dispose() => _copies.Dispose();
}
