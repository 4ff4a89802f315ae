using System;
using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace Recur.Tests;

/// <summary>No GPU runs CI, but ILGPU's PTX backend needs none: every generated ILGPU kernel, and the runtime's own kernels, must
/// compile to PTX with the backend configured for sm_90 (H100/H200; ILGPU emits sm_80 PTX, which the driver compiles for sm_90),
/// so the CUDA path cannot break unseen in what the compiler can check.</summary>
public class PtxCompileTests
{
    private static readonly Type[] Cells = typeof(Cells.Lstm).Assembly.GetTypes()
        .Where(t => t.Namespace == "Recur.Cells" && typeof(IRnnCell).IsAssignableFrom(t)).ToArray();

    public static TheoryData<string> CellNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cells) data.Add(c.Name);
        return data;
    }

    private static string Compile(PTXBackend backend, MethodInfo method, bool explicitlyGrouped)
    {
        var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var specialization = new KernelSpecialization();
        return ((PTXCompiledKernel)backend.Compile(entry, specialization)).PTXAssembly;
    }

    [Theory, MemberData(nameof(CellNames))]
    public void Generated_kernels_compile_to_ptx_for_sm90(string cell)
    {
        using var context = Context.Create(b => b.Default().EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var type = Cells.Single(c => c.Name == cell);
        int compiled = 0;
        foreach (var kernels in new[] { "KernelsF32", "KernelsF64" })
        {
            var holder = type.GetNestedType(kernels, BindingFlags.Public | BindingFlags.NonPublic)!;
            foreach (var m in holder.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.GetParameters().Length == 1))
            {
                var ptx = Compile(backend, m, explicitlyGrouped: true);
                Assert.Contains(".entry", ptx);
                Assert.Contains(".target sm_", ptx);
                compiled++;
            }
        }
        Assert.True(compiled >= 4, $"{cell}: only {compiled} kernels found");
    }

    [Fact]
    public void Runtime_kernels_compile_to_ptx_for_sm90()
    {
        using var context = Context.Create(b => b.Default().EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var methods = new[] { typeof(GemmKernels), typeof(TensorKernels<float>), typeof(TensorKernels<double>), typeof(ScatterKernels) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.GetParameters().FirstOrDefault()?.ParameterType == typeof(Index1D))).ToList();
        Assert.True(methods.Count >= 50, $"only {methods.Count} runtime kernels found");
        foreach (var m in methods) Assert.Contains(".entry", Compile(backend, m, explicitlyGrouped: false));
    }
}
