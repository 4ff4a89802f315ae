using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

/// <summary>Checkpoint averaging (Vaswani et al. 2017 end with the mean of a run's last checkpoints): a snapshot of the weights every
/// <c>every</c> updates and one of the final weights, the last <c>count</c> kept on the host, and at the end of a run the model takes
/// their mean. With a constant
/// learning rate the last weights wander around a minimum; their mean sits nearer it.</summary>
internal sealed class WeightAverage
{
    private readonly IReadOnlyList<NamedParameter> _parameters;
    private readonly int _count, _every;
    private readonly Queue<(int Step, Array[] Weights)> _snapshots = new();

    public WeightAverage(Part model, int count, int every)
    {
        if (count < 2) throw new ArgumentException($"Averaging takes the mean of at least 2 snapshots, not {count}.");
        if (every < 1) throw new ArgumentException($"Snapshots are taken every N ≥ 1 updates, not every {every}.");
        (_parameters, _count, _every) = (model.Parameters, count, every);
    }

    /// <summary>The steps of the snapshots held, oldest first.</summary>
    public IEnumerable<int> Steps => _snapshots.Select(s => s.Step);

    /// <summary>Takes a snapshot when <paramref name="step"/> updates are done and it is one of every <c>every</c>, dropping the oldest
    /// beyond <c>count</c>.</summary>
    public void After(int step)
    {
        if (step % _every == 0) Take(step);
    }

    /// <summary>At the end of a run, after <paramref name="step"/> updates: a snapshot of the final weights unless the last one is of
    /// them, so that the mean always ends with where the run ended.</summary>
    public void Finish(int step)
    {
        if (_snapshots.Count == 0 || _snapshots.Last().Step != step) Take(step);
    }

    private void Take(int step)
    {
        if (_snapshots.Count == _count) _snapshots.Dequeue();
        _snapshots.Enqueue((step, _parameters.Select(p => p.Parameter.Read()).ToArray()));
    }

    /// <summary>Sets every parameter to the mean of its snapshots and returns the values it had, under their names.</summary>
    public List<SafeTensors.Entry> Apply()
    {
        var current = new List<SafeTensors.Entry>();
        for (int k = 0; k < _parameters.Count; k++)
        {
            var p = _parameters[k];
            current.Add(new SafeTensors.Entry(p.Name, p.Shape, p.Parameter.Read()));
            var mean = new double[p.Length];
            foreach (var (_, weights) in _snapshots)
                switch (weights[k])
                {
                    case float[] f: for (int i = 0; i < f.Length; i++) mean[i] += f[i]; break;
                    case double[] d: for (int i = 0; i < d.Length; i++) mean[i] += d[i]; break;
                }
            for (int i = 0; i < mean.Length; i++) mean[i] /= _snapshots.Count;
            p.Parameter.Write(mean);
        }
        return current;
    }
}
