using System;
using System.Collections.Generic;
using System.Linq;

namespace Recur;

// The public face of the layer's step hooks (Hooks/): recording, zoneout, state averaging, weight-drop.
public partial class RnnLayer<T>
{
    /// <summary>The cell's equations that can be recorded, in order: its <c>var</c> lines (those in helpers named by the call path).</summary>
    public IReadOnlyList<string> Equations => Spec.Probes?.Select(p => p.Name).ToArray() ?? Array.Empty<string>();

    /// <summary>Records <paramref name="equations"/> at every step of the inference passes that follow (a training pass records
    /// nothing), until <see cref="StopRecording"/>: <see cref="Recorded"/> gets one [B, d] array per step and equation. Recording runs
    /// forward kernels that also write the equations out; the plain ones, which training and inference use, stay as they are.</summary>
    public void Record(params string[] equations)
    {
        foreach (var name in equations)
            if (!Equations.Contains(name))
                throw new ArgumentException($"{Spec.Name} has no equation '{name}' to record; it has: {string.Join(", ", Equations.DefaultIfEmpty("none"))}.", nameof(equations));
        _recording.Equations = equations.ToHashSet();
        foreach (var name in equations) if (!_recording.Recorded.ContainsKey(name)) _recording.Recorded[name] = new List<T[]>();
    }

    /// <summary>Stops recording equation values (see <see cref="Record"/>); what was recorded stays in <see cref="Recorded"/>.</summary>
    public void StopRecording() => _recording.Equations = null;

    /// <summary>What was recorded, per equation: one [B, d] array (row-major) per step, in the order the steps ran.</summary>
    public IReadOnlyDictionary<string, List<T[]>> Recorded => _recording.Recorded;

    /// <summary>Empties <see cref="Recorded"/>.</summary>
    public void ClearRecorded() => _recording.Recorded.Clear();

    /// <summary>Zoneout (Krueger et al. 2016) on state <paramref name="state"/>: in training each element keeps its previous value with
    /// probability <paramref name="probability"/> (masks drawn per step, like the cell's own dropout), in inference it takes the
    /// expectation p·previous + (1 − p)·new. 0 turns it off.</summary>
    public void SetZoneout(string state, double probability)
    {
        int s = StateIndex(state);
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), $"A zoneout probability is in [0, 1), not {probability}.");
        if (probability > 0 && _averaging[s] > 0) throw new InvalidOperationException($"State {state} is averaged; a state takes zoneout or averaging, not both.");
        _zoneout[s] = probability;
    }

    /// <summary>Zoneout with <paramref name="probability"/> on every state of the cell.</summary>
    public void SetZoneout(double probability)
    {
        foreach (var s in Spec.States) SetZoneout(s.Name, probability);
    }

    /// <summary>State averaging (Seq2Seq_Upgrade_TensorFlow's <c>average_states</c>): the state handed to each next step is
    /// α · the mean of the states after every step so far + (1 − α) · the state after this one, in training and inference alike, and it
    /// is what the layer outputs. Differentiated like the rest (the mean reaches back to every earlier step). 0 turns it off; a state
    /// cannot have both zoneout and averaging.</summary>
    public void SetStateAveraging(string state, double alpha)
    {
        int s = StateIndex(state);
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), $"The influence of the mean is in [0, 1], not {alpha}.");
        if (alpha > 0 && _zoneout[s] > 0) throw new InvalidOperationException($"State {state} has zoneout; a state takes zoneout or averaging, not both.");
        _averaging[s] = alpha;
    }

    /// <summary>The state-averaging influence α of state <paramref name="state"/> (0: off).</summary>
    public double GetStateAveraging(string state) => _averaging[StateIndex(state)];

    /// <summary>The zoneout rate of state <paramref name="state"/> (0: off).</summary>
    public double GetZoneout(string state) => _zoneout[StateIndex(state)];

    /// <summary>Weight-drop (DropConnect on the recurrent weights, Merity et al. 2017): in training every weight that multiplies a
    /// state is zeroed with this probability and the rest scaled by 1/(1 − p), one mask per forward pass (per batch, not per step),
    /// and the weights are used as they are in inference. 0 turns it off.</summary>
    public double WeightDrop
    {
        get => _weightDrop.P;
        set => _weightDrop.P = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"A weight-drop probability is in [0, 1), not {value}.");
    }

    private int StateIndex(string state) => Array.FindIndex(Spec.States, st => st.Name == state) is var s and >= 0 ? s
        : throw new ArgumentException($"{Spec.Name} has no state '{state}'; it has: {string.Join(", ", Spec.States.Select(st => st.Name))}.", nameof(state));

    /// <summary>Whether a training pass draws random masks: the cell's dropout, zoneout or weight-drop.</summary>
    private bool DrawsMasks
    {
        get
        {
            foreach (var hook in Hooks) if (hook.DrawsMasks) return true;
            return false;
        }
    }
}
