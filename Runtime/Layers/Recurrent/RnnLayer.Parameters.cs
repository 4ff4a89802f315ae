using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

// The layout's values: parameters, their gradients and the hyperparameters, by name.
public partial class RnnLayer<T>
{
    /// <summary>The current value of hyperparameter <paramref name="name"/>.</summary>
    public double GetHyper(string name) => Scalar<T>.ToDouble(_hypers[HyperIndex(name)]);
    /// <summary>Sets hyperparameter <paramref name="name"/> for the following steps, without rebuilding anything.</summary>
    public void SetHyper(string name, double value)
    {
        int index = HyperIndex(name);
        if (double.IsNaN(value)) throw new ArgumentOutOfRangeException(nameof(value), $"{Spec.Name}'s {name} must be a number, not NaN.");
        if (Spec.Masks is { } masks && masks.Any(m => m.RateHyper == index) && value is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(value), $"{Spec.Name}'s {name} is a dropout rate and must be in [0, 1), not {value}.");
        _hypers[index] = Scalar<T>.From(value);
    }

    private int HyperIndex(string name)
    {
        int i = Array.FindIndex(Spec.Hypers, h => h.Name == name);
        if (i < 0) throw new ArgumentException($"{Spec.Name} has no hyperparameter '{name}'; it has: {string.Join(", ", Spec.Hypers.Select(h => h.Name).DefaultIfEmpty("none"))}.");
        return i;
    }

    private int IndexOf(string name)
    {
        var layout = Layout;
        for (int i = 0; i < layout.Count; i++) if (layout[i].Name == name) return i;
        throw new ArgumentException($"{Spec.Name} has no parameter '{name}'; it has: {string.Join(", ", layout.Select(p => p.Name))}.");
    }

    /// <summary>A copy of parameter <paramref name="name"/>, row-major.</summary>
    public T[] GetParameter(string name) { int i = IndexOf(name); Device.Synchronize(); return _paramViews[i].GetAsArray(); }
    /// <summary>A copy of the gradient of parameter <paramref name="name"/>, row-major.</summary>
    public T[] GetGradient(string name) { int i = IndexOf(name); Device.Synchronize(); return _gradViews[i].GetAsArray(); }

    /// <summary>Overwrites parameter <paramref name="name"/>; <paramref name="values"/> must have exactly its number of elements.</summary>
    public void SetParameter(string name, T[] values)
    {
        int index = IndexOf(name);
        var info = Layout[index];
        if (!info.Learned) throw new InvalidOperationException($"Parameter '{name}' of {Spec.Name} is a fixed matrix of the cell (a DFT), not a learned one; it cannot be set.");
        if (values.Length != info.Length)
            throw new ArgumentException($"Parameter '{name}' is [{string.Join(", ", info.Shape)}] ({info.Length} values), but {values.Length} were given.");
        _paramViews[index].CopyFromCPU(values);
    }

    /// <summary>A copy of every parameter in <see cref="Layout"/> order, as one array.</summary>
    public T[] GetAllParameters() { var buffer = ParameterBuffer; Device.Synchronize(); return buffer.GetAsArray(); }
    /// <summary>A copy of every parameter gradient in <see cref="Layout"/> order, as one array.</summary>
    public T[] GetAllGradients() { var buffer = GradientBuffer; Device.Synchronize(); return buffer.GetAsArray(); }

    /// <summary>Sets every parameter from one flat array in <see cref="Layout"/> order; fixed matrices (not <c>Learned</c>) keep their values.</summary>
    public void SetAllParameters(T[] values)
    {
        if (values.Length != LayoutLength) throw new ArgumentException($"{Spec.Name} has {LayoutLength} parameter values, but {values.Length} were given.");
        // Fixed matrices (a DFT) keep their values: they are part of the cell, not of what is learned.
        var kept = Enumerable.Range(0, Layout.Count).Where(i => !Layout[i].Learned).Select(i => (Index: i, Values: _paramViews[i].GetAsArray())).ToList();
        ParameterBuffer.CopyFromCPU(values);
        foreach (var (index, fixedValues) in kept) _paramViews[index].CopyFromCPU(fixedValues);
    }

    /// <summary>Clears the gradients of the flat buffer and of a learned initial state.</summary>
    public override void ZeroGrad()
    {
        _grads?.MemSetToZero();
        foreach (var p in _initialState) p.ZeroGrad();
    }

    /// <summary>The weights group <paramref name="g"/> multiplies in this pass: the dropped copy for a recurrent group under weight-drop.</summary>
    private ArrayView<T> Weights(int g, RnnWorkspace<T> ws) => _weightDrop.Weights(g, ws, Weights(Spec.Groups[g]));

    /// <summary>A GEMM group's weight blocks, consecutive in the flat buffer [group width, operand width].</summary>
    internal ArrayView<T> Weights(GemmGroupSpec g) => ((ArrayView<T>)_params!.View).SubView(Layout[g.FirstParam].Offset, WeightLength(g));
    private ArrayView<T> WeightGrads(GemmGroupSpec g) => ((ArrayView<T>)_grads!.View).SubView(Layout[g.FirstParam].Offset, WeightLength(g));
    internal long WeightLength(GemmGroupSpec g)
    {
        long length = 0;
        for (int p = g.FirstParam; p < g.FirstParam + g.ParamCount; p++) length += Layout[p].Length;
        return length;
    }

    /// <summary>Seeds the generator of the cell's dropout masks (models seed it from their own generator, so a resumed run draws
    /// the same masks as an uninterrupted one). Without a call, masks follow from the layer's seed.</summary>
    public void SeedMasks(ulong seed) => MaskRng.State = seed;

}
