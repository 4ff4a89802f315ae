using System;
using System.Collections.Generic;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Device buffers given back for reuse, by element type and size class. Sizes are rounded up to one of eight steps per
/// power of two (at most 12.5 % unused), so sequences of slightly different lengths share buffers. Like its device, a pool serves
/// one thread at a time.</summary>
internal sealed class TensorPool : IDisposable
{
    private readonly Device _device;
    private readonly Dictionary<(Type, long), Stack<MemoryBuffer>> _free = new();

    public TensorPool(Device device) => _device = device;

    /// <summary>Buffers handed out and not yet given back.</summary>
    public int InUse { get; private set; }

    public MemoryBuffer1D<T, ILGPU.Stride1D.Dense> Rent<T>(long length) where T : unmanaged
    {
        long size = SizeClass(length);
        InUse++;
        if (_free.TryGetValue((typeof(T), size), out var stack) && stack.Count > 0)
            return (MemoryBuffer1D<T, ILGPU.Stride1D.Dense>)stack.Pop();
        return _device.Allocate<T>(size);
    }

    public void Return<T>(MemoryBuffer1D<T, ILGPU.Stride1D.Dense> buffer) where T : unmanaged
    {
        InUse--;
        var key = (typeof(T), buffer.Length);
        if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<MemoryBuffer>();
        stack.Push(buffer);
    }

    /// <summary>Frees every buffer that is not in use.</summary>
    public void Trim()
    {
        foreach (var stack in _free.Values)
            while (stack.Count > 0) stack.Pop().Dispose();
        _free.Clear();
    }

    internal static long SizeClass(long length)
    {
        if (length <= 64) return 64;
        long top = 1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)length));
        long step = Math.Max(1, top / 8);
        return (length + step - 1) / step * step;
    }

    public void Dispose() => Trim();
}
