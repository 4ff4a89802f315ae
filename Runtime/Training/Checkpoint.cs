using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Recur;

/// <summary>Where training stands, beside the weights: enough to resume exactly.</summary>
/// <param name="Settings">How the run trains.</param>
/// <param name="Step">Updates done.</param>
/// <param name="Epoch">Passes over the training data done.</param>
/// <param name="Batch">The next batch's index within the epoch.</param>
/// <param name="RngState">The trainer's random generator's state.</param>
/// <param name="SmoothedLoss">The training loss's running average.</param>
/// <param name="History">The loss curve so far.</param>
/// <param name="WorldSize">The number of data-parallel ranks that trained (1: one process); a run resumes only with as many.</param>
public sealed record TrainingState(TrainingSettings Settings, int Step, int Epoch, int Batch, ulong RngState, double SmoothedLoss, List<LossPoint> History, int WorldSize = 1);

/// <summary>How a run trains: optimizer, base learning rate, weight decay, global-norm clip (0: none), schedule, seed and curriculum.</summary>
/// <param name="Optimizer">The optimizer's name (<c>adam</c>, <c>rmsprop</c>, <c>sgd</c>).</param>
/// <param name="LearningRate">The base learning rate.</param>
/// <param name="WeightDecay">Weight decay (0: none), applied as the optimizer applies it.</param>
/// <param name="Clip">The global gradient norm clipped to (0: no clipping).</param>
/// <param name="Schedule">How the learning rate varies.</param>
/// <param name="Seed">The seed of the run's random numbers.</param>
/// <param name="Curriculum">The schedule over difficulty the batches follow (null: none).</param>
public sealed record TrainingSettings(string Optimizer, double LearningRate, double WeightDecay, double Clip, Schedule Schedule, int Seed, Curriculum? Curriculum = null);

/// <summary>One point of the loss curve: training loss (smoothed) and, where measured, validation loss.</summary>
/// <param name="Step">The update count.</param>
/// <param name="TrainLoss">The smoothed training loss.</param>
/// <param name="ValLoss">The validation loss, where measured.</param>
public sealed record LossPoint(int Step, double TrainLoss, double? ValLoss);

/// <summary>A checkpoint folder. Each save writes a new generation folder (<c>step-000500/</c>) holding <c>model.safetensors</c>
/// (the weights under their parameter names; PyTorch's <c>safetensors.torch.load_file</c> reads it) and <c>training.safetensors</c>
/// (optimizer moments and what the task carries between batches), then commits it by atomically replacing <c>checkpoint.json</c>
/// (the task's description, the training position, and the name of the generation folder), and only then deletes older generations.
/// A save interrupted at any point, by a crash or <c>kill -9</c>, leaves the previous checkpoint whole and loadable.</summary>
public static class Checkpoint
{
    /// <summary>The weights file in a generation folder.</summary>
    public const string ModelFile = "model.safetensors";
    /// <summary>The optimizer and task state file in a generation folder.</summary>
    public const string TrainingFile = "training.safetensors";
    /// <summary>The file whose atomic replacement commits a checkpoint.</summary>
    public const string JsonFile = "checkpoint.json";
    /// <summary>The format name written into <c>checkpoint.json</c>; a checkpoint of another format is refused with a message.</summary>
    public const string Format = "recur-checkpoint-1";

    /// <summary>How <c>checkpoint.json</c> is written (indented, camel case): a task's <see cref="ITrainingTask{T}.Describe"/> writes its
    /// description with these, so that <see cref="CheckpointReader.ReadTask{TDescription}"/> reads it back.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record Document(string Format, string Files, JsonNode? Task, TrainingState? Training);

    /// <summary>Saves a checkpoint into <paramref name="dir"/>; <paramref name="written"/> hears of each file as it is written
    /// (the JSON last: before it, the new generation is not yet the checkpoint).</summary>
    public static void Save(string dir, Part model, JsonNode? task, TrainingState? training, IEnumerable<SafeTensors.Entry>? trainingTensors,
        Action<string>? written = null)
    {
        Directory.CreateDirectory(dir);
        var meta = new Dictionary<string, string> { ["format"] = Format, ["step"] = (training?.Step ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        string name = GenerationName(dir, training?.Step ?? 0);
        string partial = Path.Combine(dir, name + ".partial");
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        model.Save(Path.Combine(partial, ModelFile), meta);
        written?.Invoke(ModelFile);
        SafeTensors.Write(Path.Combine(partial, TrainingFile), trainingTensors ?? Array.Empty<SafeTensors.Entry>(), meta);
        written?.Invoke(TrainingFile);
        Directory.Move(partial, Path.Combine(dir, name));
        AtomicFile.WriteText(Path.Combine(dir, JsonFile), JsonSerializer.Serialize(new Document(Format, name, task, training), Json));
        written?.Invoke(JsonFile);
        // The new generation is the checkpoint now; older ones (and leftovers of interrupted saves) can go.
        foreach (var old in Directory.GetDirectories(dir, "step-*").Select(Path.GetFileName).Where(n => n != name))
            Directory.Delete(Path.Combine(dir, old!), recursive: true);
    }

    /// <summary>step-000500, or step-000500.1, … when a generation of that step exists already.</summary>
    private static string GenerationName(string dir, int step)
    {
        string name = $"step-{step:D6}";
        for (int k = 1; Directory.Exists(Path.Combine(dir, name)); k++) name = $"step-{step:D6}.{k}";
        return name;
    }

    /// <summary>Opens the checkpoint in <paramref name="dir"/>; errors say what is missing or malformed.</summary>
    public static CheckpointReader Open(string dir)
    {
        var path = Path.Combine(dir, JsonFile);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Checkpoint folder '{dir}' does not exist.");
        if (!File.Exists(path)) throw new FileNotFoundException($"'{dir}' is not a Recur checkpoint: it has no {JsonFile}.", path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid checkpoint description: {e.Message}"); }
        if (root is not JsonObject obj) throw new InvalidDataException($"'{path}' is not a checkpoint description (not a JSON object).");
        // The first checkpoints (format recur-charrnn-1) kept the files beside the JSON and held a character model's description.
        if (obj["Format"]?.GetValue<string>() == "recur-charrnn-1")
            return new CheckpointReader(dir, dir, new JsonObject { ["vocabulary"] = obj["Vocabulary"]?.DeepClone(), ["model"] = LowerKeys(obj["Model"]) }, null);
        Document? doc;
        try { doc = obj.Deserialize<Document>(Json); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid checkpoint description: {e.Message}"); }
        if (doc is null || doc.Format != Format) throw new InvalidDataException($"'{path}' has format '{doc?.Format}', expected '{Format}'.");
        var folder = Path.Combine(dir, doc.Files);
        if (!Directory.Exists(folder)) throw new InvalidDataException($"'{path}' names the folder '{doc.Files}', which is missing: the checkpoint is incomplete.");
        return new CheckpointReader(dir, folder, doc.Task, doc.Training);
    }

    private static JsonNode? LowerKeys(JsonNode? node) => node is JsonObject o
        ? new JsonObject(o.Select(kv => KeyValuePair.Create(char.ToLowerInvariant(kv.Key[0]) + kv.Key[1..], kv.Value?.DeepClone())))
        : node?.DeepClone();
}

/// <summary>An opened checkpoint: the task's description and training position, and its tensor files.</summary>
public sealed class CheckpointReader
{
    internal CheckpointReader(string dir, string folder, JsonNode? task, TrainingState? training)
    {
        Dir = dir;
        Folder = folder;
        Task = task;
        Training = training;
    }

    /// <summary>The checkpoint folder that was opened.</summary>
    public string Dir { get; }
    /// <summary>The generation folder holding the tensor files.</summary>
    public string Folder { get; }
    /// <summary>What the task wrote to rebuild its model and data (the character model: vocabulary and configuration).</summary>
    public JsonNode? Task { get; }
    /// <summary>The training position; null for a checkpoint that holds weights only.</summary>
    public TrainingState? Training { get; }

    /// <summary>The path of the weights file in the current generation.</summary>
    public string ModelPath => Path.Combine(Folder, Checkpoint.ModelFile);

    /// <summary>Loads the weights into <paramref name="model"/> (see <see cref="Part.Load(string, bool)"/>).</summary>
    public LoadReport LoadModel(Part model, bool strict = true) => model.Load(ModelPath, strict);

    /// <summary>The optimizer's and the task's tensors.</summary>
    public Dictionary<string, SafeTensors.Entry> TrainingTensors() => SafeTensors.Read(Path.Combine(Folder, Checkpoint.TrainingFile)).Tensors;

    /// <summary>The task's description as <typeparamref name="TTask"/>.</summary>
    public TTask ReadTask<TTask>() => (Task ?? throw new InvalidDataException($"The checkpoint in '{Dir}' has no task description."))
        .Deserialize<TTask>(Checkpoint.Json) ?? throw new InvalidDataException($"The checkpoint in '{Dir}' has an empty task description.");
}
