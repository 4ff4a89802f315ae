using ILGPU;
using ILGPU.Runtime;
using System;
using System.Collections.Generic;

namespace Recur;

/// <summary>Records the cell's equations (its <c>var</c> lines) at every step of the inference passes while on: the pass runs the
/// probed forward kernels, which also write each equation into a [T, B, d] buffer, and at its end every recorded equation gets one
/// [B, d] array per step. Training and stepping passes record nothing.</summary>
internal sealed class Recording<T> : StepHook<T> where T : unmanaged
{
    private Tensor<T>[]? _probes;

    public Recording(RnnLayer<T> layer, int index) : base(layer, index) { }

    /// <summary>The equations being recorded (null: off).</summary>
    public HashSet<string>? Equations { get; set; }

    /// <summary>What was recorded, per equation: one [B, d] array per step, in the order the steps ran.</summary>
    public Dictionary<string, List<T[]>> Recorded { get; } = new();

    public override void BeginForward(StepViews<T> v, PassKind kind)
    {
        v.Probes = null;
        if (kind != PassKind.Inference || Equations is not { Count: > 0 } || Layer.Spec.Probes is not { } specs) return;
        var ws = v.Workspace;
        _probes = new Tensor<T>[specs.Length];
        for (int p = 0; p < specs.Length; p++) _probes[p] = Tensor<T>.Rent(Layer.Device, Layer.Spec.IsSeqDim(specs[p].Dim), ws.Steps, ws.Batch, ws.Sizes[specs[p].Dim]);
        v.Probes = Array.ConvertAll(_probes, p => p.View);
    }

    public override void EndForward(StepViews<T> v, PassKind kind)
    {
        if (_probes is null) return;
        int steps = v.Workspace.Steps;
        for (int p = 0; p < _probes.Length; p++)
        {
            var name = Layer.Spec.Probes![p].Name;
            if (Equations?.Contains(name) == true)
            {
                var all = _probes[p].ToArray();
                int per = all.Length / steps;
                for (int t = 0; t < steps; t++) Recorded[name].Add(all[(t * per)..((t + 1) * per)]);
            }
            _probes[p].Dispose();
        }
        _probes = null;
        v.Probes = null;
    }
}
