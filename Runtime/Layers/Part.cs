using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Recur;

/// <summary>A learned tensor under its full, dotted name (<c>encoder.layers.0.i.X.weight</c>).</summary>
/// <param name="Name">The full dotted name.</param>
/// <param name="Parameter">The tensor.</param>
public sealed record NamedParameter(string Name, IParameter Parameter)
{
    /// <summary>The parameter's shape.</summary>
    public int[] Shape => Parameter.Shape;
    /// <summary>The parameter's number of elements.</summary>
    public long Length => Parameter.Length;
    /// <summary>True when the optimizer leaves the parameter as it is.</summary>
    public bool Frozen => Parameter.Frozen;
}

/// <summary>What <see cref="Part.Load(IReadOnlyDictionary{string, SafeTensors.Entry}, bool)"/> did: the names it set, the model's
/// names the file lacked, and the file's names the model lacks (as PyTorch's <c>load_state_dict(strict=False)</c> reports them).</summary>
/// <param name="Loaded">The names that were set from the file.</param>
/// <param name="Missing">The model's names the file lacks.</param>
/// <param name="Unexpected">The file's names the model lacks.</param>
public sealed record LoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>A piece of a model: its own parameters and named child parts, so every parameter has a readable hierarchical name.
/// Subclasses register children with <see cref="Add{TPart}"/> and parameters with <see cref="AddParameter{T}(string, int[], Init, int)"/>,
/// and compute their forward pass with tape operations (<see cref="Ops"/>), whose backward passes the tape runs.</summary>
public abstract class Part : IDisposable
{
    private readonly List<(string Name, Part Part)> _children = new();
    private readonly List<IParameter> _parameters = new();
    private bool _disposed;

    /// <summary>A part with no children and no parameters yet.</summary>
    /// <param name="device">Where the part's parameters live and it computes; null for a part without parameters, which runs
    /// wherever its input is.</param>
    protected Part(Device? device) => Device = device;

    /// <summary>The device the part's parameters live on; null for a part without parameters of its own.</summary>
    public Device? Device { get; }

    /// <summary>The child parts, by the name they were added under.</summary>
    public IReadOnlyList<(string Name, Part Part)> Children => _children;

    /// <summary>Adds a child part; its parameters are listed under <paramref name="name"/> (an empty name adds no level, for wrappers).</summary>
    protected TPart Add<TPart>(string name, TPart part) where TPart : Part
    {
        ArgumentNullException.ThrowIfNull(part);
        if (name.Contains('.')) throw new ArgumentException($"A part's name cannot contain '.', which separates the levels of parameter names: '{name}'.", nameof(name));
        if (name.Length > 0 && _children.Any(c => c.Name == name)) throw new ArgumentException($"{GetType().Name} already has a part named '{name}'.", nameof(name));
        _children.Add((name, part));
        return part;
    }

    /// <summary>Adds a layer known by its interface (<see cref="ILayer{T}"/>, <see cref="IRecurrent{T}"/>) as a child; it must be a
    /// part, so that its parameters can be listed and saved.</summary>
    protected void AddLayer(string name, object layer) =>
        Add(name, layer as Part ?? throw new ArgumentException($"{layer.GetType().Name} is not a Part, so its parameters could not be listed or saved.", nameof(layer)));

    /// <summary>Adds layers as children named by their position: 0, 1, …</summary>
    protected void AddLayers<TLayer>(IReadOnlyList<TLayer> layers)
    {
        for (int k = 0; k < layers.Count; k++) AddLayer(k.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[k]!);
    }

    /// <summary>Adds a parameter with buffers of its own, initialized by <paramref name="init"/> from <paramref name="seed"/>.</summary>
    protected Parameter<T> AddParameter<T>(string name, int[] shape, Init init, int seed) where T : unmanaged
    {
        var device = Device ?? throw new InvalidOperationException($"{GetType().Name} has no device, so it cannot hold parameters.");
        var spec = new ParamSpec(name, 0, shape.Length == 1 ? -1 : 1, init);
        var values = Initializers.Create(spec, name, shape[0], shape.Length == 1 ? 0 : shape.Skip(1).Aggregate(1, (a, d) => a * d), new Random(seed));
        return AddParameter(Parameter<T>.Create(device, name, shape, values));
    }

    /// <summary>Adds a parameter made elsewhere (a view of a layer's flat buffer).</summary>
    protected Parameter<T> AddParameter<T>(Parameter<T> parameter) where T : unmanaged
    {
        if (_parameters.Any(p => p.Name == parameter.Name)) throw new ArgumentException($"{GetType().Name} already has a parameter named '{parameter.Name}'.");
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Every parameter of this part and its children, depth first in the order they were added, under full names.</summary>
    public IReadOnlyList<NamedParameter> Parameters
    {
        get
        {
            var list = new List<NamedParameter>();
            Collect("", list);
            return list;
        }
    }

    private void Collect(string prefix, List<NamedParameter> list)
    {
        foreach (var p in _parameters) list.Add(new NamedParameter(prefix + p.Name, p));
        foreach (var (name, child) in _children) child.Collect(name.Length == 0 ? prefix : prefix + name + ".", list);
    }

    /// <summary>Learned values in all (frozen ones included).</summary>
    public long ParameterCount => Parameters.Sum(p => p.Length);

    /// <summary>One line per parameter (name, shape, count, frozen) and the totals, for printing.</summary>
    public string Summary()
    {
        var ps = Parameters;
        int width = Math.Max(9, ps.Select(p => p.Name.Length).DefaultIfEmpty(0).Max());
        var sb = new StringBuilder();
        sb.AppendLine($"{"parameter".PadRight(width)}  {"shape",-14} {"count",12}");
        foreach (var p in ps)
            sb.AppendLine($"{p.Name.PadRight(width)}  {Tensor<float>.Text(p.Shape),-14} {p.Length,12:N0}{(p.Frozen ? "  frozen" : "")}");
        long frozen = ps.Where(p => p.Frozen).Sum(p => p.Length);
        sb.Append($"{ps.Count} tensors, {ParameterCount:N0} values{(frozen > 0 ? $" ({frozen:N0} frozen)" : "")}");
        return sb.ToString();
    }

    /// <summary>Freezes every parameter whose full name matches <paramref name="pattern"/> (<c>*</c> matches any run of characters,
    /// dots included: <c>encoder.*</c>, <c>*.bias</c>); returns how many. A pattern that matches nothing is an error naming the
    /// parameters there are, since it is most likely a typo.</summary>
    public int Freeze(string pattern) => SetFrozen(pattern, true);

    /// <summary>Lets the optimizer train again the parameters whose full names match <paramref name="pattern"/> (see <see cref="Freeze"/>); returns how many matched.</summary>
    public int Unfreeze(string pattern) => SetFrozen(pattern, false);

    private int SetFrozen(string pattern, bool frozen)
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*") + "$");
        var matched = Parameters.Where(p => regex.IsMatch(p.Name)).ToList();
        if (matched.Count == 0)
            throw new ArgumentException($"No parameter matches '{pattern}'; the parameters are: {string.Join(", ", Parameters.Select(p => p.Name))}.", nameof(pattern));
        foreach (var p in matched)
        {
            p.Parameter.Frozen = frozen;
            if (frozen) p.Parameter.ZeroGrad();
        }
        return matched.Count;
    }

    /// <summary>Sets the gradient of every parameter of the part and its children to zero.</summary>
    public virtual void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
        foreach (var (_, child) in _children) child.ZeroGrad();
    }

    /// <summary>Sets parameters from tensors by full name. Every shape must match (a mismatch is an error naming both shapes, strict or
    /// not). With <paramref name="strict"/>, a name missing on either side is an error listing them all; without, those are reported.
    /// Nothing is changed when it throws.</summary>
    public LoadReport Load(IReadOnlyDictionary<string, SafeTensors.Entry> tensors, bool strict = true)
    {
        var ps = Parameters;
        var names = ps.Select(p => p.Name).ToHashSet();
        var missing = ps.Where(p => !tensors.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var unexpected = tensors.Keys.Where(k => !names.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatched = ps.Where(p => tensors.TryGetValue(p.Name, out var t) && !t.Shape.SequenceEqual(p.Shape))
            .Select(p => $"'{p.Name}' is {Tensor<float>.Text(tensors[p.Name].Shape)} in the file but {Tensor<float>.Text(p.Shape)} in the model").ToList();
        if (mismatched.Count > 0) throw new InvalidDataException("Shapes do not match: " + string.Join("; ", mismatched) + ".");
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidDataException("The tensors do not match this model" +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                (unexpected.Count > 0 ? $"; unexpected: {string.Join(", ", unexpected)}" : "") + ". Load with strict: false to take what matches.");
        var loaded = new List<string>();
        foreach (var p in ps)
            if (tensors.TryGetValue(p.Name, out var t))
            {
                p.Parameter.Write(t.Data);
                loaded.Add(p.Name);
            }
        return new LoadReport(loaded, missing, unexpected);
    }

    /// <summary>Loads a safetensors file written by <see cref="Save"/> (or by PyTorch's <c>safetensors.torch.save_file</c>).</summary>
    public LoadReport Load(string path, bool strict = true) => Load(SafeTensors.Read(path).Tensors, strict);

    /// <summary>Writes every parameter to a safetensors file (atomically), which PyTorch's <c>safetensors.torch.load_file</c> reads.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Write(path, Parameters.Select(p => new SafeTensors.Entry(p.Name, p.Shape, p.Parameter.Read())), metadata);

    /// <summary>Frees the part's parameters and its children's.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeOwn();
        foreach (var p in _parameters) (p as IDisposable)?.Dispose();
        foreach (var (_, child) in _children) child.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the part holds besides its parameters and children.</summary>
    protected virtual void DisposeOwn() { }
}
