using System;
using Xunit;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Recur.Tests;

/// <summary>One ILGPU CPU accelerator for the whole run: creating one and loading kernels is the slow part.</summary>
public static class TestDevices
{
    private static readonly Lazy<Device> _ilgpuCpu = new(Device.IlgpuCpu);
    private static readonly Lazy<Device> _cpu = new(() => new Func<Device>(() =>
    {
        // Two threads and no minimum work per thread, so even tiny batches exercise the split over rows.
        var d = Device.Cpu(threads: 2);
        d.MinElementsPerThread = 1;
        return d;
    })());

    public static Device IlgpuCpu => _ilgpuCpu.Value;
    public static Device Cpu => _cpu.Value;

    public static Device ByName(string name) => name == "cpu" ? Cpu : IlgpuCpu;
}

/// <summary>Random data for tests, from a seed.</summary>
public static class TestData
{
    public static double[] Gaussian(Random rng, int n, double scale = 1)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            v[i] = scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return v;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
