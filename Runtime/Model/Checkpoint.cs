using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;

namespace Recur;

/// <summary>Where training stands, beside the weights: enough to resume exactly.</summary>
public sealed record TrainingState(
    string Optimizer, float LearningRate, float Clip, int Seq, int Batch, int Seed,
    int Step, int Epoch, int Window, ulong RngState, double SmoothedLoss, List<LossPoint> History);

/// <summary>One point of the loss curve: training loss (smoothed) and, where measured, validation loss, in nats/char.</summary>
public sealed record LossPoint(int Step, double TrainLoss, double? ValLoss);

/// <summary>A checkpoint folder: <c>model.safetensors</c> (weights under their parameter names, readable by PyTorch's safetensors),
/// <c>training.safetensors</c> (optimizer moments and the carried recurrent state) and <c>checkpoint.json</c> (vocabulary, model
/// configuration, training position). Every file is written atomically, the JSON last, so a checkpoint interrupted while being
/// written leaves the previous one readable.</summary>
public static class Checkpoint
{
    public const string ModelFile = "model.safetensors", TrainingFile = "training.safetensors", JsonFile = "checkpoint.json";
    private const string Format = "recur-charrnn-1";

    private sealed record Document(string Format, string Vocabulary, CharModelConfig Model, TrainingState? Training);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(string dir, CharModel model, string vocabulary, Optimizer? optimizer, TrainingState? training)
    {
        Directory.CreateDirectory(dir);
        var meta = new Dictionary<string, string> { ["format"] = Format, ["cell"] = model.Config.Cell };
        SafeTensors.Write(Path.Combine(dir, ModelFile), model.Parameters.Select(p => new SafeTensors.Entry(p.Name, p.Shape, Read(model.Device, p.Value))), meta);
        if (optimizer is not null)
        {
            var entries = optimizer.State.Select(s => new SafeTensors.Entry(s.Name, s.Value.Shape, s.Value.ToArray())).ToList();
            for (int k = 0; k < model.State.Count; k++)
                if (model.State[k] is { } states)
                    for (int s = 0; s < states.Length; s++)
                        entries.Add(new SafeTensors.Entry($"state.layers.{k}.{model.Layers[k].Spec.States[s].Name}", states[s].Shape, states[s].ToArray()));
            SafeTensors.Write(Path.Combine(dir, TrainingFile), entries, meta);
        }
        AtomicFile.WriteText(Path.Combine(dir, JsonFile), JsonSerializer.Serialize(new Document(Format, vocabulary, model.Config, training), Json));
    }

    /// <summary>Reads the configuration and vocabulary (to build the model the checkpoint belongs to).</summary>
    public static (CharModelConfig Config, string Vocabulary, TrainingState? Training) ReadHeader(string dir)
    {
        var path = Path.Combine(dir, JsonFile);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Checkpoint folder '{dir}' does not exist.");
        if (!File.Exists(path)) throw new FileNotFoundException($"'{dir}' is not a Recur checkpoint: it has no {JsonFile}.", path);
        Document? doc;
        try { doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid checkpoint description: {e.Message}"); }
        if (doc is null || doc.Format != Format) throw new InvalidDataException($"'{path}' has format '{doc?.Format}', expected '{Format}'.");
        if (doc.Vocabulary.Length != doc.Model.Vocab) throw new InvalidDataException($"'{path}': its vocabulary has {doc.Vocabulary.Length} characters but the model {doc.Model.Vocab}.");
        return (doc.Model, doc.Vocabulary, doc.Training);
    }

    /// <summary>Loads the weights into <paramref name="model"/>; every tensor must be present with the model's shape.</summary>
    public static void LoadWeights(string dir, CharModel model)
    {
        var (tensors, _) = SafeTensors.Read(Path.Combine(dir, ModelFile));
        foreach (var p in model.Parameters)
            Write(p.Value, Take(tensors, p.Name, p.Shape, ModelFile));
        if (tensors.Count > model.Parameters.Count)
        {
            var extra = tensors.Keys.Except(model.Parameters.Select(p => p.Name)).First();
            throw new InvalidDataException($"{ModelFile} has a tensor '{extra}' this model does not have: the checkpoint was made for another model.");
        }
    }

    /// <summary>Loads the optimizer's moments and the carried recurrent state.</summary>
    public static void LoadTraining(string dir, CharModel model, Optimizer optimizer)
    {
        var (tensors, _) = SafeTensors.Read(Path.Combine(dir, TrainingFile));
        foreach (var (name, value) in optimizer.State) value.CopyFrom(Take(tensors, name, value.Shape, TrainingFile));
        for (int k = 0; k < model.Layers.Count; k++)
        {
            var spec = model.Layers[k].Spec;
            var first = $"state.layers.{k}.{spec.States[0].Name}";
            if (!tensors.TryGetValue(first, out var probe)) { model.SetState(k, null); continue; }
            var states = spec.States.Select(s =>
            {
                var name = $"state.layers.{k}.{s.Name}";
                var shape = new[] { probe.Shape[0], model.Layers[k].Sizes[s.Dim] };
                return Tensor<float>.FromArray(model.Device, Take(tensors, name, shape, TrainingFile), shape);
            }).ToArray();
            model.SetState(k, states);
        }
    }

    private static float[] Take(Dictionary<string, SafeTensors.Entry> tensors, string name, int[] shape, string file)
    {
        if (!tensors.TryGetValue(name, out var t)) throw new InvalidDataException($"{file} has no tensor '{name}': the checkpoint does not match this model.");
        if (!t.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{file}: tensor '{name}' is [{string.Join(", ", t.Shape)}] but the model expects [{string.Join(", ", shape)}].");
        return t.Data;
    }

    private static float[] Read(Device device, ArrayView<float> view)
    {
        device.Synchronize();
        return view.GetAsArray();
    }

    private static void Write(ArrayView<float> view, float[] data) => view.CopyFromCPU(data);
}
